package dev.tuna.web.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/** One run of the {@code tuna} command line in this process, as the CLI tests see it: exit code, stdout, stderr. */
record TunaRun(int code, String out, String err) {

    /** Runs {@code tuna args...} without colours. */
    static TunaRun tuna(String... args) {
        return tuna(new StringWriter(), new StringWriter(), args);
    }

    /** Runs {@code tuna args...} writing to {@code out} and {@code err} (a test may read them while it runs). */
    static TunaRun tuna(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = TunaCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(Ansi.OFF));
        int code = cl.execute(args);
        return new TunaRun(code, out.toString(), err.toString());
    }
}
