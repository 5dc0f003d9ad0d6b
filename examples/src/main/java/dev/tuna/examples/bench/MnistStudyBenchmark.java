package dev.tuna.examples.bench;

import ai.djl.Device;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.pruner.SuccessiveHalvingPruner;
import dev.tuna.search.sampler.GpSampler;
import dev.tuna.worker.train.Engines;
import dev.tuna.worker.train.Trainable;
import dev.tuna.worker.train.TrainableRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * An end-to-end study: the GP sampler and the ASHA pruner tune the {@code mlp} on the bundled MNIST-10k on
 * the CPU (learning rate, units, optimiser, dropout; 8 epochs, batch 128). Records wall time, epochs spent,
 * trial outcomes and the best validation accuracy on the held-out 2,000 digits (issue 3's target: >= 0.95).
 */
@Command(name = "mnist-study", mixinStandardHelpOptions = true,
        description = "GP sampler + ASHA pruner tuning the MLP on MNIST-10k on this machine's CPU.")
final class MnistStudyBenchmark implements Callable<Integer> {
    static final double TARGET_ACCURACY = 0.95;

    @Spec
    CommandSpec spec;

    @Option(names = "--trials", defaultValue = "30", description = "Trials (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--epochs", defaultValue = "8", description = "Epochs of a trial that is not pruned (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--threads", defaultValue = "2", description = "PyTorch intra-op threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the GP sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/mnist-study.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    /** What the JSON file holds. */
    record Report(String benchmark, String date, String sampler, String pruner, int trials, int maxEpochs, int threads,
                  double wallSeconds, int epochsSpent, int complete, int pruned, int failed, double bestValAccuracy,
                  Map<String, Object> bestParams, double targetAccuracy, boolean meetsTarget) {
    }

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Engines.pytorch();
        PrintWriter console = spec.commandLine().getOut();
        Map<String, Distribution> space = new LinkedHashMap<>();
        space.put("lr", new FloatDistribution(1e-4, 1e-1, true, null));
        space.put("units", new IntDistribution(32, 512, true, 1));
        space.put("optimizer", new CategoricalDistribution(List.of("adam", "momentum")));
        space.put("dropout", new FloatDistribution(0.0, 0.5, false, null));
        Trainable mlp = TrainableRegistry.defaults().create("mlp", Map.of("dataset", "mnist", "epochs", epochs, "batchSize", 128), space);
        Study study = Study.builder("mnist-mlp").direction(Direction.MAXIMIZE)
                .sampler(new GpSampler(seed)).pruner(new SuccessiveHalvingPruner(1, 3, 0)).create();

        long start = System.nanoTime();
        study.optimize(mlp.asObjective(Device.cpu()), OptimizeOptions.builder().optTrials(trials)
                .optCallback((s, t) -> console.printf(Locale.ROOT, "trial %d %s value %s after %d epochs%n", t.number(), t.state(), t.value(), t.intermediateValues().size()))
                .build());
        double wall = (System.nanoTime() - start) / 1e9;

        List<FrozenTrial> all = study.trials();
        int epochsSpent = all.stream().mapToInt(t -> t.intermediateValues().size()).sum();
        double best = all.stream().flatMap(t -> t.metric("val_accuracy").values().stream()).mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        Report report = new Report("mnist-study", Instant.now().toString(), "GpSampler(" + seed + ")", "SuccessiveHalvingPruner(1, 3, 0)",
                trials, epochs, threads, wall, epochsSpent, study.trials(TrialState.COMPLETE).size(), study.trials(TrialState.PRUNED).size(),
                study.trials(TrialState.FAIL).size(), best, study.bestParams(), TARGET_ACCURACY, best >= TARGET_ACCURACY);
        console.printf(Locale.ROOT, "%d trials in %.0f s, %d epochs (of %d without pruning), %d complete, %d pruned; best validation accuracy %.4f (target %.2f) with %s%n",
                trials, wall, epochsSpent, trials * epochs, report.complete(), report.pruned(), best, TARGET_ACCURACY, study.bestParams());
        BenchResults.write(out, report);
        console.println("results: " + out);
        return 0;
    }
}
