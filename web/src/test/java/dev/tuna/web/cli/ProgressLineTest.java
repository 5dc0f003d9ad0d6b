package dev.tuna.web.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

    @Test
    void aLogMessageWrittenWhileTheBarIsShownGetsALineOfItsOwn() {
        PrintStream console = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream captured = new PrintStream(out, true, StandardCharsets.UTF_8);
        System.setErr(captured);
        try {
            ProgressLine line = new ProgressLine(new PrintWriter(captured, true), true);
            line.accept("run  10%");
            line.accept("run  20%");
            System.err.print("[main] WARN disk full\n"); // as SLF4J's simple logger writes
            line.accept("run  30%");
            line.close();
            assertThat(System.err).isSameAs(captured);
            System.err.print("after\n");
        } finally {
            System.setErr(console);
        }
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("\rrun  10%\rrun  20%\n[main] WARN disk full\n\rrun  30%\nafter\n");
    }

    @Test
    void withoutAConsoleTheBarIsALineEachTimeItHasNews() {
        // Redrawn in place ten times a second, a bar sent to a file filled it with a line each time its clock moved.
        java.io.StringWriter out = new java.io.StringWriter();
        ProgressLine.Line line = new ProgressLine.Line(new PrintWriter(out), System.err, false);
        line.draw("s  10% [=>    ] 1/10 trials (0:00:01 / 0:00:09) best 0.5");
        line.draw("s  10% [=>    ] 1/10 trials (0:00:02 / 0:00:08) best 0.5");
        line.draw("s  10% [=>    ] 1/10 trials (0:00:03 / 0:00:07) best 0.5");
        line.draw("s  20% [==>   ] 2/10 trials (0:00:04 / 0:00:06) best 0.4");
        assertThat(out.toString().lines()).containsExactly(
                "s  10% [=>    ] 1/10 trials (0:00:01 / 0:00:09) best 0.5",
                "s  20% [==>   ] 2/10 trials (0:00:04 / 0:00:06) best 0.4");
    }
}
