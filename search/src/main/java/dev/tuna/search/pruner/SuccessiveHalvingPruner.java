package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Asynchronous successive halving (ASHA), as Optuna's {@code SuccessiveHalvingPruner}. Rung {@code k} is reached at
 * step {@code minResource * reductionFactor^(minEarlyStoppingRate + k)}. A trial that reaches a rung records its
 * value there as the system attribute {@code completed_rung_k}, and goes on only when that value is in the top
 * {@code 1 / reductionFactor} of the values recorded at the rung so far (the first trial at a rung always goes on).
 * Nobody waits for a rung to fill: each trial is judged against the trials that got there before it, except those
 * Tuna interrupted ({@link FrozenTrial#wasInterrupted}: a process killed, a study stopped), which did not stop on their
 * merits and are replaced. They held places at their rungs that no trial went on from: a demo resumed after a
 * {@code kill -9} pruned 19 of its 20 trials (Optuna, which has no such state, counts the trials a killed process
 * left RUNNING for ever).
 */
public final class SuccessiveHalvingPruner implements Pruner {
    /** Prefix of the system attributes that record a trial's value at each rung it reached. */
    public static final String RUNG_ATTR_PREFIX = "completed_rung_";

    private final int reductionFactor;
    private final int minEarlyStoppingRate;
    private final BiPredicate<Study, FrozenTrial> competitor;
    private volatile int minResource; // 0 until estimated, when "auto"

    /** Optuna's defaults: minimum resource estimated from the first completed trial, reduction factor 4, rate 0. */
    public SuccessiveHalvingPruner() {
        this(0, 4, 0);
    }

    /**
     * @param minResource          the step of the first rung; 0 for "auto": a hundredth of the steps of the first
     *                             completed trial, at least 1 (no pruning until a trial completed)
     * @param reductionFactor      a rung keeps the top {@code 1 / reductionFactor} of its trials
     * @param minEarlyStoppingRate shifts the first rung to {@code minResource * reductionFactor^rate}
     */
    public SuccessiveHalvingPruner(int minResource, int reductionFactor, int minEarlyStoppingRate) {
        this(minResource, reductionFactor, minEarlyStoppingRate, (study, t) -> true);
    }

    /** Also takes which trials compete with a trial (Hyperband: those of the same bracket). */
    SuccessiveHalvingPruner(int minResource, int reductionFactor, int minEarlyStoppingRate,
                            BiPredicate<Study, FrozenTrial> competitor) {
        this.minResource = Checks.atLeast("minResource", minResource, 0);
        this.reductionFactor = Checks.atLeast("reductionFactor", reductionFactor, 2);
        this.minEarlyStoppingRate = Checks.atLeast("minEarlyStoppingRate", minEarlyStoppingRate, 0);
        this.competitor = competitor;
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        int step = trial.lastStep();
        if (step < 0) {
            return PruneDecision.KEEP;
        }
        int r = minResource(study);
        if (r == 0) {
            return PruneDecision.KEEP;
        }
        double value = trial.lastIntermediateValue();
        Direction direction = study.direction();
        int rung = currentRung(trial);
        List<FrozenTrial> trials = null;
        while (true) {
            // In doubles: in longs a rung far enough up wrapped to a negative step, and the rungs went on for ever.
            double promotionStep = r * Math.pow(reductionFactor, minEarlyStoppingRate + rung);
            if (step < promotionStep) {
                return PruneDecision.KEEP;
            }
            if (Double.isNaN(value)) {
                return PruneDecision.prune("its value at step " + step + " is NaN");
            }
            if (trials == null) {
                trials = study.trials().stream().filter(t -> t.number() != trial.number() && !t.wasInterrupted()
                        && competitor.test(study, t)).toList();
            }
            String key = RUNG_ATTR_PREFIX + rung;
            study.storage().setSystemAttr(study.name(), trial.number(), key, value);
            List<Double> competing = new ArrayList<>();
            for (FrozenTrial t : trials) {
                if (t.systemAttrs().get(key) instanceof Number n) {
                    competing.add(n.doubleValue());
                }
            }
            competing.add(value);
            competing.sort(direction == Direction.MINIMIZE ? Comparator.naturalOrder() : Comparator.reverseOrder());
            int cut = Math.max(0, competing.size() / reductionFactor - 1);
            double cutOff = competing.get(cut);
            if (direction.isBetter(cutOff, value)) {
                return PruneDecision.prune("not in the top 1/" + reductionFactor + " of rung " + rung + " at step " + step
                        + ": " + Checks.versus(value, Checks.worseSign(direction), cutOff)
                        + " (cut-off among " + competing.size() + " trials)");
            }
            rung++;
        }
    }

    private int minResource(Study study) {
        int r = minResource;
        if (r > 0) {
            return r;
        }
        int maxStep = -1;
        for (FrozenTrial t : study.trials(TrialState.COMPLETE)) {
            maxStep = Math.max(maxStep, t.lastStep());
        }
        if (maxStep < 0) {
            return 0;
        }
        r = Math.max(maxStep / 100, 1);
        minResource = r;
        return r;
    }

    /** The number of rungs the trial has passed, from its system attributes. */
    static int currentRung(FrozenTrial trial) {
        int rung = 0;
        while (trial.systemAttrs().containsKey(RUNG_ATTR_PREFIX + rung)) {
            rung++;
        }
        return rung;
    }

    @Override
    public String toString() {
        return "SuccessiveHalvingPruner(minResource=" + (minResource == 0 ? "auto" : minResource) + ", reductionFactor="
                + reductionFactor + ", minEarlyStoppingRate=" + minEarlyStoppingRate + ")";
    }
}
