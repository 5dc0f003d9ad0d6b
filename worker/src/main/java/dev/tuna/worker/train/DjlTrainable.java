package dev.tuna.worker.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;
import dev.tuna.search.Trial;
import dev.tuna.search.TrialPrunedException;
import dev.tuna.worker.data.DataSplit;
import dev.tuna.worker.data.DatasetRegistry;
import dev.tuna.worker.data.LabeledData;
import dev.tuna.worker.data.Task;
import dev.tuna.worker.metrics.LossBatchData;
import dev.tuna.worker.metrics.MetricNames;
import dev.tuna.worker.metrics.TrainingMonitor;
import dev.tuna.worker.metrics.Validation;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trainable that trains a DJL block on a dataset from the {@link DatasetRegistry} and reports every epoch.
 * Subclasses only build the network ({@link #buildBlock}); the built-in {@code mlp} and {@code cnn} are two, and
 * a user's own DJL model is a third (extend this class and register a {@link TrainableFactory}).
 *
 * <p>Settings (each from the trial's suggestions, else the fixed values, else the default):
 * <table>
 *   <caption>common settings</caption>
 *   <tr><td>{@code dataset}</td><td>a {@link DatasetRegistry} name, default {@code mnist}</td></tr>
 *   <tr><td>{@code dataSeed}</td><td>seed of the data and its split, default 0 (the same for every trial)</td></tr>
 *   <tr><td>{@code seed}</td><td>seed of weights, dropout and batch order, default the trial number</td></tr>
 *   <tr><td>{@code epochs}, {@code batchSize}</td><td>default 5 and 128</td></tr>
 *   <tr><td>{@code lr}, {@code optimizer}, {@code momentum}, {@code weightDecay}</td>
 *       <td>default 0.001, {@code adam} (one of {@link Optimizers#NAMES}), 0.9, 0</td></tr>
 *   <tr><td>{@code schedule}, {@code stepEpochs}, {@code stepGamma}, {@code warmupEpochs}</td>
 *       <td>default {@code none} (one of {@link LearningRateSchedules#NAMES}), a third of the epochs, 0.1, 1</td></tr>
 *   <tr><td>{@code initializer}</td><td>default {@code xavier} (one of {@link Initializers#NAMES})</td></tr>
 *   <tr><td>{@code gradNormEvery}</td><td>gradient norms are measured on every k-th batch, default 10 (the loss
 *       is checked on every batch)</td></tr>
 *   <tr><td>{@code metric}</td><td>the objective: default {@code val_accuracy} (classification) or {@code val_loss}</td></tr>
 * </table>
 * Unknown settings are rejected. An interrupted thread stops training before its next batch with an
 * {@link InterruptedException} (how the dispatcher cancels a trial). Every epoch the metrics of {@link MetricNames} go to {@code trial.report}, then
 * the pruner is asked. With the same seed a CPU run is repeated exactly (one trial at a time: PyTorch's generator
 * is global to the process).
 */
public abstract class DjlTrainable implements Trainable {
    /** Where {@link #check} tries a numeric range besides its ends: off the centre, as an irrational share is. */
    private static final double OFF_CENTRE = Math.sqrt(2) - 1;
    private static final Logger LOG = LoggerFactory.getLogger(DjlTrainable.class);
    /** Serialises "seed the global generator, then build and initialise" so concurrent trials keep their seeds. */
    private static final Map<Device, Object> INIT_LOCKS = new ConcurrentHashMap<>();
    /** What {@link #check} builds the network for: one MNIST-sized image of two classes. */
    private static final LabeledData CHECK_DATA = new LabeledData(new float[28 * 28], new long[] {1, 28, 28},
            new float[] {0}, 2);

    private final String name;
    private final Map<String, Object> fixed;
    private final Map<String, Distribution> space;
    private final DatasetRegistry datasets;

    protected DjlTrainable(String name, Map<String, Object> fixed, Map<String, Distribution> space, DatasetRegistry datasets) {
        this.name = name;
        // The space is suggested in its order, which must not change from one JVM to the next (it would change a
        // seeded study's suggestions): the caller's order if it has one, else the names' (Map.of's order changes).
        this.fixed = Collections.unmodifiableMap(new LinkedHashMap<>(fixed));
        this.space = Collections.unmodifiableMap(space instanceof LinkedHashMap || space instanceof SortedMap
                ? new LinkedHashMap<>(space) : new TreeMap<>(space));
        this.datasets = datasets;
    }

    /** The trainable's name. */
    public String name() {
        return name;
    }

    /**
     * Builds the network for this trial (read architecture settings from {@code params}).
     *
     * @param inputShape the shape of one sample as the network sees it
     * @param outputs the number of classes, or 1 for regression
     */
    protected abstract Block buildBlock(Hyperparams params, long[] inputShape, int outputs, Task task);

    /**
     * The shape the network sees one sample as; by default the dataset's own. {@link #check} calls it (and
     * {@link #buildBlock}) with the training data when it is on this machine, else with one placeholder 1 x 28 x 28
     * image of two classes.
     */
    protected long[] inputShape(Hyperparams params, LabeledData train) {
        return train.sampleShape();
    }

    /** The settings every DJL trainable reads (see the class comment), checked as they are read. */
    private record Settings(String dataset, long dataSeed, long seed, int epochs, int batchSize, float lr,
                            String optimizer, float momentum, float weightDecay, String schedule, int stepEpochs,
                            float stepGamma, int warmupEpochs, String initializer, int gradNormEvery) {

        static Settings read(Hyperparams p, int trialNumber) {
            int epochs = p.getInt("epochs", 5, 1, 100_000);
            return new Settings(p.getString("dataset", "mnist"), p.getLong("dataSeed", 0),
                    p.getLong("seed", trialNumber), epochs, p.getInt("batchSize", 128, 1, 1 << 20),
                    (float) p.getDouble("lr", 1e-3, 0, 100), p.getChoice("optimizer", "adam", Optimizers.NAMES),
                    (float) p.getDouble("momentum", 0.9, 0, 1), (float) p.getDouble("weightDecay", 0, 0, 10),
                    p.getChoice("schedule", "none", LearningRateSchedules.NAMES),
                    p.getInt("stepEpochs", Math.max(1, epochs / 3), 1, 100_000),
                    (float) p.getDouble("stepGamma", 0.1, 0, 1), p.getInt("warmupEpochs", 1, 0, 100_000),
                    p.getChoice("initializer", "xavier", Initializers.NAMES),
                    p.getInt("gradNormEvery", 10, 1, 1_000_000));
        }
    }

    /**
     * Checks the fixed settings and the space as trials will read them, without a device: every setting is known,
     * its values are in range (each numeric range at its ends and a value between, every choice of a
     * categorical), the dataset loads ({@link DatasetRegistry#check}), the metric is one it reports for that data,
     * and the network builds for that data (for an MNIST-sized image when the data's files are not here).
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    @Override
    public void check() {
        checkObjective();
    }

    /**
     * {@link #check}, which returns the objective's metric it found: the {@code metric} setting, or the default for
     * the data's task when the data is here; empty when it depends on data that is not.
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    public java.util.Optional<String> checkObjective() {
        return checked().objective();
    }

    /**
     * What {@link #check} found: the objective's metric (as {@link #checkObjective} gives it) and the settings its
     * trials run with besides the space's, defaults included, as {@link Hyperparams#used} gives them. Left out: a
     * default that depends on the trial (the seed's) or on a searched setting (stepEpochs' on epochs), and the metric
     * when the objective is not known (the data is not here).
     *
     * @param objective empty when it depends on data that is not here
     */
    public record Checked(java.util.Optional<String> objective, Map<String, Object> settings) {
    }

    /**
     * {@link #check}, which returns what it found.
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    public Checked checked() {
        Map<String, Object> inUse = new LinkedHashMap<>();
        Set<String> varying = new HashSet<>();
        int passes = 3;
        for (Distribution d : space.values()) {
            if (d instanceof CategoricalDistribution c) {
                passes = Math.max(passes, c.choices().size());
            }
        }
        String objective = null; // the metric every pass resolved, if they agree and know it
        for (int pass = 0; pass < passes; pass++) {
            Map<String, Object> values = new LinkedHashMap<>(fixed);
            for (Map.Entry<String, Distribution> e : space.entrySet()) {
                values.put(e.getKey(), valueOfPass(e.getValue(), pass));
            }
            Hyperparams p = Hyperparams.of("trainable " + name, values);
            Settings settings = Settings.read(p, 0);
            LabeledData data;
            DataSplit here;
            try {
                // The network is built for the data it will train on when that is here, else for an MNIST image.
                here = datasets.check(settings.dataset(), settings.dataSeed()).orElse(null);
                data = here != null ? here.train() : CHECK_DATA;
            } catch (InvalidSettingException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("dataset", e.getMessage());
            } catch (RuntimeException e) {
                // Whatever else loading it threw is still a dataset this spec cannot have: a 400, not a 500.
                throw new InvalidSettingException("dataset", "dataset " + settings.dataset() + ": " + e);
            }
            String metric = metric(p, data.task());
            if (!MetricNames.isReported(metric)) {
                throw new InvalidSettingException("metric", "trainable " + name + ": metric '" + metric
                        + "' is not one it reports (" + String.join(", ", MetricNames.ALL) + ", or grad_norm/LAYER)");
            }
            if (!MetricNames.isReportedFor(metric, data.task())) {
                throw new InvalidSettingException("metric", "trainable " + name + ": metric '" + metric + "' is not reported"
                        + " for " + settings.dataset() + ", a " + data.task().name().toLowerCase(java.util.Locale.ROOT)
                        + " set");
            }
            if (here != null) {
                checkDefined(metric, here.validation(), settings.dataset());
            }
            Block block = buildBlock(p, checkedInputShape(p, data), outputs(data), data.task());
            // Two settings at once: judged only when neither is searched (the passes pair a space's values by
            // their order, so a searched pair would be judged by the order its choices are listed in); a trial
            // with such a pair fails naming it.
            if (!space.containsKey("batchSize") && !space.containsKey("batchNorm")) {
                checkBatchNorm(block, settings.batchSize(), here != null ? here.train().size() : Integer.MAX_VALUE);
            }
            p.checkAllKnown();
            // A default that depends on the trial (the seed is its number) or on a searched setting (stepEpochs on
            // epochs) is no setting: left out, it differs from any value given.
            Hyperparams another = Hyperparams.of("trainable " + name, values);
            Settings.read(another, 1);
            Map<String, Object> used = p.used();
            another.used().forEach((key, value) -> {
                if (!Objects.equals(used.get(key), value)) {
                    varying.add(key);
                }
            });
            // The dataset as it loaded: its options in one order, defaults included (moons?samples=600&noise=0.2 and
            // moons?noise=0.20&samples=600 are one set).
            String loaded = here == null ? null : datasets.inUse(settings.dataset()).orElse(null);
            used.forEach((key, given) -> {
                if (space.containsKey(key) || varying.contains(key)) {
                    return;
                }
                Object value = key.equals("dataset") && loaded != null ? loaded : given;
                Object before = inUse.putIfAbsent(key, value);
                if (before != null && !before.equals(value)) {
                    varying.add(key);
                }
            });
            // Without the data, a default metric is a guess (its task decides it); datasets of two tasks in the space
            // give two.
            String known = here != null || fixed.containsKey("metric") ? metric : null;
            objective = pass == 0 || Objects.equals(objective, known) ? known : null;
        }
        inUse.keySet().removeAll(varying);
        if (objective == null) {
            inUse.remove("metric"); // a guess, from a stand-in for data that is not here
        }
        return new Checked(java.util.Optional.ofNullable(objective), Collections.unmodifiableMap(inUse));
    }

    /** Refuses an objective that no model could have a value of on this data (see {@link Validation#undefined}). */
    private void checkDefined(String metric, LabeledData validation, String dataset) {
        Validation.undefined(metric, validation).ifPresent(why -> {
            throw new InvalidSettingException("metric", "trainable " + name + ": metric '" + metric + "' is undefined on "
                    + dataset + ": " + why);
        });
    }

    /**
     * Refuses batches of one sample for a network with batch normalisation, which needs two to normalise a batch
     * (PyTorch fails on it with an error that names no setting): a batch size of 1, or a training split of one.
     */
    private static void checkBatchNorm(Block block, int batchSize, int trainSize) {
        if (!hasBatchNorm(block)) {
            return;
        }
        if (batchSize == 1) {
            throw new InvalidSettingException("batchSize", "batchSize: 1 cannot train a network with batchNorm, which"
                    + " needs at least 2 samples in a batch");
        }
        if (trainSize == 1) {
            throw new InvalidSettingException("dataset", "dataset: its training split holds 1 sample, and a network"
                    + " with batchNorm needs at least 2 in a batch");
        }
    }

    /** Whether the block or any block within it is a batch normalisation. */
    static boolean hasBatchNorm(Block block) {
        return block instanceof ai.djl.nn.norm.BatchNorm
                || block.getChildren().values().stream().anyMatch(DjlTrainable::hasBatchNorm);
    }

    /** {@link #inputShape}, its complaints about the data named as this trainable's about its dataset. */
    private long[] checkedInputShape(Hyperparams p, LabeledData data) {
        try {
            return inputShape(p, data);
        } catch (InvalidSettingException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("dataset", "trainable " + name + ": " + e.getMessage());
        }
    }

    /** The objective's metric: the {@code metric} setting, by default validation accuracy, or loss for regression. */
    private static String metric(Hyperparams p, Task task) {
        return p.getString("metric", task == Task.CLASSIFICATION ? MetricNames.VAL_ACCURACY : MetricNames.VAL_LOSS);
    }

    /** The network's outputs: one per class, or one value for regression. */
    private static int outputs(LabeledData data) {
        return data.task() == Task.CLASSIFICATION ? data.numClasses() : 1;
    }

    /**
     * A categorical's choice {@code pass}, a number's low end, high end or a value between (by {@code pass % 3}). The
     * value between is one a setting read as a whole number refuses if the range has any other: a float range's
     * first step above its low end, or a point off its centre (the centre of 16-64, 40.0, let a float range through
     * to an integer setting, and every trial failed).
     */
    private static Object valueOfPass(Distribution distribution, int pass) {
        if (distribution instanceof CategoricalDistribution c) {
            return c.choices().get(pass % c.choices().size());
        }
        // The ends first, so that a range past a setting's limits is refused with the end the spec wrote (its middle,
        // 499.99999999999983 for a log range up to 5000, named a value the spec never had); then a value between.
        if (pass % 3 == 0) {
            return distribution.fromUnit(0);
        }
        if (pass % 3 == 1) {
            // The high end itself: fromUnit never reaches it (a log range's would come out as 9999.99... for 1e4).
            double high = distribution instanceof FloatDistribution f ? f.high() : ((IntDistribution) distribution).high();
            return distribution.toExternal(high);
        }
        if (distribution instanceof FloatDistribution f && f.step() != null) {
            return distribution.toExternal(Math.min(f.high(), f.low() + f.step()));
        }
        return distribution.fromUnit(OFF_CENTRE);
    }

    @Override
    public final double train(Trial trial, Device device) throws Exception {
        Hyperparams p = new Hyperparams("trainable " + name, trial, fixed, space);
        Settings s = Settings.read(p, trial.number());
        long seed = s.seed();
        int epochs = s.epochs();
        int batchSize = s.batchSize();

        DataSplit split = datasets.load(s.dataset(), s.dataSeed());
        Task task = split.train().task();
        String metric = metric(p, task);
        long[] shape = checkedInputShape(p, split.train());
        LabeledData train = split.train().reshape(shape);
        LabeledData validation = split.validation().reshape(shape);
        Block block = buildBlock(p, shape, outputs(train), task);
        p.checkAllKnown();
        checkDefined(metric, validation, s.dataset());
        checkBatchNorm(block, batchSize, train.size());
        // A last batch of one sample cannot be normalised: with batch norm, it is left out of the epoch (a
        // different sample each epoch, as the order is shuffled).
        boolean dropLast = train.size() % batchSize == 1 && hasBatchNorm(block);
        LOG.debug("trial {}: {} on {} with {}", trial.number(), name, device, p.asMap());

        int batchesPerEpoch = dropLast ? train.size() / batchSize : (train.size() + batchSize - 1) / batchSize;
        Tracker tracker = LearningRateSchedules.create(s.schedule(), s.lr(), epochs, batchesPerEpoch, s.stepEpochs(),
                s.stepGamma(), s.warmupEpochs());
        Loss loss = task == Task.CLASSIFICATION ? Loss.softmaxCrossEntropyLoss() : Loss.l2Loss("L2Loss", 1);
        TrainingMonitor monitor = new TrainingMonitor(s.gradNormEvery());
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizers.create(s.optimizer(), tracker, s.momentum(), s.weightDecay()))
                .optDevices(new Device[] {device})
                .optInitializer(Initializers.create(s.initializer()), Parameter.Type.WEIGHT)
                .addTrainingListeners(monitor);

        double objective = Double.NaN;
        try (DeviceData.Lease trainData = DeviceData.lease(train, device);
                DeviceData.Lease validationData = DeviceData.lease(validation, device);
                Model model = Model.newInstance(name, device, Engines.PYTORCH)) {
            ArrayDataset trainSet = DjlDatasets.of(trainData.features(), trainData.labels(), batchSize, seed, dropLast);
            ArrayDataset validationSet = DjlDatasets.of(validationData.features(), validationData.labels(), Math.max(batchSize, 500), null);
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(config)) {
                synchronized (INIT_LOCKS.computeIfAbsent(device, d -> new Object())) {
                    Engines.seed(seed);
                    long[] batchShape = new long[shape.length + 1];
                    batchShape[0] = batchSize;
                    System.arraycopy(shape, 0, batchShape, 1, shape.length);
                    trainer.initialize(new Shape(batchShape));
                }
                int updates = 0;
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    monitor.startEpoch();
                    int batchNumber = 0;
                    for (Batch batch : trainer.iterateDataset(trainSet)) {
                        batchNumber++;
                        try (batch) {
                            // the dispatcher stops a trial (timeout, stopped study) by interrupting its thread
                            if (Thread.currentThread().isInterrupted()) {
                                throw new InterruptedException("training interrupted at epoch " + epoch + " batch " + batchNumber);
                            }
                            trainBatch(trainer, batch);
                            trainer.step();
                            updates++;
                        }
                    }
                    trainer.notifyListeners(listener -> listener.onEpoch(trainer));
                    Map<String, Double> metrics = new LinkedHashMap<>(monitor.lastEpoch());
                    metrics.put(MetricNames.LR, (double) tracker.getNewValue(Math.max(1, updates))); // the last batch's
                    metrics.putAll(Validation.evaluate(trainer, validationSet, validation, epoch));
                    Double value = metrics.get(metric);
                    if (value == null) {
                        throw new IllegalArgumentException("trainable " + name + ": metric '" + metric + "' is not reported (available: " + metrics.keySet() + ")");
                    }
                    objective = value;
                    trial.report(epoch, objective);
                    trial.report(epoch, metrics);
                    // Not after the last epoch: the training is done, and pruning it then saves nothing and throws
                    // away a complete result (as the function trainables, and Optuna's examples in effect, do).
                    if (epoch < epochs && trial.shouldPrune()) {
                        throw new TrialPrunedException();
                    }
                }
            }
        }
        return objective;
    }

    /**
     * Forward, loss and backward on one batch (as DJL's EasyTrain does, with a per-thread gradient collector so
     * that trials can train at the same time), then the listeners see it with its loss.
     */
    private static void trainBatch(Trainer trainer, Batch batch) {
        Map<Device, NDList> labels = new ConcurrentHashMap<>();
        Map<Device, NDList> predictions = new ConcurrentHashMap<>();
        NDArray total = null;
        for (Batch part : batch.split(trainer.getDevices(), false)) {
            NDList data = part.getData();
            NDList label = part.getLabels();
            try (GradientCollector collector = new ThreadGradientCollector()) {
                NDList prediction = trainer.forward(data, label);
                NDArray loss = trainer.getLoss().evaluate(label, prediction);
                collector.backward(loss);
                labels.put(label.get(0).getDevice(), label);
                predictions.put(prediction.get(0).getDevice(), prediction);
                total = total == null ? loss : total.add(loss);
            }
        }
        LossBatchData batchData = new LossBatchData(batch, labels, predictions, total);
        trainer.notifyListeners(listener -> listener.onTrainingBatch(trainer, batchData));
    }
}
