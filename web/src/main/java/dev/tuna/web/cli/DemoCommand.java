package dev.tuna.web.cli;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.sampler.SobolSampler;
import dev.tuna.web.demo.Branin;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tuna demo}: runs a study of the Branin function into {@code DIR/tuna.db} with a progress bar and
 * prints the best trial. An interrupted demo resumes where it stopped; a finished one starts afresh.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs a demo study into DIR/tuna.db and prints the best trial.",
                "The study minimises the Branin function, with a progress bar. An interrupted demo resumes;",
                "a finished one starts afresh."})
final class DemoCommand implements Callable<Integer> {
    /** The name of the demo's study in the database. */
    static final String STUDY = "demo-branin";
    /** The name of the database file in the data folder. */
    static final String DB_FILE = "tuna.db";
    /**
     * Branin itself takes microseconds; pausing this long per trial makes the progress bar something one can
     * watch (60 trials take about 1.5 s).
     */
    static final long PAUSE_MILLIS = 25;

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "tuna-data",
            description = "Folder of the database (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--trials", paramLabel = "N", defaultValue = "60",
            description = "Number of trials of the study (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (trials < 1) {
            throw new ParameterException(spec.commandLine(), "--trials must be at least 1, got " + trials);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path db = data.resolve(DB_FILE).toAbsolutePath().normalize();
        try (MapDbStorage storage = MapDbStorage.open(db)) {
            Study study = open(storage);
            int done = study.countedTrials();
            if (done >= trials) {
                storage.deleteStudy(STUDY);
                out.printf("Study '%s' already has %d finished trials: starting afresh.%n", STUDY, done);
                study = open(storage);
                done = 0;
            } else if (done > 0) {
                out.printf("Resuming study '%s': %d of %d trials already done.%n", STUDY, done, trials);
            }
            try (TrialProgress progress = new TrialProgress(study, trials, done, spec.commandLine().getErr())) {
                // Total rather than new trials: a demo stopped half-way goes on to the number asked for.
                study.optimize(DemoCommand::objective,
                        OptimizeOptions.builder().optTotalTrials(trials).optCallback(progress).build());
            }
            printBest(study, out, db);
        }
        return 0;
    }

    private Study open(Storage storage) {
        return Study.builder(STUDY).direction(Direction.MINIMIZE).sampler(new SobolSampler(seed)).storage(storage).create();
    }

    private static double objective(Trial trial) throws InterruptedException {
        double x1 = trial.suggestFloat("x1", Branin.X1_LOW, Branin.X1_HIGH);
        double x2 = trial.suggestFloat("x2", Branin.X2_LOW, Branin.X2_HIGH);
        Thread.sleep(PAUSE_MILLIS);
        return Branin.value(x1, x2);
    }

    private static void printBest(Study study, PrintWriter out, Path db) {
        FrozenTrial best = study.findBestTrial()
                .orElseThrow(() -> new IllegalStateException("no trial of study '" + STUDY + "' completed"));
        out.printf(Locale.ROOT, "Best trial #%d: value %.6f, regret %.6f (optimum %s)%n",
                best.number(), best.value(), best.value() - Branin.OPTIMUM, Branin.OPTIMUM);
        for (Map.Entry<String, Object> p : best.params().entrySet()) {
            out.printf(Locale.ROOT, "  %s = %.6f%n", p.getKey(), ((Number) p.getValue()).doubleValue());
        }
        out.printf("Data: %s (study '%s', %d trials)%n", db, STUDY, study.trials().size());
        out.flush();
    }
}
