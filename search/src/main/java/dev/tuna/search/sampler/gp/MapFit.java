package dev.tuna.search.sampler.gp;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * Fits a {@link GaussianProcess}'s hyperparameters by maximum a posteriori, with L-BFGS-B over their logarithms.
 *
 * <p>Priors, on standardised outputs and inputs in the unit cube:
 * <ul>
 *   <li>lengthscales: Gamma(3, 6) (mode 1/3, mean 1/2 of the unit cube), BoTorch's long-standing default. It
 *       makes very short lengthscales, with which the GP calls a few dozen points white noise and the search
 *       turns random, costly (measured: Hartmann-6 median regret at 50 trials went from 0.56 with a weak
 *       log-normal prior to 0.0015 with this one). Rosenbrock4 at 50 trials (median final regret over seeds 0-199,
 *       1.21 with this prior) is indifferent to it: Gamma(2, 4), (3, 3), (3, 12), (3, 24), (5, 10), (6, 30), (6, 40),
 *       (10, 50), (20, 100) and log-normals at -1.5 (scale 1.7) and -2 (scale 1) gave 0.97-1.37, and over seeds
 *       200-399 Gamma(3, 12) and (6, 30) gave 1.10 and 1.15 against 1.15;</li>
 *   <li>signal variance: log-normal around 1 (scale 1), since outputs are standardised;</li>
 *   <li>noise variance: log-normal with location {@link #NOISE_PRIOR_LOCATION} (-10, a noise standard deviation
 *       of about 0.7% of the outputs' spread) and scale 1, floored at {@link #MIN_NOISE}; a deterministic objective
 *       fixes it at that floor instead of fitting it. BoTorch's location -4 (13%) let the fit explain as noise
 *       the small differences that matter near an optimum: measured ({@code tuna bench samplers}, median final
 *       regret), -10 cut rosenbrock4 at 50 trials from 2.77 to 2.25 (60 seeds) and ackley5 at 50 trials from
 *       2.38 to 1.24 (30 seeds), hartmann6 at 50 trials from 1.7e-3 to 1.2e-4, and lost nothing elsewhere. The
 *       data still raise the noise when it is real: the prior is one term of the posterior.</li>
 * </ul>
 * The constant mean is profiled out: for each candidate set of hyperparameters the likelihood is that of
 * {@code y - m} with m the GLS mean ({@link GaussianProcess#constantMean}), the same mean the sampler then uses.
 * Bounds keep the search sane: lengthscales in [0.01, 100], signal in [0.01, 100], noise up to 1.
 */
public final class MapFit {
    /** The noise floor (variance, on standardised outputs). */
    public static final double MIN_NOISE = 1e-6;
    /** The location of the log-normal prior on the noise variance (log scale). */
    public static final double NOISE_PRIOR_LOCATION = -10;
    /** Largest standard deviation, in log space, of a Laplace sample along any direction. */
    private static final double MAX_SAMPLE_SD = 1;
    /** Step of the central differences that give the Hessian (log space). */
    private static final double HESSIAN_STEP = 1e-3;

    private MapFit() {
    }

    /** A starting point at the priors' modes-ish centres. */
    public static double[] defaultStart(int d, boolean deterministic) {
        double[] h = new double[d + 2];
        java.util.Arrays.fill(h, 0, d, Math.log(1.0 / 3.0)); // the lengthscale prior's mode
        h[d] = 0;
        h[d + 1] = deterministic ? Math.log(MIN_NOISE) : NOISE_PRIOR_LOCATION;
        return h;
    }

    /**
     * The MAP hyperparameters (log lengthscales, log signal, log noise) of the data, starting from {@code start}
     * (the last fit, when there is one).
     */
    public static double[] fit(double[][] x, double[] y, boolean[] categorical, double[] start, boolean deterministic,
                               int maxIterations) {
        int d = categorical.length;
        double[] lower = new double[d + 2];
        double[] upper = new double[d + 2];
        for (int i = 0; i < d + 2; i++) {
            lower[i] = lowerBound(i, d);
            upper[i] = i == d + 1 && deterministic ? lower[i] : upperBound(i, d);
        }
        return Lbfgsb.minimize(negativeLogPosterior(x, y, categorical, deterministic), start, lower, upper,
                maxIterations, 1e-6).x();
    }

    /**
     * Hyperparameters drawn from the Laplace approximation of the posterior around the MAP {@code map}, in
     * antithetic pairs ({@code map + delta} and {@code map - delta}), so that acquisition can average over what
     * the data leave uncertain instead of trusting one fit. The Hessian of the negative log posterior comes from
     * central differences of its analytic gradient; its eigenvalues are floored so that no direction gets a
     * standard deviation above 1 in log space (a flat direction, such as a lengthscale the data say nothing
     * about, would otherwise throw samples across the whole range). Samples are clamped to the fit's bounds; the
     * noise of a deterministic objective stays fixed. Returns an empty list when the posterior cannot be
     * evaluated next to the MAP.
     */
    public static List<double[]> laplaceSamples(double[][] x, double[] y, boolean[] categorical, double[] map,
                                                boolean deterministic, int pairs, SplittableRandom random) {
        int d = categorical.length;
        int p = deterministic ? d + 1 : d + 2;
        Lbfgsb.Function f = negativeLogPosterior(x, y, categorical, deterministic);
        double[][] hessian = new double[p][p];
        double[] gradientPlus = new double[d + 2];
        double[] gradientMinus = new double[d + 2];
        for (int j = 0; j < p; j++) {
            double[] plus = map.clone();
            double[] minus = map.clone();
            plus[j] += HESSIAN_STEP;
            minus[j] -= HESSIAN_STEP;
            if (!Double.isFinite(f.value(plus, gradientPlus)) || !Double.isFinite(f.value(minus, gradientMinus))) {
                return List.of();
            }
            for (int i = 0; i < p; i++) {
                hessian[i][j] = (gradientPlus[i] - gradientMinus[i]) / (2 * HESSIAN_STEP);
            }
        }
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < i; j++) {
                double mean = 0.5 * (hessian[i][j] + hessian[j][i]);
                hessian[i][j] = mean;
                hessian[j][i] = mean;
            }
        }
        EigenDecomposition eigen = new EigenDecomposition(new Array2DRowRealMatrix(hessian, false));
        double[] values = eigen.getRealEigenvalues();
        double[][] vectors = eigen.getV().getData();
        double minPrecision = 1 / (MAX_SAMPLE_SD * MAX_SAMPLE_SD);
        List<double[]> samples = new ArrayList<>(2 * pairs);
        for (int s = 0; s < pairs; s++) {
            double[] z = new double[p];
            for (int k = 0; k < p; k++) {
                z[k] = random.nextGaussian() / Math.sqrt(Math.max(values[k], minPrecision));
            }
            for (int sign = -1; sign <= 1; sign += 2) {
                double[] h = map.clone();
                for (int i = 0; i < p; i++) {
                    double delta = 0;
                    for (int k = 0; k < p; k++) {
                        delta += vectors[i][k] * z[k];
                    }
                    h[i] = clamp(i, d, map[i] + sign * delta);
                }
                samples.add(h);
            }
        }
        return samples;
    }

    private static double clamp(int i, int d, double v) {
        return Math.max(lowerBound(i, d), Math.min(upperBound(i, d), v));
    }

    /** Lower bound of log hyperparameter {@code i}: lengthscales and signal 0.01, noise {@link #MIN_NOISE}. */
    private static double lowerBound(int i, int d) {
        return i == d + 1 ? Math.log(MIN_NOISE) : Math.log(0.01);
    }

    /** Upper bound of log hyperparameter {@code i} (a fitted noise): lengthscales and signal 100, noise 1. */
    private static double upperBound(int i, int d) {
        return i == d + 1 ? 0 : Math.log(100);
    }

    /** The negative log posterior of the log hyperparameters and its gradient (written into the array). */
    static Lbfgsb.Function negativeLogPosterior(double[][] x, double[] y, boolean[] categorical,
                                                boolean deterministic) {
        int d = categorical.length;
        return (h, gradient) -> {
            double value = GaussianProcess.logLikelihoodGradient(x, y, categorical, h, gradient, true);
            if (value == Double.NEGATIVE_INFINITY) {
                return Double.POSITIVE_INFINITY;
            }
            for (int j = 0; j < d; j++) {
                // Gamma(3, 6) on the lengthscale, written for its logarithm (Jacobian included).
                double l = Math.exp(h[j]);
                value += 3 * h[j] - 6 * l;
                gradient[j] += 3 - 6 * l;
            }
            value -= 0.5 * h[d] * h[d];
            gradient[d] -= h[d];
            if (!deterministic) {
                double z = h[d + 1] - NOISE_PRIOR_LOCATION;
                value -= 0.5 * z * z;
                gradient[d + 1] -= z;
            }
            for (int j = 0; j < gradient.length; j++) {
                gradient[j] = -gradient[j];
            }
            return -value;
        };
    }
}
