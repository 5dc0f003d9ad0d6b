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
            ProgressLine line = new ProgressLine(new PrintWriter(captured, true));
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
}
