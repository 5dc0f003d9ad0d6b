package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.NavigableMap;

/**
 * Prunes a trial whose best intermediate value so far is worse than a percentile of the completed trials'
 * values at the same step, as Optuna's {@code PercentilePruner}: after {@code nStartupTrials} trials have
 * completed, from step {@code nWarmupSteps} on, at the first report of every {@code intervalSteps} steps, and
 * only when at least {@code nMinTrials} completed trials reported that step (a NaN counts, though the percentile
 * is taken over the numbers). The percentile is counted from
 * the best end: the 25th percentile is better than three quarters of the values.
 */
public class PercentilePruner implements Pruner {
    private final double percentile;
    private final int nStartupTrials;
    private final int nWarmupSteps;
    private final int intervalSteps;
    private final int nMinTrials;

    /** Optuna's defaults: 5 startup trials, no warm-up, every step, 1 trial at the step. */
    public PercentilePruner(double percentile) {
        this(percentile, 5, 0, 1, 1);
    }

    public PercentilePruner(double percentile, int nStartupTrials, int nWarmupSteps, int intervalSteps, int nMinTrials) {
        if (!(percentile >= 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + percentile);
        }
        this.percentile = percentile;
        this.nStartupTrials = Checks.atLeast("nStartupTrials", nStartupTrials, 0);
        this.nWarmupSteps = Checks.atLeast("nWarmupSteps", nWarmupSteps, 0);
        this.intervalSteps = Checks.atLeast("intervalSteps", intervalSteps, 1);
        this.nMinTrials = Checks.atLeast("nMinTrials", nMinTrials, 1);
    }

    /** What the reason calls the percentile, e.g. "the 25th percentile". */
    protected String percentileName() {
        return "the " + Checks.ordinal(percentile) + " percentile";
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        int step = trial.lastStep();
        if (step < 0 || step < nWarmupSteps
                || !Checks.firstInInterval(trial.intermediateValues(), step, nWarmupSteps, intervalSteps)) {
            return PruneDecision.KEEP;
        }
        List<FrozenTrial> completed = study.trials(TrialState.COMPLETE);
        if (completed.isEmpty() || completed.size() < nStartupTrials) {
            return PruneDecision.KEEP;
        }
        Direction direction = study.direction();
        double best = bestSoFar(trial.intermediateValues(), direction);
        if (Double.isNaN(best)) {
            return PruneDecision.prune("no number in its intermediate values at step " + step + ": all are NaN");
        }
        // As Optuna: a NaN at the step counts towards nMinTrials, but the percentile is of the numbers only.
        List<Double> atStep = new ArrayList<>();
        int reported = 0;
        for (FrozenTrial t : completed) {
            Double v = t.intermediateValues().get(step);
            if (v != null) {
                reported++;
                if (!Double.isNaN(v)) {
                    atStep.add(v);
                }
            }
        }
        if (reported < nMinTrials || atStep.isEmpty()) {
            return PruneDecision.KEEP;
        }
        double p = percentile(atStep, direction == Direction.MINIMIZE ? percentile : 100 - percentile);
        if (direction.isBetter(p, best)) {
            return PruneDecision.prune(Checks.worseSide(direction) + " " + percentileName() + " at step " + step + ": "
                    + Checks.versus(best, Checks.worseSign(direction), p));
        }
        return PruneDecision.KEEP;
    }

    static double bestSoFar(NavigableMap<Integer, Double> values, Direction direction) {
        double best = Double.NaN;
        for (double v : values.values()) {
            if (!Double.isNaN(v) && (Double.isNaN(best) || direction.isBetter(v, best))) {
                best = v;
            }
        }
        return best;
    }

    /**
     * Linear interpolation between closest ranks, as numpy's default. Between a number and an infinity it is that
     * infinity, where numpy's arithmetic gives NaN (and Optuna then keeps the trial): one completed trial that reported
     * an infinite value at a step made the median there NaN, and no trial was pruned at that step (Optuna too, on a
     * rank that falls on a number: {@code 0.2 + (inf - 0.2) x 0}).
     */
    static double percentile(List<Double> values, double q) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        double pos = q / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double a = sorted[lo];
        double b = sorted[hi];
        if (pos == lo || a == b) {
            return a;
        }
        if (Double.isInfinite(a) || Double.isInfinite(b)) {
            return Double.isInfinite(a) ? a : b;
        }
        return a + (b - a) * (pos - lo);
    }

    @Override
    public String toString() {
        // A median pruner's percentile goes without saying.
        String percent = getClass() == PercentilePruner.class ? "percentile=" + percentile + ", " : "";
        return getClass().getSimpleName() + "(" + percent + "nStartupTrials=" + nStartupTrials + ", nWarmupSteps="
                + nWarmupSteps + ", intervalSteps=" + intervalSteps + ", nMinTrials=" + nMinTrials + ")";
    }
}
