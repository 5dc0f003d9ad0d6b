package dev.tuna.worker.cluster;

import java.util.function.Supplier;

/**
 * Serialises the start of a study's trials across the cluster, as {@code Study}'s own lock does within one
 * process: each sampler call then sees every trial started before it, on whatever node.
 */
interface AskLock {
    /** No lock beyond the study's own: for a single process, and for tests. */
    AskLock NONE = new AskLock() {
        @Override
        public <T> T around(String study, Supplier<T> ask) {
            return ask.get();
        }
    };

    /** Runs {@code ask} holding the study's lock. */
    <T> T around(String study, Supplier<T> ask);
}
