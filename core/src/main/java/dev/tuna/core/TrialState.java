package dev.tuna.core;

/** The life cycle of a trial: WAITING (enqueued) -> RUNNING -> one of the three finished states. */
public enum TrialState {
    WAITING,
    RUNNING,
    COMPLETE,
    PRUNED,
    FAIL;

    /** A finished trial never changes again. */
    public boolean isFinished() {
        return this == COMPLETE || this == PRUNED || this == FAIL;
    }
}
