package dev.tuna.worker.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.util.Pair;
import dev.tuna.search.diagnosis.BlowUps;
import dev.tuna.worker.train.TrainingDivergedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DJL training listener that watches every training batch and sums up each epoch: mean training loss, the
 * global gradient L2 norm (mean and max over the epoch's measured batches), each layer's gradient norm (mean),
 * epoch time and samples per second. Layers are named by kind and count in the network's order, the last one
 * {@code output} ({@code grad_norm/Linear1}, {@code grad_norm/BatchNorm1}, {@code grad_norm/output}; see
 * {@link #layerNames}). It checks every batch's loss and throws
 * {@link TrainingDivergedException} at once when it is NaN or infinite, or {@value #BLOW_UP_FACTOR} times the first
 * batch's loss or more (of the first batches' mean, when they are smaller than {@value #BASELINE_SAMPLES} samples):
 * a learning rate far too high can blow a classifier's loss up to millions in the first epoch
 * and leave a dead network whose loss never becomes NaN. It also throws when an epoch's mean training loss is
 * {@value #EPOCH_BLOW_UP_FACTOR} times that baseline or more: a rule on the epochs' curve alone would compare with the
 * first epoch's mean, which is the blown-up one.
 *
 * <p>It must see the batch after the backward pass and before the optimiser's step (where DJL's
 * {@code onTrainingBatch} is called), so the gradients are those of that batch. All per-batch values are read
 * back from the device in one transfer.
 */
public class TrainingMonitor extends TrainingListenerAdapter {
    /**
     * How many times the first batch's loss a batch's loss may reach before the run counts as diverged. An
     * untrained model's loss is about the largest a sound run sees (a classifier's is about ln of the class count),
     * so this is far beyond any spike of a run that is learning.
     */
    public static final double BLOW_UP_FACTOR = 1000;
    /**
     * The samples the blow-up rule's baseline is the mean loss of, at least (the first batches'): with batches of
     * one, the first sample's squared error could be 0.04 where an ordinary one's is 50, and a run with a learning
     * rate of 0 was failed as diverged.
     */
    public static final int BASELINE_SAMPLES = 32;
    /**
     * How many times the baseline (see {@link #BASELINE_SAMPLES}) an epoch's mean training loss may reach before the
     * run counts as diverged: a learning rate too high blew a classifier's loss up twentyfold within its first epoch,
     * below the per-batch factor, and left a dead network at chance whose first epoch's mean, the only one a rule
     * on the epochs' curve could compare against, was already the blown-up one.
     */
    public static final double EPOCH_BLOW_UP_FACTOR = 10;

    private final List<String> parameterNames = new ArrayList<>();
    private final List<Parameter> parameterArrays = new ArrayList<>();
    private int[] layerOfParameterIndex = new int[0];
    private final List<String> layerOfParameter = new ArrayList<>();
    private final Map<String, Integer> layerIndex = new LinkedHashMap<>();

    private int epoch = 1;
    private final int gradientEvery;
    private int batchInEpoch;
    private int gradientBatches;
    private long samples;
    private double lossSum;
    private double baselineLoss; // NaN until the first batches hold BASELINE_SAMPLES samples
    private double baselineSum;
    private long baselineSamples;
    private int baselineBatches;
    private double gradSum;
    private double gradMax;
    private double[] layerSums = new double[0];
    private long epochStart = System.nanoTime();
    private Map<String, Double> lastEpoch = Map.of();

    /** Measures the gradient norms on every batch. */
    public TrainingMonitor() {
        this(1);
    }

    /**
     * Measures the gradient norms on batches 1, 1 + k, 1 + 2k, ... of each epoch ({@code k = gradientEvery}):
     * on a CPU each norm is a parallel reduction whose dispatch costs about as much as a small layer, so
     * measuring every batch of a small MLP slowed training by a quarter (measured); the loss is still checked
     * on every batch.
     */
    public TrainingMonitor(int gradientEvery) {
        if (gradientEvery < 1) {
            throw new IllegalArgumentException("gradientEvery: must be >= 1, got " + gradientEvery);
        }
        this.gradientEvery = gradientEvery;
    }

    /** The layer of a parameter, by DJL's name: "02Linear_weight" -> "02Linear". */
    private static String djlLayer(String parameter) {
        int cut = parameter.lastIndexOf('_');
        return cut > 0 ? parameter.substring(0, cut) : parameter;
    }

    /**
     * Our names for DJL's layers, given in the network's order (repeats allowed): the last is "output", the others
     * are named by kind and count ("02Linear", "03BatchNorm", "06Linear" -> "Linear1", "BatchNorm1", "Linear2").
     * DJL numbers layers by their place among all blocks, so a dropout or batch-norm block shifted its names, and
     * one name meant different layers in two trials of a study; the output layer keeps its name when the number
     * of hidden layers is searched.
     */
    static Map<String, String> layerNames(List<String> djlLayers) {
        List<String> distinct = djlLayers.stream().distinct().toList();
        Map<String, String> names = new HashMap<>();
        Map<String, Integer> ofKind = new HashMap<>();
        for (int i = 0; i < distinct.size(); i++) {
            String layer = distinct.get(i);
            String last = layer.substring(layer.lastIndexOf('_') + 1);
            String kind = last.replaceFirst("^[0-9]+", "");
            kind = kind.isEmpty() ? "layer" : kind;
            names.put(layer, i == distinct.size() - 1 ? "output" : kind + ofKind.merge(kind, 1, Integer::sum));
        }
        return names;
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        parameterNames.clear();
        parameterArrays.clear();
        layerOfParameter.clear();
        layerIndex.clear();
        List<Pair<String, Parameter>> trained = new ArrayList<>();
        for (Pair<String, Parameter> p : trainer.getModel().getBlock().getParameters()) {
            if (p.getValue().requiresGradient()) {
                trained.add(p);
            }
        }
        Map<String, String> layerNames = layerNames(trained.stream().map(p -> djlLayer(p.getKey())).toList());
        for (Pair<String, Parameter> p : trained) {
            String layer = layerNames.get(djlLayer(p.getKey()));
            parameterNames.add(p.getKey());
            parameterArrays.add(p.getValue());
            layerOfParameter.add(layer);
            layerIndex.putIfAbsent(layer, layerIndex.size());
        }
        layerSums = new double[layerIndex.size()];
        baselineLoss = Double.NaN;
        baselineSum = 0;
        baselineSamples = 0;
        baselineBatches = 0;
        layerOfParameterIndex = layerOfParameter.stream().mapToInt(layerIndex::get).toArray();
        startEpoch();
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        batchInEpoch++;
        boolean measureGradients = (batchInEpoch - 1) % gradientEvery == 0;
        float[] values;
        // one small op per parameter, one stack and one read-back: the batch's loss and squared gradient norms
        try (NDManager scratch = trainer.getManager().newSubManager()) {
            NDList scalars = new NDList(parameterArrays.size() + 1);
            NDArray loss = batchData instanceof LossBatchData l ? l.loss() : lossOf(trainer, batchData, scratch);
            scalars.add(loss);
            for (Parameter p : measureGradients ? parameterArrays : List.<Parameter>of()) {
                NDArray norm = p.getArray().getGradient().norm();
                norm.attach(scratch);
                scalars.add(norm);
            }
            NDArray all = NDArrays.stack(scalars);
            all.attach(scratch);
            values = all.toFloatArray();
        }
        float loss = values[0];
        if (!Float.isFinite(loss)) {
            throw new TrainingDivergedException(loss, epoch, batchInEpoch);
        }
        int size = batchData.getBatch().getSize();
        if (Double.isNaN(baselineLoss)) {
            baselineSum += (double) loss * size;
            baselineSamples += size;
            baselineBatches++;
            if (baselineSamples >= BASELINE_SAMPLES) {
                baselineLoss = baselineSum / baselineSamples;
            }
        } else if (baselineLoss > 0 && loss >= BLOW_UP_FACTOR * baselineLoss) {
            throw new TrainingDivergedException("loss became " + BlowUps.format(loss) + " at epoch " + epoch + " batch "
                    + batchInEpoch, epoch, batchInEpoch, BLOW_UP_FACTOR, baselineText());
        }
        samples += size;
        lossSum += (double) loss * size;
        if (!measureGradients) {
            return;
        }
        gradientBatches++;
        double total = 0;
        double[] layers = new double[layerSums.length];
        for (int i = 1; i < values.length; i++) {
            double squared = (double) values[i] * values[i];
            total += squared;
            layers[layerOfParameterIndex[i - 1]] += squared;
        }
        double norm = Math.sqrt(total);
        gradSum += norm;
        gradMax = Math.max(gradMax, norm);
        for (int l = 0; l < layers.length; l++) {
            layerSums[l] += Math.sqrt(layers[l]);
        }
    }

    /** The blow-up rules' baseline as a message names it: "the first batch's 2.31". */
    private String baselineText() {
        return (baselineBatches == 1 ? "the first batch's " : "the mean of the first " + baselineBatches + " batches, ")
                + BlowUps.format(baselineLoss);
    }

    private static NDArray lossOf(Trainer trainer, BatchData batchData, NDManager scratch) {
        NDArray sum = null;
        for (var device : batchData.getLabels().keySet()) {
            NDArray l = trainer.getLoss().evaluate(batchData.getLabels().get(device), batchData.getPredictions().get(device));
            l.attach(scratch);
            sum = sum == null ? l : sum.add(l);
        }
        return sum;
    }

    @Override
    public void onEpoch(Trainer trainer) {
        double meanLoss = samples > 0 ? lossSum / samples : Double.NaN;
        if (baselineLoss > 0 && meanLoss >= EPOCH_BLOW_UP_FACTOR * baselineLoss) {
            throw new TrainingDivergedException("the mean training loss of epoch " + epoch + " was "
                    + BlowUps.format(meanLoss), epoch, batchInEpoch, EPOCH_BLOW_UP_FACTOR, baselineText());
        }
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        Map<String, Double> m = new LinkedHashMap<>();
        if (batchInEpoch > 0) {
            m.put(MetricNames.TRAIN_LOSS, lossSum / samples);
            m.put(MetricNames.GRAD_NORM, gradSum / gradientBatches);
            m.put(MetricNames.GRAD_NORM_MAX, gradMax);
            for (Map.Entry<String, Integer> layer : layerIndex.entrySet()) {
                m.put(MetricNames.GRAD_NORM + "/" + layer.getKey(), layerSums[layer.getValue()] / gradientBatches);
            }
        }
        m.put(MetricNames.EPOCH_SECONDS, seconds);
        m.put(MetricNames.SAMPLES_PER_SECOND, seconds > 0 ? samples / seconds : 0);
        lastEpoch = m;
        epoch++;
        startEpoch();
    }

    /**
     * Restarts the epoch clock, e.g. after validation, so that the next epoch's time and samples per second
     * measure training only.
     */
    public void startEpoch() {
        batchInEpoch = 0;
        gradientBatches = 0;
        samples = 0;
        lossSum = 0;
        gradSum = 0;
        gradMax = 0;
        java.util.Arrays.fill(layerSums, 0);
        epochStart = System.nanoTime();
    }

    /** The metrics of the epoch that ended last ({@code train_loss}, {@code grad_norm}, ...). */
    public Map<String, Double> lastEpoch() {
        return lastEpoch;
    }

    /** Names of the parameters whose gradients are watched, in order. */
    public List<String> parameterNames() {
        return List.copyOf(parameterNames);
    }
}
