package dev.tuna.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The commands that change a study: {@code stop} and {@code resume} (of a run, so on the server that runs it) and
 * {@code delete} (from a server, a data folder or a cluster's database), as the dashboard's buttons and Optuna's
 * {@code delete-study} do.
 */
final class ControlCommands {
    private ControlCommands() {
    }

    /**
     * A command that asks a server to do one thing to one study's run, and prints what it said ({@code %1$s} the
     * study, {@code %2$s} its state after).
     */
    abstract static class ServerAction implements Callable<Integer> {
        private final BiFunction<StudySource.Remote, String, JsonNode> act;
        private final String said;

        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "The study.")
        String study;
        @Mixin
        ServerOptions server;
        /** Taken only to say what to give instead: a study's run is stopped or resumed where it runs. */
        @Option(names = "--db", hidden = true)
        String db;
        @Option(names = "--data", hidden = true)
        String data;

        ServerAction(BiFunction<StudySource.Remote, String, JsonNode> act, String said) {
            this.act = act;
            this.said = said;
        }

        @Override
        public final Integer call() {
            if (db != null) {
                throw new UsageException("--db: a study's run is stopped and resumed on the server that runs it, the one"
                        + " of this database: give its --server URL");
            }
            if (data != null) {
                throw new UsageException("--data: a study's run is stopped and resumed on the server that runs it: give"
                        + " its --server URL (a 'tuna run' stops with Ctrl-C)");
            }
            String name = ReadCommands.name(study);
            JsonNode view = act.apply(server.remote(), name);
            PrintWriter out = spec.commandLine().getOut();
            out.println(String.format(said, Terminal.printable(name), view.get("state").asText()));
            out.flush();
            return 0;
        }
    }

    /** {@code tuna stop NAME}. */
    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops a study's run on a server: no trial"
            + " starts, and its running trials end FAIL, interrupted ('tuna resume' goes on with it).")
    static final class Stop extends ServerAction {
        Stop() {
            super(StudySource.Remote::stop, "Stopped study '%s' (%s); 'tuna resume' goes on with it.");
        }
    }

    /** {@code tuna resume NAME}. */
    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes a stopped or interrupted study"
            + " on a server, up to its number of trials.")
    static final class Resume extends ServerAction {
        Resume() {
            super(StudySource.Remote::resume, "Resumed study '%s' (%s).");
        }
    }

    /** {@code tuna delete NAME}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a study and all its trials (a"
            + " running study is stopped first on a server; elsewhere it is refused).")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SourceOptions source;
        @Parameters(paramLabel = "NAME", description = "The study.")
        String study;

        @Override
        public Integer call() {
            String name = ReadCommands.name(study);
            try (StudySource s = source.openToChange()) {
                s.delete(name);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Deleted study '" + Terminal.printable(name) + "'.");
            out.flush();
            return 0;
        }
    }
}
