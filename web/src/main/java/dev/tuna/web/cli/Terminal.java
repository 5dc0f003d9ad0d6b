package dev.tuna.web.cli;

/** What the command line prints of text it does not control (study names, values, reasons). */
final class Terminal {
    private Terminal() {
    }

    /**
     * {@code text} followed by spaces up to {@code columns} terminal columns, counting a wide character (CJK, most
     * emoji) as two: {@code %-24s} pads by characters, and a name in Chinese pushed the table's other columns right.
     */
    static String padded(String text, int columns) {
        int width = text.codePoints().map(c -> wide(c) ? 2 : 1).sum();
        return text + " ".repeat(Math.max(0, columns - width));
    }

    /** Whether a terminal shows the character two columns wide (East Asian wide and full-width forms, emoji). */
    private static boolean wide(int c) {
        return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F)
                || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F)
                || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F)
                || (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
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
