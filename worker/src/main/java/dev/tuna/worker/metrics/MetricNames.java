package dev.tuna.worker.metrics;

import dev.tuna.worker.data.Task;
import java.util.List;

/** The names of the metrics a DJL training reports every epoch (the curves' names in storage and on the dashboard). */
public final class MetricNames {
    public static final String TRAIN_LOSS = "train_loss";
    public static final String VAL_LOSS = "val_loss";
    public static final String VAL_ACCURACY = "val_accuracy";
    public static final String VAL_PRECISION = "val_precision";
    public static final String VAL_RECALL = "val_recall";
    public static final String VAL_F1 = "val_f1";
    public static final String VAL_AUC = "val_auc";
    public static final String VAL_ERROR_RATE = "val_error_rate";
    public static final String VAL_MSE = "val_mse";
    public static final String VAL_MAE = "val_mae";
    public static final String VAL_R2 = "val_r2";
    /** Global gradient L2 norm, mean over the epoch's batches; per layer as {@code grad_norm/<layer>}. */
    public static final String GRAD_NORM = "grad_norm";
    /** Global gradient L2 norm, max over the epoch's batches. */
    public static final String GRAD_NORM_MAX = "grad_norm_max";
    public static final String LR = "lr";
    public static final String EPOCH_SECONDS = "epoch_seconds";
    public static final String SAMPLES_PER_SECOND = "samples_per_second";

    /** Every name above; a layer's gradient norm is reported as {@code grad_norm/<layer>} besides. */
    public static final List<String> ALL = List.of(TRAIN_LOSS, VAL_LOSS, VAL_ACCURACY, VAL_PRECISION, VAL_RECALL,
            VAL_F1, VAL_AUC, VAL_ERROR_RATE, VAL_MSE, VAL_MAE, VAL_R2, GRAD_NORM, GRAD_NORM_MAX, LR, EPOCH_SECONDS,
            SAMPLES_PER_SECOND);

    private MetricNames() {
    }

    /** The validation metrics of one task only. */
    private static final List<String> CLASSIFICATION_ONLY = List.of(VAL_ACCURACY, VAL_PRECISION, VAL_RECALL, VAL_F1,
            VAL_AUC, VAL_ERROR_RATE);
    private static final List<String> REGRESSION_ONLY = List.of(VAL_MSE, VAL_MAE, VAL_R2);

    /** Whether a DJL training on data of this task reports the metric (one {@link #isReported} names). */
    public static boolean isReportedFor(String name, Task task) {
        return !(task == Task.CLASSIFICATION ? REGRESSION_ONLY : CLASSIFICATION_ONLY).contains(name);
    }

    /**
     * Whether a higher value of the metric is better (accuracy, precision, recall, F1, AUC, R^2: true) or a lower one
     * (losses, error rate, MSE, MAE: false); empty for those that are neither (gradient norms, learning rate, speed).
     */
    public static java.util.Optional<Boolean> higherIsBetter(String name) {
        if (List.of(VAL_ACCURACY, VAL_PRECISION, VAL_RECALL, VAL_F1, VAL_AUC, VAL_R2).contains(name)) {
            return java.util.Optional.of(true);
        }
        if (List.of(TRAIN_LOSS, VAL_LOSS, VAL_ERROR_RATE, VAL_MSE, VAL_MAE).contains(name)) {
            return java.util.Optional.of(false);
        }
        return java.util.Optional.empty();
    }

    /** Whether a DJL training reports a metric of this name (for one task or the other). */
    public static boolean isReported(String name) {
        return ALL.contains(name) || name != null && name.startsWith(GRAD_NORM + "/") && name.length() > GRAD_NORM.length() + 1;
    }
}
