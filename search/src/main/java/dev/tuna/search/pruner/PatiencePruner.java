package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.List;

/**
 * Early stopping: prunes a trial whose intermediate value has not improved on its best by more than
 * {@code minDelta} in the last {@code patience} steps: the best of the last {@code patience + 1} values is compared
 * with the best before them. Optuna's {@code PatientPruner} compares the same two values but prunes only when the
 * recent best is worse than the earlier one by more than {@code min_delta}; this pruner also stops a trial that
 * stays flat, as Keras' {@code EarlyStopping} does, because a plateau is what it is for.
 */
public final class PatiencePruner implements Pruner {
    private final int patience;
    private final double minDelta;
    private final int nWarmupSteps;

    /** No improvement in {@code patience} steps, any improvement counts, no warm-up. */
    public PatiencePruner(int patience) {
        this(patience, 0, 0);
    }

    /**
     * @param patience     how many steps without improvement are allowed
     * @param minDelta     an improvement must be larger than this
     * @param nWarmupSteps no pruning before this step
     */
    public PatiencePruner(int patience, double minDelta, int nWarmupSteps) {
        this.patience = Checks.atLeast("patience", patience, 1);
        this.minDelta = Checks.nonNegative("minDelta", minDelta);
        this.nWarmupSteps = Checks.atLeast("nWarmupSteps", nWarmupSteps, 0);
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        int step = trial.lastStep();
        List<Double> values = new ArrayList<>(trial.intermediateValues().values());
        if (step < nWarmupSteps || values.size() <= patience + 1) {
            return PruneDecision.KEEP;
        }
        Direction d = study.direction();
        double before = best(values.subList(0, values.size() - patience - 1), d);
        double recent = best(values.subList(values.size() - patience - 1, values.size()), d);
        if (Double.isNaN(before) || Double.isNaN(recent)) {
            return Double.isNaN(recent)
                    ? PruneDecision.prune("no number among its last " + (patience + 1) + " values at step " + step)
                    : PruneDecision.KEEP;
        }
        double gain = d.toMinimization(before) - d.toMinimization(recent);
        if (gain <= minDelta) {
            return PruneDecision.prune("no improvement " + (minDelta > 0 ? "of more than " + Checks.fmt(minDelta) + " " : "")
                    + "in the last " + patience + " steps at step " + step + ": best " + Checks.fmt(recent)
                    + " vs " + Checks.fmt(before) + " before");
        }
        return PruneDecision.KEEP;
    }

    private static double best(List<Double> values, Direction d) {
        double best = Double.NaN;
        for (double v : values) {
            if (!Double.isNaN(v) && (Double.isNaN(best) || d.isBetter(v, best))) {
                best = v;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "PatiencePruner(patience=" + patience + ", minDelta=" + minDelta + ", nWarmupSteps=" + nWarmupSteps + ")";
    }
}
