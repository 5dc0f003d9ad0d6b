package dev.tuna.web.cli;

import java.io.Console;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Draws a progress bar on one console line, over itself, and keeps log messages off that line: while the bar is
 * shown, whatever else is written to {@code System.err} (where SLF4J's simple logger writes) starts on a line of its
 * own, and the bar is drawn again below it. Closing it ends the bar's line and gives {@code System.err} back.
 *
 * <p>Without a console (output to a file or a pipe) the bar is a line of its own each time it has news, and at most
 * every {@link #QUIET_MILLIS} ms besides: redrawn in place ten times a second, it filled a log with 36,000 lines an
 * hour.
 */
final class ProgressLine extends DelegatingProgressBarConsumer {
    private final Line line;

    /**
     * Colours and block characters where a terminal shows them; plain ASCII in logs and pipes, and on a terminal
     * whose character set has no block characters (a C locale showed a row of question marks).
     */
    static ProgressBarStyle style() {
        Console console = System.console();
        String blocks = "\u2588\u258c\u2502";
        // The bar goes to the error stream: a terminal's, or a log's (the console is that of the other two streams).
        return errIsTerminal() && console != null && console.charset().newEncoder().canEncode(blocks)
                && Charset.defaultCharset().newEncoder().canEncode(blocks)
                ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII;
    }

    /** How often a bar without a console is written when nothing but its clock changed. */
    static final long QUIET_MILLIS = 30_000;

    /** @param err where the bar is drawn: a writer made before this line, on the console's error stream */
    ProgressLine(PrintWriter err) {
        this(err, errIsTerminal());
    }

    /**
     * Whether the error stream goes to a terminal: on Linux, what its file descriptor links to; elsewhere whether
     * there is a console (Java's console looks at standard input and output, not at the error stream).
     */
    static boolean errIsTerminal() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** @param console whether {@code err} is a console's, where the bar is drawn over itself */
    ProgressLine(PrintWriter err, boolean console) {
        this(new Line(err, System.err, console));
    }

    private ProgressLine(Line line) {
        super(line::draw);
        this.line = line;
        System.setErr(new PrintStream(new OutputStream() {
            // Under the line's lock, so that a redraw of the bar cannot land in the middle of a message.
            @Override
            public void write(int b) {
                synchronized (line) {
                    line.breakLine();
                    line.systemErr.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (line) {
                    line.breakLine();
                    line.systemErr.write(b, off, len);
                }
            }

            @Override
            public void flush() {
                line.systemErr.flush();
            }
        }, true));
    }

    @Override
    public void close() {
        System.setErr(line.systemErr);
        line.breakLine();
    }

    /** The bar's line: whether it is open (drawn, not yet ended). */
    static final class Line {
        final PrintWriter err;
        final PrintStream systemErr;
        private final boolean console;
        private boolean open;
        private boolean drawing;
        private String lastNews; // without a console: the last bar written, its clocks left out
        private long lastWritten;

        Line(PrintWriter err, PrintStream systemErr, boolean console) {
            this.err = err;
            this.systemErr = systemErr;
            this.console = console;
        }

        synchronized void draw(String rendered) {
            if (!console) {
                String news = rendered.replaceAll("\\d+:\\d\\d(:\\d\\d)?", "").replaceAll("\\d+(\\.\\d+)?/s", "");
                long now = System.nanoTime();
                if (!news.equals(lastNews) || now - lastWritten >= QUIET_MILLIS * 1_000_000) {
                    lastNews = news;
                    lastWritten = now;
                    err.println(rendered.strip());
                    err.flush();
                }
                return;
            }
            drawing = true; // in case err writes through System.err: the bar must not break its own line
            try {
                err.print('\r');
                err.print(rendered);
                err.flush();
                open = true;
            } finally {
                drawing = false;
            }
        }

        synchronized void breakLine() {
            if (open && !drawing) {
                open = false;
                err.println();
                err.flush();
            }
        }
    }
}
