package dev.tuna.search;

import dev.tuna.core.FrozenTrial;

/**
 * How one run of a trial ended.
 *
 * @param trial the finished trial; {@code null} only when the storage failed while finishing it (the loop has
 *              then stopped, and {@code optimize} rethrows that failure)
 * @param error what the objective (or the storage) threw, or {@code null}: the trial completed, was pruned,
 *              returned a non-finite value, or was aborted by its executor ({@link TrialLoop#abort})
 */
public record TrialOutcome(FrozenTrial trial, Throwable error) {
}
