package dev.tuna.examples.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import dev.tuna.worker.data.DataSplit;
import dev.tuna.worker.data.DatasetRegistry;
import dev.tuna.worker.data.LabeledData;
import dev.tuna.worker.metrics.MetricNames;
import dev.tuna.worker.train.Engines;
import dev.tuna.worker.train.Trainable;
import dev.tuna.worker.train.TrainableRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Training throughput of the demo's MLP (784-256-10, ReLU, Adam 1e-3, batch 128) on the bundled MNIST-10k
 * (8,000 training digits) on the CPU: Tuna's {@code mlp} trainable (per-batch loss check, gradient norms and
 * per-epoch validation metrics) against the same DJL loop run bare ({@code EasyTrain.trainBatch} and
 * {@code step}, no listeners). Samples per second count training batches only, epochs after the first;
 * rounds alternate between the two so that a busy machine hurts both alike. The target is judged on each side's
 * best epoch (the least disturbed by other processes on a shared machine); the medians are recorded too.
 */
@Command(name = "training", mixinStandardHelpOptions = true,
        description = "Samples/s of the MLP on MNIST-10k on CPU: Tuna's trainable against the bare DJL loop.")
final class TrainingThroughputBenchmark implements Callable<Integer> {
    /** Issue 3's target: a trial's throughput within 5% of the bare loop. */
    static final double TARGET_OVERHEAD_PERCENT = 5;
    static final int WARM_UP_ROUNDS = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of each (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--epochs", defaultValue = "4", description = "Epochs per round; the first is a warm-up (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--threads", defaultValue = "2", description = "PyTorch intra-op threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/training-throughput.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    /** What the JSON file holds. */
    record Report(String benchmark, String date, String model, String data, int threads, int warmUpRounds, int epochsPerRound,
                  Map<String, Object> machine, List<Double> tunaSamplesPerSecond, List<Double> bareSamplesPerSecond,
                  double tunaMedian, double bareMedian, double overheadPercent,
                  double tunaBestEpoch, double bareBestEpoch, double bestEpochOverheadPercent, double targetOverheadPercent,
                  boolean meetsTarget, double tunaFinalValAccuracy) {
    }

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || epochs < 2 || threads < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, --epochs >= 2 and --threads >= 1");
        }
        // Before the engine loads: PyTorch reads its thread counts once.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Engines.pytorch();
        PrintWriter console = spec.commandLine().getOut();
        console.printf(Locale.ROOT, "MLP 784-256-10, Adam, batch 128, MNIST-10k (8,000 training digits), CPU, %d threads%n", threads);

        DataSplit split = DatasetRegistry.defaults().load("mnist", 0);
        List<Double> tuna = new ArrayList<>();
        List<Double> bare = new ArrayList<>();
        double accuracy = Double.NaN;
        double tunaBest = 0;
        double bareBest = 0;
        // unmeasured rounds of each: the JIT compiles DJL's Java side and ours, which matters at these batch sizes
        for (int warmUp = 0; warmUp < WARM_UP_ROUNDS; warmUp++) {
            runTuna(-1 - warmUp);
            runBare(split.train(), -1 - warmUp);
        }
        for (int round = 1; round <= rounds; round++) {
            FrozenTrial trial = runTuna(round);
            double[] tunaEpochs = trial.metric(MetricNames.SAMPLES_PER_SECOND).values().stream().mapToDouble(Double::doubleValue).toArray();
            tuna.add(meanAfterFirst(tunaEpochs));
            tunaBest = Math.max(tunaBest, Arrays.stream(tunaEpochs, 1, tunaEpochs.length).max().orElseThrow());
            accuracy = trial.metric(MetricNames.VAL_ACCURACY).lastEntry().getValue();
            double[] bareEpochs = runBare(split.train(), round);
            bare.add(meanAfterFirst(bareEpochs));
            bareBest = Math.max(bareBest, Arrays.stream(bareEpochs, 1, bareEpochs.length).max().orElseThrow());
            console.printf(Locale.ROOT, "round %d: Tuna trainable %,.0f samples/s, bare DJL loop %,.0f samples/s%n", round, tuna.get(round - 1), bare.get(round - 1));
            console.flush();
        }
        double tunaMedian = median(tuna);
        double bareMedian = median(bare);
        double overhead = (bareMedian - tunaMedian) / bareMedian * 100;
        // on a shared machine the best epoch is the one least disturbed by other processes
        double bestOverhead = (bareBest - tunaBest) / bareBest * 100;
        console.printf(Locale.ROOT, "median of rounds: Tuna %,.0f, bare %,.0f samples/s: overhead %.1f%%%n", tunaMedian, bareMedian, overhead);
        console.printf(Locale.ROOT, "best epoch: Tuna %,.0f, bare %,.0f samples/s: overhead %.1f%% (target <= %.0f%%); validation accuracy %.4f%n",
                tunaBest, bareBest, bestOverhead, TARGET_OVERHEAD_PERCENT, accuracy);
        Map<String, Object> machine = BenchResults.machine();
        machine.put("djl", ai.djl.engine.Engine.getDjlVersion());
        machine.put("pytorch", Engines.pytorch().getVersion());
        machine.put("loadAverage", BenchResults.loadAverage());
        Report report = new Report("training-throughput", Instant.now().toString(), "MLP 784-256-10 ReLU, Adam lr 1e-3, batch 128, Xavier",
                "bundled MNIST-10k, 8,000 training / 2,000 validation digits", threads, WARM_UP_ROUNDS, epochs, machine, tuna, bare, tunaMedian, bareMedian,
                overhead, tunaBest, bareBest, bestOverhead, TARGET_OVERHEAD_PERCENT, bestOverhead <= TARGET_OVERHEAD_PERCENT, accuracy);
        BenchResults.write(out, report);
        console.println("results: " + out);
        return 0;
    }

