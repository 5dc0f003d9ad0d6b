package dev.tuna.search;

import dev.tuna.core.FrozenTrial;

/** Decides, after a running trial reported, whether it should stop early. */
@FunctionalInterface
public interface Pruner {
    /**
     * @param study the study, whose storage holds the other trials' curves
     * @param trial a snapshot of the running trial, with everything it reported so far
     */
    PruneDecision prune(Study study, FrozenTrial trial);
}
