package dev.tuna.examples.bench;

import dev.tuna.web.cli.HelpContract;
import picocli.CommandLine;

/** The help of {@code tuna bench} and of each benchmark. */
class BenchCommandTest extends HelpContract {

    @Override
    protected CommandLine commandLine() {
        return BenchCommand.commandLine();
    }
}
