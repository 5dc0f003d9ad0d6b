package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Learning-curve extrapolation: fits parametric curves to the trial's partial curve of intermediate values and
 * prunes it when its predicted final value is worse than the best final value so far with high probability.
 *
 * <p>Two models are fitted by Levenberg-Marquardt least squares (Commons Math), see {@link CurveFit}: a power law
 * {@code a + b t^-c} and an exponential saturation {@code a + b e^-ct}. Each gives a prediction at the final step
 * with a standard deviation (delta method on the parameters' covariance, plus the residual noise); the models
 * are mixed with weights from their fit (the likelihood of their residuals). The trial is pruned when the
 * mixture puts at least {@code probability} on a final value worse than the best completed trial's. The noise of a
 * value is taken to be at least 0.75% of the curve's last value, so that a near-exact fit of a few points is not
 * taken as certainty.
 */
public final class CurveExtrapolationPruner implements Pruner {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private final int maxStep;
    private final int minSteps;
    private final int nStartupTrials;
    private final double probability;

    /** Defaults: final step from the completed trials, 3 steps before fitting, 1 completed trial, probability 0.8. */
    public CurveExtrapolationPruner() {
        this(0, 3, 1, 0.8);
    }

    /**
     * @param maxStep        the final step to predict; 0 for the largest last step of the completed trials
     * @param minSteps       no prediction before this many values were reported (at least 3: a model has 3 parameters; with 3 values
     *                       the noise is taken to be its floor, 0.75% of the last value)
     * @param nStartupTrials no pruning until this many trials completed
     * @param probability    prune when the final value is worse than the best with at least this probability
     */
    public CurveExtrapolationPruner(int maxStep, int minSteps, int nStartupTrials, double probability) {
        this.maxStep = Checks.atLeast("maxStep", maxStep, 0);
        this.minSteps = Checks.atLeast("minSteps", minSteps, 3);
        this.nStartupTrials = Checks.atLeast("nStartupTrials", nStartupTrials, 1);
        if (!(probability > 0.5 && probability < 1)) {
            throw new IllegalArgumentException("probability must be in (0.5, 1), got " + probability);
        }
        this.probability = probability;
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        int step = trial.lastStep();
        if (trial.intermediateValues().size() < minSteps) {
            return PruneDecision.KEEP;
        }
        List<FrozenTrial> completed = study.trials(TrialState.COMPLETE);
        if (completed.size() < nStartupTrials) {
            return PruneDecision.KEEP;
        }
        Direction d = study.direction();
        double best = Double.NaN;
        int finalStep = maxStep;
        for (FrozenTrial t : completed) {
            if (Double.isNaN(best) || d.isBetter(t.value(), best)) {
                best = t.value();
            }
            if (maxStep == 0) {
                finalStep = Math.max(finalStep, t.lastStep());
            }
        }
        if (step >= finalStep) {
            return PruneDecision.KEEP;
        }
        List<double[]> points = new ArrayList<>();
        for (Map.Entry<Integer, Double> e : trial.intermediateValues().entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                return PruneDecision.prune("its value at step " + e.getKey() + " is " + e.getValue());
            }
            points.add(new double[] {e.getKey(), d.toMinimization(e.getValue())});
        }
        Optional<CurveFit.Prediction> p = CurveFit.predict(points, finalStep);
        if (p.isEmpty()) {
            return PruneDecision.KEEP;
        }
        CurveFit.Prediction prediction = p.get();
        double bestMin = d.toMinimization(best);
        double worse = prediction.probabilityAbove(bestMin);
        if (worse >= probability) {
            double mean = d == Direction.MINIMIZE ? prediction.mean() : -prediction.mean();
            return PruneDecision.prune("predicted to end worse than the best at step " + step + ": "
                    + Checks.fmt(mean) + " ± " + Checks.fmt(prediction.sd()) + " at step " + finalStep + " "
                    + Checks.worseSign(d) + " " + Checks.fmt(best) + " (P = " + Checks.fmt(Math.floor(worse * 1000) / 1000) + ")");
        }
        return PruneDecision.KEEP;
    }

    static double cdf(double z) {
        return NORMAL.cumulativeProbability(z);
    }
}
