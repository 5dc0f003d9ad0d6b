package dev.tuna.search;

/** Thrown by an objective to stop a trial early; the trial ends PRUNED with its last intermediate value. */
public class TrialPrunedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Prunes with the reason the pruner gave in {@link Trial#shouldPrune()}. */
    public TrialPrunedException() {
        super(null, null, false, false);
    }

    /** Prunes with a reason of the objective's own. */
    public TrialPrunedException(String reason) {
        super(reason, null, false, false);
    }
}
