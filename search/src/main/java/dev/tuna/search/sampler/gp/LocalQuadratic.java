package dev.tuna.search.sampler.gp;

/**
 * A kernel term centred on one point {@code c} (the incumbent): {@code v w(a) w(b) (1 + u(a).u(b))^2}, with
 * {@code u(a) = (a - c) / s} and the window {@code w(a) = exp(-|u(a)|^2 / 2)}. Its polynomial part is Bayesian
 * regression on every monomial of degree at most two, cross terms included; the window keeps it local (near the
 * centre the product is still a quadratic to second order). Its prior variance {@code v w^2 (1 + |u|^2)^2} peaks on
 * the sphere {@code |u| = 1}, at {@code 4v/e}, so added to a GP's kernel it makes expected improvement favour
 * steps of about {@code s} from the centre, in the directions where the nearby data slope downwards (see
 * {@code GpSampler} for what it was measured to do). Categorical dimensions take no part in it.
 *
 * @param centre      where the term is centred, in the unit cube
 * @param scale       the window's width {@code s}, in unit-cube coordinates
 * @param variance    the term's prior variance {@code v} at the centre
 * @param categorical per dimension, whether it is categorical (left out)
 */
public record LocalQuadratic(double[] centre, double scale, double variance, boolean[] categorical) {

    /**
     * What the term needs of one point, computed once: its offset from the centre (zero on categorical dimensions)
     * and its window.
     */
    record Anchor(double[] offset, double window) {
    }

    /** The anchor of {@code a}. */
    Anchor anchor(double[] a) {
        double[] offset = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            offset[j] = categorical[j] ? 0 : a[j] - centre[j];
        }
        return new Anchor(offset, Math.exp(-0.5 * dot(offset, offset)));
    }

    /** The term's covariance of the latent function at {@code a} and {@code b}. */
    public double value(double[] a, double[] b) {
        return value(anchor(a), anchor(b));
    }

    double value(Anchor a, Anchor b) {
        double p = 1 + dot(a.offset(), b.offset());
        return variance * a.window() * b.window() * p * p;
    }

    /**
     * Adds {@code meanFactor} and {@code varianceFactor} times the gradient of {@code value(q, b)} with respect to
     * {@code q} to {@code meanOut} and {@code varianceOut}: the posterior's two gradients in one pass.
     */
    void addGradients(Anchor q, Anchor b, double meanFactor, double[] meanOut, double varianceFactor,
                      double[] varianceOut) {
        double p = 1 + dot(q.offset(), b.offset());
        double meanCommon = meanFactor * variance * q.window() * b.window() / scale;
        double varianceCommon = varianceFactor * variance * q.window() * b.window() / scale;
        for (int j = 0; j < meanOut.length; j++) {
            if (!categorical[j]) {
                double uq = q.offset()[j] / scale;
                double ub = b.offset()[j] / scale;
                double slope = 2 * p * ub - p * p * uq;
                meanOut[j] += meanCommon * slope;
                varianceOut[j] += varianceCommon * slope;
            }
        }
    }

    /** Adds the gradient of the prior variance {@code value(q, q)} with respect to {@code q} to {@code out}. */
    void addDiagonalGradient(Anchor q, double[] out) {
        double u2 = dot(q.offset(), q.offset());
        double w = q.window();
        double common = 2 * variance * w * w * (1 + u2) * (1 - u2) / scale;
        for (int j = 0; j < out.length; j++) {
            if (!categorical[j]) {
                out[j] += common * q.offset()[j] / scale;
            }
        }
    }

    /** u(a).u(b) from the offsets of a and b. */
    private double dot(double[] a, double[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            sum += a[j] * b[j];
        }
        return sum / (scale * scale);
    }
}