    private FrozenTrial runTuna(int round) {
        Trainable mlp = TrainableRegistry.defaults().create("mlp", Map.of("dataset", "mnist", "epochs", epochs, "units", 256,
                "batchSize", 128, "lr", 0.001, "optimizer", "adam", "seed", round), Map.of());
        Study study = Study.builder("throughput").direction(Direction.MAXIMIZE).create();
        FrozenTrial trial = study.runTrial(mlp.asObjective(Device.cpu()));
        if (trial.state() != TrialState.COMPLETE) {
            throw new IllegalStateException("the Tuna trial ended " + trial.state() + ": " + trial.reason());
        }
        return trial;
    }

    /** The same network, data, optimiser and batches through DJL's own training step, timed per epoch. */
    private double[] runBare(LabeledData train, int round) throws IOException, ai.djl.translate.TranslateException {
        Engines.seed(round);
        double[] perEpoch = new double[epochs];
        try (NDManager data = Engines.pytorch().newBaseManager(Device.cpu()); Model model = Model.newInstance("bare", Device.cpu(), Engines.PYTORCH)) {
            ArrayDataset set = new ArrayDataset.Builder()
                    .setData(data.create(train.features(), new Shape(train.size(), 784)))
                    .optLabels(data.create(train.labels()))
                    .setSampling(128, true)
                    .build();
            model.setBlock(new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(256).build())
                    .add(Activation.reluBlock()).add(Linear.builder().setUnits(10).build()));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.001f)).build())
                    .optInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3f), Parameter.Type.WEIGHT);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(128, 784));
                for (int epoch = 0; epoch < epochs; epoch++) {
                    long start = System.nanoTime();
                    long samples = 0;
                    for (Batch batch : trainer.iterateDataset(set)) {
                        try (batch) {
                            EasyTrain.trainBatch(trainer, batch);
                            trainer.step();
                            samples += batch.getSize();
                        }
                    }
                    perEpoch[epoch] = samples / ((System.nanoTime() - start) / 1e9);
                }
            }
        }
        return perEpoch;
    }

    private static double meanAfterFirst(double[] values) {
        return Arrays.stream(values, 1, values.length).average().orElseThrow();
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
