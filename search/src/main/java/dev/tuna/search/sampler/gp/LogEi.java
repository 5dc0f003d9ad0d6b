package dev.tuna.search.sampler.gp;

import org.apache.commons.math3.special.Erf;

/**
 * Log expected improvement for minimisation, stable where EI itself underflows. With {@code z = (best - mean) /
 * sigma}, {@code EI = sigma h(z)} where {@code h(z) = z Phi(z) + phi(z)}. For {@code z >= -3} h is computed
 * directly. Below, with {@code t = -z}, {@code h = phi(t) (1 - t R(t))} where R is Mills' ratio; writing R as its
 * continued fraction {@code 1 / (t + F1)}, {@code 1 - t R = F1 / (t + F1)} has no cancellation, so
 * {@code log h = log phi(t) + log F1 - log(t + F1)} stays finite far beyond where EI is 0 in doubles.
 */
public final class LogEi {
    private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
    private static final double SQRT2 = Math.sqrt(2);
    private static final double THRESHOLD = -3;
    private static final int TERMS = 80;

    private LogEi() {
    }

    /** log EI of a Gaussian posterior (mean, sigma) against the incumbent {@code best}. */
    public static double value(double mean, double sigma, double best) {
        return Math.log(sigma) + logH((best - mean) / sigma);
    }

    /** log h(z), h(z) = z Phi(z) + phi(z). */
    public static double logH(double z) {
        if (z >= THRESHOLD) {
            return Math.log(z * cdf(z) + pdf(z));
        }
        double t = -z;
        double f1 = continuedFraction(t);
        return -0.5 * t * t - LOG_SQRT_2PI + Math.log(f1) - Math.log(t + f1);
    }

    /** d log h / dz = Phi(z) / h(z), computed stably in both branches. */
    public static double dLogH(double z) {
        if (z >= THRESHOLD) {
            return cdf(z) / (z * cdf(z) + pdf(z));
        }
        // Phi(z) = phi(t) R(t) and h = phi(t) F1 / (t + F1), so the ratio is 1 / F1.
        return 1 / continuedFraction(-z);
    }

    /** F1 of Mills' ratio R(t) = 1 / (t + F1), F_k = k / (t + F_{k+1}), evaluated from the tail for t >= 3. */
    private static double continuedFraction(double t) {
        double f = 0;
        for (int k = TERMS; k >= 1; k--) {
            f = k / (t + f);
        }
        return f;
    }

    static double cdf(double z) {
        return 0.5 * Erf.erfc(-z / SQRT2);
    }

    static double pdf(double z) {
        return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
    }
}
