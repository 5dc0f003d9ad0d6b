package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Learning-curve extrapolation: fits parametric curves to the trial's partial curve of intermediate values and
 * prunes it when its predicted final value is worse than the best final value so far with high probability.
 *
 * <p>Two models are fitted by Levenberg-Marquardt least squares (Commons Math), see {@link CurveFit}: a power law
 * {@code a + b t^-c} and an exponential saturation {@code a + b e^-ct}. Each gives a prediction at the final step
 * with a standard deviation (delta method on the parameters' covariance, plus the residual noise); the models
 * are mixed with weights from their fit (the likelihood of their residuals). The trial is pruned when the mixture
 * puts at least {@code probability} on a final value worse than the best completed trial's.
 *
 * <p>Two things steady the fit of a curve's first few points: once two trials completed, the rates fitted to their
 * whole curves give each model a normal prior on its rate; and the noise of a value is taken to be at least 0.75%
 * of the curve's last value, so that a near-exact fit of a few points is not taken as certainty.
 */
public final class CurveExtrapolationPruner implements Pruner {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private final int maxStep;
    private final int minSteps;
    private final int nStartupTrials;
    private final double probability;
    /** Fitted log-rates of completed trials, by study and trial number: a finished trial never changes. */
    private final Map<String, Map<CurveFit.Model, Double>> completedRates = new ConcurrentHashMap<>();

    /** Defaults: final step from the completed trials, 3 steps before fitting, 1 completed trial, probability 0.8. */
    public CurveExtrapolationPruner() {
        this(0, 3, 1, 0.8);
    }

    /**
     * @param maxStep        the final step to predict; 0 for the largest last step of the completed trials
     * @param minSteps       no prediction before this many values were reported; at least 3, as a model has 3
     *                       parameters (with 3 values the noise is taken to be its floor)
     * @param nStartupTrials no pruning until this many trials completed
     * @param probability    prune when the final value is worse than the best with at least this probability
     */
    public CurveExtrapolationPruner(int maxStep, int minSteps, int nStartupTrials, double probability) {
        this.maxStep = Checks.atLeast("maxStep", maxStep, 0);
        this.minSteps = Checks.atLeast("minSteps", minSteps, 3);
        this.nStartupTrials = Checks.atLeast("nStartupTrials", nStartupTrials, 1);
        if (maxStep > 0 && minSteps > maxStep) {
            // It would never judge a trial, and say nothing.
            throw new IllegalArgumentException("minSteps must be at most maxStep (" + maxStep + "): a trial reports no"
                    + " more values than that before its last step, got " + minSteps);
        }
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
        Optional<CurveFit.Prediction> p = CurveFit.predict(points, finalStep, priors(study.name(), completed, d));
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

    /**
     * Per model, a normal prior on the log-rate: the mean and spread (at least {@link #MIN_PRIOR_SD}) of the rates
     * fitted to the completed trials' curves; none until 2 trials completed.
     */
    private Map<CurveFit.Model, double[]> priors(String study, List<FrozenTrial> completed, Direction d) {
        if (completed.size() < 2) {
            return Map.of();
        }
        Map<CurveFit.Model, List<Double>> rates = new EnumMap<>(CurveFit.Model.class);
        for (FrozenTrial t : completed) {
            Map<CurveFit.Model, Double> r = completedRates.computeIfAbsent(study + "/" + t.number(), k -> {
                List<double[]> pts = new ArrayList<>();
                t.intermediateValues().forEach((step, v) -> pts.add(new double[] {step, d.toMinimization(v)}));
                return pts.stream().allMatch(x -> Double.isFinite(x[1])) ? CurveFit.logRates(pts) : Map.of();
            });
            r.forEach((m, rate) -> rates.computeIfAbsent(m, k -> new ArrayList<>()).add(rate));
        }
        Map<CurveFit.Model, double[]> priors = new EnumMap<>(CurveFit.Model.class);
        rates.forEach((m, list) -> {
            if (list.size() >= 2) {
                double mean = list.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                double var = list.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (list.size() - 1);
                priors.put(m, new double[] {mean, Math.max(Math.sqrt(var), MIN_PRIOR_SD)});
            }
        });
        return priors;
    }

    /** The least spread of a log-rate prior (a factor of about 1.3 on the rate). */
    static final double MIN_PRIOR_SD = 0.25;

    static double cdf(double z) {
        return NORMAL.cumulativeProbability(z);
    }

    @Override
    public String toString() {
        return "CurveExtrapolationPruner(maxStep=" + maxStep + ", minSteps=" + minSteps + ", nStartupTrials="
                + nStartupTrials + ", probability=" + probability + ")";
    }
}
