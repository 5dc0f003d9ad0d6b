package dev.tuna.worker.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import dev.tuna.search.TrialFailedException;
import dev.tuna.worker.data.LabeledData;
import dev.tuna.worker.data.Task;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a model over the validation set (inference mode, no gradients) and computes the validation metrics with
 * plain Java: {@code val_loss} and, for classification, accuracy, macro precision / recall / F1, one-vs-rest
 * macro AUC and error rate; for regression MSE, MAE and R2. Undefined values (AUC with one class) are left out; a
 * NaN or infinite {@code val_loss} ends the trial as diverged.
 */
public final class Validation {
    private Validation() {
    }

    /**
     * Why {@code metric} can have no value on these validation samples, whatever the model predicts: AUC when they
     * are all of one class, R2 when their targets are all equal; empty when it can.
     */
    public static java.util.Optional<String> undefined(String metric, LabeledData validation) {
        float[] labels = validation.labels();
        boolean allEqual = true;
        for (float label : labels) {
            allEqual &= label == labels[0];
        }
        if (!allEqual) {
            return java.util.Optional.empty();
        }
        if (metric.equals(MetricNames.VAL_AUC) && validation.task() == Task.CLASSIFICATION) {
            return java.util.Optional.of("its " + labels.length + " validation samples are all of class "
                    + (int) labels[0] + ", and AUC needs two");
        }
        if (metric.equals(MetricNames.VAL_R2) && validation.task() == Task.REGRESSION) {
            return java.util.Optional.of("its " + labels.length + " validation samples all have the target "
                    + labels[0] + ", and R2 needs targets that vary");
        }
        return java.util.Optional.empty();
    }

    /**
     * @param dataset the validation samples as a DJL dataset, in the same order as {@code data} (not shuffled)
     * @param data the same samples in Java arrays (labels are read from here)
     * @param epoch the epoch just trained (1-based), where a diverged trial failed
     */
    public static Map<String, Double> evaluate(Trainer trainer, Dataset dataset, LabeledData data, int epoch)
            throws IOException, TranslateException {
        int n = data.size();
        int width = data.task() == Task.CLASSIFICATION ? data.numClasses() : 1;
        float[] outputs = new float[n * width];
        double lossSum = 0;
        int offset = 0;
        for (Batch batch : trainer.iterateDataset(dataset)) {
            try (batch) {
                NDList predictions = trainer.evaluate(batch.getData());
                NDArray loss = trainer.getLoss().evaluate(batch.getLabels(), predictions);
                int size = batch.getSize();
                lossSum += loss.getFloat() * (double) size;
                float[] out = predictions.singletonOrThrow().toFloatArray();
                System.arraycopy(out, 0, outputs, offset, out.length);
                offset += out.length;
            }
        }
        if (offset != outputs.length) {
            throw new IllegalStateException("validation: expected " + outputs.length + " outputs, got " + offset);
        }
        return metrics(lossSum / n, outputs, data, epoch);
    }

    /**
     * The validation metrics from the mean loss and the model's outputs (row-major, one row per sample).
     *
     * @throws TrialFailedException "diverged: ..." when the loss is NaN or infinite: the model's predictions blew
     *         up on data the training loss did not see, and no metric of it means anything
     */
    static Map<String, Double> metrics(double valLoss, float[] outputs, LabeledData data, int epoch) {
        if (!Double.isFinite(valLoss)) {
            throw new TrialFailedException(TrialFailedException.DIVERGED + MetricNames.VAL_LOSS + " became " + valLoss
                    + " on the validation data", epoch);
        }
        int n = data.size();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(MetricNames.VAL_LOSS, valLoss);
        if (data.task() == Task.CLASSIFICATION) {
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (int) data.labels()[i];
            }
            ClassificationMetrics c = ClassificationMetrics.of(outputs, labels, data.numClasses());
            m.put(MetricNames.VAL_ACCURACY, c.accuracy());
            m.put(MetricNames.VAL_PRECISION, c.precision());
            m.put(MetricNames.VAL_RECALL, c.recall());
            m.put(MetricNames.VAL_F1, c.f1());
            m.put(MetricNames.VAL_AUC, c.auc());
            m.put(MetricNames.VAL_ERROR_RATE, c.errorRate());
        } else {
            RegressionMetrics r = RegressionMetrics.of(outputs, data.labels());
            m.put(MetricNames.VAL_MSE, r.mse());
            m.put(MetricNames.VAL_MAE, r.mae());
            m.put(MetricNames.VAL_R2, r.r2());
        }
        m.values().removeIf(v -> !Double.isFinite(v));
        return m;
    }
}
