package dev.tuna.search;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.search.sampler.RandomSampler;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The child process of {@link CrashSafetyTest}: runs a study on a MapDB file until it holds the requested number of
 * finished trials, telling its parent on stdout of every trial once {@code tell} has returned. The parent kills it
 * with SIGKILL at random moments.
 *
 * <p>Arguments: the database file, the sampler's seed, the total number of trials. Lines written:
 * <pre>
 * OPENED &lt;trials&gt; &lt;interrupted&gt; &lt;running&gt;   once the study is loaded
 * FINISHED &lt;number&gt; &lt;state&gt; &lt;value&gt; END     after each trial is durable
 * DONE &lt;trials&gt;                              when the study is complete and the file closed
 * </pre>
 * Exit status 0 when done, 1 on any error (with its stack trace on stderr).
 */
public final class CrashChild {
    static final String STUDY = "crash";
    static final List<String> OPTIMIZERS = List.of("adam", "sgd", "rmsprop");
    static final String TRAIN_LOSS = "train_loss";

    // Each line goes out in one write(2) of at most a few dozen bytes, so a kill never leaves half a line in the pipe.
    private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private CrashChild() {
    }

    public static void main(String[] args) {
        try {
            run(Path.of(args[0]), Long.parseLong(args[1]), Integer.parseInt(args[2]));
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(Path db, long seed, int totalTrials) throws IOException {
        MapDbStorage storage = MapDbStorage.open(db);
        Study study = Study.builder(STUDY).sampler(new RandomSampler(seed)).storage(storage).create();
        List<FrozenTrial> loaded = study.trials();
        emit("OPENED " + loaded.size() + " " + loaded.stream().filter(FrozenTrial::wasInterrupted).count() + " "
                + loaded.stream().filter(t -> t.state() == TrialState.RUNNING).count());
        study.optimize(CrashChild::objective, OptimizeOptions.builder()
                .optTotalTrials(totalTrials)
                .optParallelism(2)
                .optCallback((s, t) -> emit("FINISHED " + t.number() + " " + t.state() + " " + t.value() + " END"))
                .build());
        int trials = study.trials().size();
        storage.close();
        emit("DONE " + trials);
    }

    private static void emit(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (OUT) {
            try {
                OUT.write(bytes);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write to stdout", e);
            }
        }
    }

    /**
     * Suggests 2 to 4 parameters (float, log float, int, categorical), reports 1 to 4 steps of intermediate values
     * and metrics with random sleeps in between, and returns {@link #valueOf}. The number of steps and every
     * reported value follow from the parameters, so the parent can check a stored trial against itself.
     */
    static double objective(Trial trial) throws InterruptedException {
        double x = trial.suggestFloat("x", -5, 5);
        double lr = trial.suggestFloat("lr", 1e-5, 1e-1, true);
        if (x > 0) {
            trial.suggestInt("units", 1, 64);
        }
        if (lr > 1e-3) {
            trial.suggestCategorical("optimizer", OPTIMIZERS);
        }
        double value = valueOf(trial.params());
        int steps = stepsOf(trial.params());
        for (int step = 1; step <= steps; step++) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(1, 16));
            trial.report(step, intermediateOf(value, steps, step));
            trial.report(step, Map.of(TRAIN_LOSS, trainLossOf(value, steps, step), "lr", lr));
        }
        return value;
    }

    /** The objective's value for these parameters. */
    static double valueOf(Map<String, Object> params) {
        double x = ((Number) params.get("x")).doubleValue();
        double lr = ((Number) params.get("lr")).doubleValue();
        double value = x * x + Math.pow(Math.log10(lr) + 3, 2) / 10;
        if (params.containsKey("units")) {
            value += ((Number) params.get("units")).doubleValue() / 64;
        }
        if (params.containsKey("optimizer")) {
            value += OPTIMIZERS.indexOf((String) params.get("optimizer")) * 0.1;
        }
        return value;
    }

    /** How many steps the objective reports for these parameters: 1 to 4. */
    static int stepsOf(Map<String, Object> params) {
        return 1 + (int) Math.abs(((Number) params.get("x")).doubleValue()) % 4;
    }

    /** The intermediate value at a step: falls to the final value at the last step. */
    static double intermediateOf(double value, int steps, int step) {
        return value + (steps - step);
    }

    static double trainLossOf(double value, int steps, int step) {
        return 2 * value + (steps - step) * 0.5;
    }
}
