package dev.tuna.search.sampler.gp;

/**
 * A kernel term that lets a {@link GaussianProcess} be a full quadratic near one point (the incumbent):
 * {@code v w(a) w(b) (1 + u(a).u(b))^2}, with {@code u(a) = (a - c) / s} and the window
 * {@code w(a) = exp(-|u(a)|^2 / 2)}. The polynomial part is Bayesian regression on every monomial of degree at
 * most two, cross terms included, so near {@code c} the process can follow a valley that runs diagonally to the
 * axes, which a stationary ARD kernel only learns from many points; the window keeps that belief local, where a
 * Taylor expansion of a smooth objective holds. Categorical dimensions take no part in it.
 *
 * @param centre      where the term is centred, in the unit cube
 * @param scale       the window's width {@code s}, in unit-cube coordinates
 * @param variance    the term's prior variance {@code v} at the centre
 * @param categorical per dimension, whether it is categorical (left out)
 */
public record LocalQuadratic(double[] centre, double scale, double variance, boolean[] categorical) {

    /** The term's covariance of the latent function at {@code a} and {@code b}. */
    public double value(double[] a, double[] b) {
        double p = 1 + dot(a, b);
        return variance * window(a) * window(b) * p * p;
    }

    /** Adds {@code factor} times the gradient of {@code value(q, b)} with respect to {@code q} to {@code out}. */
    void addGradient(double[] q, double[] b, double factor, double[] out) {
        double p = 1 + dot(q, b);
        double common = factor * variance * window(q) * window(b) / scale;
        for (int j = 0; j < q.length; j++) {
            if (!categorical[j]) {
                double uq = (q[j] - centre[j]) / scale;
                double ub = (b[j] - centre[j]) / scale;
                out[j] += common * (2 * p * ub - p * p * uq);
            }
        }
    }

    /** Adds the gradient of the prior variance {@code value(q, q)} with respect to {@code q} to {@code out}. */
    void addDiagonalGradient(double[] q, double[] out) {
        double u2 = dot(q, q);
        double w = window(q);
        double common = 2 * variance * w * w * (1 + u2) * (1 - u2) / scale;
        for (int j = 0; j < q.length; j++) {
            if (!categorical[j]) {
                out[j] += common * (q[j] - centre[j]) / scale;
            }
        }
    }

    private double window(double[] a) {
        return Math.exp(-0.5 * dot(a, a));
    }

    /** u(a).u(b) over the non-categorical dimensions. */
    private double dot(double[] a, double[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            if (!categorical[j]) {
                sum += (a[j] - centre[j]) * (b[j] - centre[j]);
            }
        }
        return sum / (scale * scale);
    }
}
