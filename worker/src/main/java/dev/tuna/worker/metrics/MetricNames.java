package dev.tuna.worker.metrics;

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

    private MetricNames() {
    }
}
