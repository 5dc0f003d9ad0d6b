package dev.tuna.examples.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/** One in-process run of {@code tuna bench}: its exit code and what it printed, without colours. */
record BenchRun(int code, String out, String err) {

    /** Runs {@code tuna bench ARGS} and collects its exit code and output. */
    static BenchRun bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = BenchCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(Ansi.OFF));
        return new BenchRun(cl.execute(args), out.toString(), err.toString());
    }
}
