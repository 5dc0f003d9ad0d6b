package dev.tuna.search.pruner;

/**
 * Prunes a trial whose best intermediate value so far is worse than the median of the completed trials' values
 * at the same step, as Optuna's {@code MedianPruner}.
 */
public final class MedianPruner extends PercentilePruner {

    /** Optuna's defaults: 5 startup trials, no warm-up steps, every step. */
    public MedianPruner() {
        this(5, 0, 1);
    }

    /**
     * @param nStartupTrials no pruning until this many trials have completed
     * @param nWarmupSteps   no pruning of a trial before this step
     * @param intervalSteps  check once every this many steps (after the warm-up)
     */
    public MedianPruner(int nStartupTrials, int nWarmupSteps, int intervalSteps) {
        this(nStartupTrials, nWarmupSteps, intervalSteps, 1);
    }

    /** @param nMinTrials no pruning at a step fewer than this many completed trials reported */
    public MedianPruner(int nStartupTrials, int nWarmupSteps, int intervalSteps, int nMinTrials) {
        super(50, nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials);
    }

    @Override
    protected String percentileName() {
        return "the median";
    }
}
