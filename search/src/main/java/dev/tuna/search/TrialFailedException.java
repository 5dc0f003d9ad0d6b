package dev.tuna.search;

import java.util.OptionalInt;

/**
 * Thrown by an objective to fail its trial with a reason of its own: the trial's reason is this message, word for
 * word, where other exceptions get their class name in front. A reason that begins {@value #DIVERGED} (for example
 * {@code "diverged: loss became NaN at epoch 2 batch 7"}) marks the trial diverged on the dashboard and in its
 * diagnoses. One that begins as Tuna's own for a trial it interrupted ({@code "interrupted"}, alone or followed by
 * {@code ": "}) gets {@code "failed: "} in front: it failed on its merits, so it counts towards the study's trials. The
 * stack trace is kept as for any failure.
 */
public class TrialFailedException extends RuntimeException {
    /** How the reason of a trial whose training diverged begins. */
    public static final String DIVERGED = "diverged: ";
    private static final long serialVersionUID = 1L;

    private final Integer step;

    /** @param reason the failed trial's reason */
    public TrialFailedException(String reason) {
        super(reason);
        this.step = null;
    }

    /**
     * @param reason the failed trial's reason
     * @param step the step (as the trial's reports count them, an epoch for a training run) where it failed
     */
    public TrialFailedException(String reason, int step) {
        super(reason);
        this.step = step;
    }

    /** Whether a trial failed because its training diverged (its reason begins {@value #DIVERGED}). */
    public static boolean diverged(dev.tuna.core.FrozenTrial trial) {
        return trial.state() == dev.tuna.core.TrialState.FAIL && trial.reason() != null
                && trial.reason().startsWith(DIVERGED);
    }

    /** The step where the trial failed, if the objective said. */
    public OptionalInt step() {
        return step == null ? OptionalInt.empty() : OptionalInt.of(step);
    }
}
