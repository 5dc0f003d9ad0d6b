package dev.tuna.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
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

    /** A command that asks a server to do one thing to one study's run. */
    abstract static class ServerAction implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The study.")
        String study;

        @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:7070",
                description = "The server that runs it (default: ${DEFAULT-VALUE}).")
        String server;

        @Option(names = "--token", paramLabel = "TOKEN", description = "The API token of a server bound beyond loopback"
                + " (default: the environment variable TUNA_TOKEN).")
        String token;

        @Override
        public final Integer call() {
            String name = ReadCommands.name(study);
            JsonNode view = act(new StudySource.Remote(server, token), name);
            PrintWriter out = spec.commandLine().getOut();
            out.println(said(Terminal.printable(name), view.get("state").asText()));
            out.flush();
            return 0;
        }

        /** Asks the server; the study's view after. */
        abstract JsonNode act(StudySource.Remote server, String study);

        /** What the command prints, for the study and its state after. */
        abstract String said(String study, String state);
    }

    /** {@code tuna stop NAME}. */
    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops a study's run on a server: no trial"
            + " starts, and its running trials end FAIL, interrupted ('tuna resume' goes on with it).")
    static final class Stop extends ServerAction {
        @Override
        JsonNode act(StudySource.Remote server, String study) {
            return server.stop(study);
        }

        @Override
        String said(String study, String state) {
            return "Stopped study '" + study + "' (" + state + "); 'tuna resume' goes on with it.";
        }
    }

    /** {@code tuna resume NAME}. */
    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes a stopped or interrupted study"
            + " on a server, up to its number of trials.")
    static final class Resume extends ServerAction {
        @Override
        JsonNode act(StudySource.Remote server, String study) {
            return server.resume(study);
        }

        @Override
        String said(String study, String state) {
            return "Resumed study '" + study + "' (" + state + ").";
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
