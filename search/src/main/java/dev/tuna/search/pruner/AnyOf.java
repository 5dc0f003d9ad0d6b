package dev.tuna.search.pruner;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.util.List;
import java.util.Objects;

/**
 * Prunes when any of its pruners does, asking them in order; the first that prunes gives the reason. At most one of
 * them (nested ones counted) may be a {@link SuccessiveHalvingPruner} or a {@link HyperbandPruner}: both record a
 * trial's rungs in the same system attributes, so the second would take the first's rungs for its own and judge its
 * trials at the wrong steps (it pruned none).
 */
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
        int rungPruners = 0;
        for (int i = 0; i < pruners.size(); i++) {
            rungPruners += rungPruners(pruners.get(i));
            if (rungPruners > 1) {
                throw new IllegalArgumentException("pruners[" + i + "]: a second successive-halving or Hyperband"
                        + " pruner; they record a trial's rungs in the same attributes; keep one of them");
            }
        }
        this.pruners = List.copyOf(pruners);
    }

    /** How many successive-halving and Hyperband pruners {@code p} is or holds. */
    private static int rungPruners(Pruner p) {
        if (p instanceof AnyOf any) {
            return any.pruners.stream().mapToInt(AnyOf::rungPruners).sum();
        }
        return p instanceof SuccessiveHalvingPruner || p instanceof HyperbandPruner ? 1 : 0;
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
