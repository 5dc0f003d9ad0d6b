package dev.tuna.examples.bench;

import dev.tuna.web.cli.OneLineErrorHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Main class of the benchmarks jar ({@code ./tuna bench NAME}): one subcommand per benchmark.
 */
@Command(name = "tuna bench", mixinStandardHelpOptions = true,
        description = "Runs one of Tuna's benchmarks and writes its results under examples/results.",
        subcommands = {OverheadBenchmark.class, PrunerBenchmark.class, SamplerBenchmark.class, TrainingThroughputBenchmark.class, MnistStudyBenchmark.class,
                LoadBenchmark.class, ClusterBenchmark.class, StorageReadBenchmark.class, WideTrialsBenchmark.class,
                ImportanceBenchmark.class, MixedSpaceBenchmark.class,
                HelpCommand.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** Runs the named benchmark and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The benchmarks' command line, with one-line error messages. */
    public static CommandLine commandLine() {
        return OneLineErrorHandler.install(new CommandLine(new BenchCommand()));
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a benchmark, e.g. 'tuna bench overhead'");
    }
}
