package dev.tuna.search.pruner;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;

/** Never prunes: every trial runs to its end. The study's default. */
public final class NopPruner implements Pruner {
    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        return PruneDecision.KEEP;
    }

    @Override
    public String toString() {
        return "NopPruner";
    }
}
