package dev.tuna.web.cli;

import picocli.CommandLine;

/** The help of {@code tuna} and of each of its commands. */
class TunaCommandTest extends HelpContract {

    @Override
    protected CommandLine commandLine() {
        return TunaCommand.commandLine();
    }
}
