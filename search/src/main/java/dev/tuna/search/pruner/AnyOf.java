package dev.tuna.search.pruner;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.util.List;
import java.util.Objects;

/** Prunes when any of its pruners does, asking them in order; the first that prunes gives the reason. */
public final class AnyOf implements Pruner {
    private final List<Pruner> pruners;

    public AnyOf(Pruner... pruners) {
        this(pruners == null ? null : java.util.Arrays.asList(pruners));
    }

    public AnyOf(List<Pruner> pruners) {
        Objects.requireNonNull(pruners, "pruners");
        if (pruners.isEmpty()) {
            throw new IllegalArgumentException("pruners must not be empty");
        }
        for (int i = 0; i < pruners.size(); i++) {
            if (pruners.get(i) == null) {
                throw new IllegalArgumentException("pruners[" + i + "] is null");
            }
        }
        this.pruners = List.copyOf(pruners);
    }

    /** The pruners, in the order they are asked. */
    public List<Pruner> pruners() {
        return pruners;
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        for (Pruner p : pruners) {
            PruneDecision d = p.prune(study, trial);
            if (d.prune()) {
                return d;
            }
        }
        return PruneDecision.KEEP;
    }

    @Override
    public String toString() {
        return "AnyOf" + pruners;
    }
}
