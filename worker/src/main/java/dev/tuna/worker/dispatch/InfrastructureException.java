package dev.tuna.worker.dispatch;

/**
 * A trial failed for a reason outside its objective: the worker running it was lost, its device ran out of
 * memory. The dispatcher retries such trials (see {@link Failures#isInfrastructure}); trainables throw it, or
 * wrap an engine's failure in it, when the fault is the machine's rather than the parameters'.
 */
public class InfrastructureException extends RuntimeException {
    /** The reason of a trial whose worker disappeared while running it. */
    public static final String WORKER_LOST = "worker lost";

    public InfrastructureException(String message) {
        super(message);
    }

    public InfrastructureException(String message, Throwable cause) {
        super(message, cause);
    }
}
