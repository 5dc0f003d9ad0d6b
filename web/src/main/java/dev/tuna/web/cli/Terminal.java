package dev.tuna.web.cli;

/** What the command line prints of text it does not control (study names, values, reasons). */
final class Terminal {
    private Terminal() {
    }

    /**
     * Text for a terminal line: control characters (a newline in a failure's reason, an escape sequence in a
     * categorical value) and invisible format characters (a right-to-left override, a line separator) are shown
     * escaped, so that they neither break the table nor act on the terminal.
     */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    int type = Character.getType(c);
                    if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                            || type == Character.PARAGRAPH_SEPARATOR) {
                        out.append(String.format("\\u%04x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.toString();
    }

}
