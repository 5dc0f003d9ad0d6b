package dev.tuna.worker.train;

import dev.tuna.search.TrialFailedException;
import dev.tuna.search.diagnosis.BlowUps;

/**
 * Thrown as soon as a training batch's loss is NaN or infinite, or blew up far above the first batch's (or an
 * epoch's mean did). It is not
 * a pruning: the trial ends FAIL with the message {@code "diverged: loss became NaN at epoch E batch B"}, so that
 * a diverged configuration is told apart from one a pruner stopped (its curves up to the last full epoch are
 * kept).
 */
public class TrainingDivergedException extends TrialFailedException {
    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final int batch;

    /** The loss {@code loss} (NaN or an infinity) was seen at 1-based {@code epoch} and {@code batch}. */
    public TrainingDivergedException(float loss, int epoch, int batch) {
        this(DIVERGED + "loss became " + (Float.isNaN(loss) ? "NaN" : loss > 0 ? "Infinity" : "-Infinity") + " at epoch "
                + epoch + " batch " + batch, epoch, batch);
    }

    /** The finite loss {@code loss} at {@code epoch} and {@code batch} is {@code factor} times the first batch's or more. */
    public TrainingDivergedException(float loss, int epoch, int batch, double firstLoss, double factor) {
        this("loss became " + BlowUps.format(loss) + " at epoch " + epoch + " batch " + batch, epoch, batch, factor,
                "the first batch's " + BlowUps.format(firstLoss));
    }

    /**
     * A finite loss {@code factor} times its baseline or more at {@code epoch} and {@code batch}: {@code what}
     * happened ("loss became 2.6e+06 at epoch 1 batch 4") and {@code baseline} is what it was compared with
     * ("the first batch's 2.31").
     */
    public TrainingDivergedException(String what, int epoch, int batch, double factor, String baseline) {
        this(DIVERGED + what + ", over " + BlowUps.format(factor) + " times " + baseline, epoch, batch);
    }

    private TrainingDivergedException(String message, int epoch, int batch) {
        super(message, epoch);
        this.epoch = epoch;
        this.batch = batch;
    }

    /** The 1-based epoch in which the loss diverged. */
    public int epoch() {
        return epoch;
    }

    /** The 1-based batch (within its epoch) whose loss diverged. */
    public int batch() {
        return batch;
    }
}
