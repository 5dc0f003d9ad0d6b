package dev.tuna.search;

/**
 * The abort switch of one started trial: which thread evaluates its objective, and why it was aborted, if it was.
 * Its methods are synchronised so that an abort either lands while the objective runs (and is seen when it
 * ends) or not at all.
 */
final class TrialAbort {
    private Thread thread;
    private String reason;
    private boolean ended;

    /** Called by the thread about to evaluate the objective; returns the reason if it was aborted already. */
    synchronized String begin() {
        thread = Thread.currentThread();
        return reason;
    }

    /** Aborts the trial: the reason is kept and the evaluating thread, if any, interrupted. */
    synchronized boolean abort(String why) {
        if (ended || reason != null) {
            return false;
        }
        reason = why;
        if (thread != null) {
            thread.interrupt();
        }
        return true;
    }

    /** Called when the objective has returned or thrown; the abort reason, or {@code null}. */
    synchronized String end() {
        ended = true;
        thread = null;
        return reason;
    }
}
