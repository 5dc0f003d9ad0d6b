package dev.tuna.search.pruner;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;

/**
 * Prunes a trial whose intermediate value leaves the bounds {@code [lower, upper]} (or is NaN), as Optuna's
 * {@code ThresholdPruner}: from step {@code nWarmupSteps} on, at the first report of every {@code intervalSteps}
 * steps.
 */
public final class ThresholdPruner implements Pruner {
    private final double lower;
    private final double upper;
    private final int nWarmupSteps;
    private final int intervalSteps;

    /** Bounds only, checked at every step; use {@code Double.NEGATIVE_INFINITY} or {@code POSITIVE_INFINITY} for none. */
    public ThresholdPruner(double lower, double upper) {
        this(lower, upper, 0, 1);
    }

    public ThresholdPruner(double lower, double upper, int nWarmupSteps, int intervalSteps) {
        if (Double.isNaN(lower) || Double.isNaN(upper) || lower > upper) {
            throw new IllegalArgumentException("lower must be at most upper, got lower " + lower + " and upper " + upper);
        }
        this.lower = lower;
        this.upper = upper;
        this.nWarmupSteps = Checks.atLeast("nWarmupSteps", nWarmupSteps, 0);
        this.intervalSteps = Checks.atLeast("intervalSteps", intervalSteps, 1);
    }

    /** Prunes values under {@code lower}. */
    public static ThresholdPruner lower(double lower) {
        return new ThresholdPruner(lower, Double.POSITIVE_INFINITY);
    }

    /** Prunes values over {@code upper}. */
    public static ThresholdPruner upper(double upper) {
        return new ThresholdPruner(Double.NEGATIVE_INFINITY, upper);
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        int step = trial.lastStep();
        if (step < 0 || step < nWarmupSteps
                || !Checks.firstInInterval(trial.intermediateValues(), step, nWarmupSteps, intervalSteps)) {
            return PruneDecision.KEEP;
        }
        double v = trial.lastIntermediateValue();
        if (Double.isNaN(v)) {
            return PruneDecision.prune("its value at step " + step + " is NaN");
        }
        if (v < lower) {
            return PruneDecision.prune("below the lower bound at step " + step + ": " + Checks.versus(v, "<", lower));
        }
        if (v > upper) {
            return PruneDecision.prune("above the upper bound at step " + step + ": " + Checks.versus(v, ">", upper));
        }
        return PruneDecision.KEEP;
    }

    @Override
    public String toString() {
        return "ThresholdPruner(lower=" + lower + ", upper=" + upper + ", nWarmupSteps=" + nWarmupSteps + ", intervalSteps="
                + intervalSteps + ")";
    }
}
