package dev.tuna.search;

/**
 * Thrown by an objective to fail its trial with a reason of its own: the trial's reason is this message, word for
 * word, where other exceptions get their class name in front (for example {@code "diverged: loss became NaN at
 * epoch 2 batch 7"}, which the dashboard and the diagnoses recognise). The stack trace is kept as for any failure.
 */
public class TrialFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param reason the failed trial's reason */
    public TrialFailedException(String reason) {
        super(reason);
    }
}
