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
        return console != null && console.charset().newEncoder().canEncode(blocks)
                && Charset.defaultCharset().newEncoder().canEncode(blocks)
                ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII;
    }

    /** @param err where the bar is drawn: a writer made before this line, on the console's error stream */
    ProgressLine(PrintWriter err) {
        this(new Line(err, System.err));
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
    private static final class Line {
        final PrintWriter err;
        final PrintStream systemErr;
        private boolean open;
        private boolean drawing;

        Line(PrintWriter err, PrintStream systemErr) {
            this.err = err;
            this.systemErr = systemErr;
        }

        synchronized void draw(String rendered) {
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
