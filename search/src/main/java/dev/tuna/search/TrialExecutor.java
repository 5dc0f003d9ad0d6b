package dev.tuna.search;

/**
 * Runs the trials of one {@link Study#optimize} call. The default runs them on
 * {@link OptimizeOptions#parallelism()} threads of its own; other executors (the worker's Quartz dispatcher, for
 * one) run them where they choose, but always through {@link TrialLoop#nextTrial()} and
 * {@link TrialLoop#run(Trial, Objective)}, so that every trial takes the same code path.
 *
 * <p>{@link #execute} returns once the loop gives no more trials and every trial it started has ended.
 */
@FunctionalInterface
public interface TrialExecutor {

    /** Runs the loop's trials; returns when none is left to start and none is running. */
    void execute(TrialLoop loop);

    /** The default: {@link OptimizeOptions#parallelism()} threads, each asking for and running trials in turn. */
    static TrialExecutor threads() {
        return ThreadTrialExecutor.INSTANCE;
    }
}
