package dev.tuna.search.pruner;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Hyperband, as Optuna's {@code HyperbandPruner}: several brackets of asynchronous successive halving, bracket
 * {@code i} with early-stopping rate {@code i} (its first rung later than the previous bracket's), so that some
 * trials are judged early and others late. Each trial belongs to one bracket, chosen from the CRC-32 of
 * {@code "<study>_<number>"} in proportion to the brackets' budgets, and competes only with trials of its bracket.
 * Its bracket is recorded as the system attribute {@code hyperband_bracket}.
 *
 * <p>The number of brackets is {@code floor(log_eta(max / min)) + 1}, exactly. Optuna 3.1 computes it with
 * Python's {@code math.log(max / min, eta)}, which falls just short of some exact powers (243 with a factor of 3,
 * 1,000 with 10) and so gives one bracket fewer there; there the two prune differently.
 */
public final class HyperbandPruner implements Pruner {
    /** System attribute holding the trial's bracket. */
    public static final String BRACKET_ATTR = "hyperband_bracket";

    private final int minResource;
    private final int reductionFactor;
    private final int maxResource; // 0 for "auto"
    private volatile Brackets brackets; // null until the maximum resource is known

    private record Brackets(List<SuccessiveHalvingPruner> pruners, int[] budgets, int total) {
    }

    /** Optuna's defaults: minimum resource 1, maximum from the first completed trial, reduction factor 3. */
    public HyperbandPruner() {
        this(1, 0, 3);
    }

    /**
     * @param minResource     the step of the earliest rung
     * @param maxResource     the number of steps of a full trial; 0 for "auto": the last step of the first
     *                        completed trial plus one, as Optuna (no pruning until a trial completed)
     * @param reductionFactor each rung keeps the top {@code 1 / reductionFactor} of its trials
     */
    public HyperbandPruner(int minResource, int maxResource, int reductionFactor) {
        this.minResource = Checks.atLeast("minResource", minResource, 1);
        this.maxResource = Checks.atLeast("maxResource", maxResource, 0);
        this.reductionFactor = Checks.atLeast("reductionFactor", reductionFactor, 2);
        if (maxResource > 0) {
            if (maxResource < minResource) {
                throw new IllegalArgumentException("maxResource must be at least minResource (" + minResource + "), got " + maxResource);
            }
            brackets = brackets(maxResource);
        }
    }

    /**
     * The number of brackets, or 0 while the maximum resource is not known yet, or when it is below the minimum
     * resource (the first completed trial, "auto", was shorter than that: then no trial is pruned, as in Optuna).
     */
    public int bracketCount() {
        Brackets b = brackets;
        return b == null ? 0 : b.pruners().size();
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        Brackets b = brackets(study);
        if (b == null || b.pruners().isEmpty()) {
            return PruneDecision.KEEP;
        }
        int bracket = bracketOf(b, study, trial.number());
        if (!Integer.valueOf(bracket).equals(trial.systemAttrs().get(BRACKET_ATTR))) {
            study.storage().setSystemAttr(study.name(), trial.number(), BRACKET_ATTR, bracket);
        }
        PruneDecision d = b.pruners().get(bracket).prune(study, trial);
        return d.prune() ? PruneDecision.prune("bracket " + bracket + ": " + d.reason()) : d;
    }

    private Brackets brackets(Study study) {
        Brackets b = brackets;
        if (b != null) {
            return b;
        }
        int maxStep = -1;
        for (FrozenTrial t : study.trials(TrialState.COMPLETE)) {
            maxStep = Math.max(maxStep, t.lastStep());
        }
        if (maxStep < 0) {
            return null;
        }
        synchronized (this) {
            if (brackets == null) {
                brackets = brackets(maxStep + 1L);
            }
            return brackets;
        }
    }

    /** The brackets for a maximum resource; none when it is below the minimum resource (a bracket count under 1). */
    private Brackets brackets(long maxResource) {
        int n = Math.max(0,
                (int) Math.floor(Math.log((double) maxResource / minResource) / Math.log(reductionFactor) + 1e-9) + 1);
        List<SuccessiveHalvingPruner> pruners = new ArrayList<>();
        int[] budgets = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            int s = n - 1 - i;
            budgets[i] = (int) Math.ceil(n * Math.pow(reductionFactor, s) / (s + 1));
            total += budgets[i];
            int bracket = i;
            pruners.add(new SuccessiveHalvingPruner(minResource, reductionFactor, i,
                    (st, t) -> bracketOf(brackets, st, t.number()) == bracket));
        }
        return new Brackets(List.copyOf(pruners), budgets, total);
    }

    private static int bracketOf(Brackets b, Study study, int number) {
        CRC32 crc = new CRC32();
        crc.update((study.name() + "_" + number).getBytes(StandardCharsets.UTF_8));
        long n = crc.getValue() % b.total();
        for (int i = 0; i < b.budgets().length; i++) {
            n -= b.budgets()[i];
            if (n < 0) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable: budgets sum to " + b.total());
    }

    @Override
    public String toString() {
        return "HyperbandPruner(minResource=" + minResource + ", maxResource=" + (maxResource == 0 ? "auto" : maxResource)
                + ", reductionFactor=" + reductionFactor + ")";
    }
}
