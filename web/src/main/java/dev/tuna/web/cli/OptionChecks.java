package dev.tuna.web.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks of a command's option values: a bad one is a usage error with a one-line message naming the option. */
final class OptionChecks {
    private OptionChecks() {
    }

    /** Refuses the command line with {@code message} unless {@code ok}. */
    static void check(CommandSpec spec, boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /** {@code --port}: 0 (any free port) to 65535. */
    static void checkPort(CommandSpec spec, int port) {
        check(spec, port >= 0 && port <= 65535, "--port must be from 0 to 65535, got " + port);
    }
}
