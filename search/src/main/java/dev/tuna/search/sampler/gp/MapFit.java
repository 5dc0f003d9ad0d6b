package dev.tuna.search.sampler.gp;

/**
 * Fits a {@link GaussianProcess}'s hyperparameters by maximum a posteriori, with L-BFGS-B over their logarithms.
 *
 * <p>Priors, on standardised outputs and inputs in the unit cube:
 * <ul>
 *   <li>lengthscales: Gamma(3, 6) (mode 1/3, mean 1/2 of the unit cube), BoTorch's long-standing default. It
 *       makes very short lengthscales, with which the GP calls a few dozen points white noise and the search
 *       turns random, costly (measured: Hartmann-6 median regret at 50 trials went from 0.56 with a weak
 *       log-normal prior to 0.0015 with this one);</li>
 *   <li>signal variance: log-normal around 1 (scale 1), since outputs are standardised;</li>
 *   <li>noise variance: log-normal with location -4 and scale 1 (BoTorch's choice), floored at
 *       {@link #MIN_NOISE}; a deterministic objective fixes it at that floor instead of fitting it.</li>
 * </ul>
 * The constant mean is profiled out: for each candidate set of hyperparameters the likelihood is that of
 * {@code y - m} with m the GLS mean ({@link GaussianProcess#constantMean}), the same mean the sampler then uses.
 * Bounds keep the search sane: lengthscales in [0.01, 100], signal in [0.01, 100], noise up to 1.
 */
public final class MapFit {
    /** The noise floor (variance, on standardised outputs). */
    public static final double MIN_NOISE = 1e-6;

    private MapFit() {
    }

    /** A starting point at the priors' modes-ish centres. */
    public static double[] defaultStart(int d, boolean deterministic) {
        double[] h = new double[d + 2];
        java.util.Arrays.fill(h, 0, d, Math.log(1.0 / 3.0)); // the lengthscale prior's mode
        h[d] = 0;
        h[d + 1] = deterministic ? Math.log(MIN_NOISE) : -4;
        return h;
    }

    /**
     * The MAP hyperparameters (log lengthscales, log signal, log noise) of the data, starting from {@code start}
     * (the last fit, when there is one).
     */
    public static double[] fit(double[][] x, double[] y, boolean[] categorical, double[] start, boolean deterministic,
                               int maxIterations) {
        return minimise(x, y, categorical, start, deterministic, maxIterations).x();
    }

    private static Lbfgsb.Result minimise(double[][] x, double[] y, boolean[] categorical, double[] start,
                                          boolean deterministic, int maxIterations) {
        int d = categorical.length;
        double[] lower = new double[d + 2];
        double[] upper = new double[d + 2];
        for (int j = 0; j < d; j++) {
            lower[j] = Math.log(0.01);
            upper[j] = Math.log(100);
        }
        lower[d] = Math.log(0.01);
        upper[d] = Math.log(100);
        lower[d + 1] = Math.log(MIN_NOISE);
        upper[d + 1] = deterministic ? Math.log(MIN_NOISE) : 0;
        Lbfgsb.Function objective = (h, gradient) -> {
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
                double z = h[d + 1] + 4;
                value -= 0.5 * z * z;
                gradient[d + 1] -= z;
            }
            for (int j = 0; j < gradient.length; j++) {
                gradient[j] = -gradient[j];
            }
            return -value;
        };
        return Lbfgsb.minimize(objective, start, lower, upper, maxIterations, 1e-6);
    }
}
