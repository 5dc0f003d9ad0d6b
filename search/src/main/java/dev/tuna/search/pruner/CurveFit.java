package dev.tuna.search.pruner;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresOptimizer;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.fitting.leastsquares.MultivariateJacobianFunction;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.apache.commons.math3.util.Pair;

/**
 * Fits learning-curve models to a partial curve (in minimisation form: lower is better) and predicts its value at a
 * later step as a mixture of normal distributions, one per model that could be fitted.
 */
final class CurveFit {
    /** Parameters: a (asymptote), b (scale), log c (rate, kept positive). */
    enum Model {
        POWER_LAW {
            @Override
            double shape(double t, double c) {
                return Math.pow(t, -c);
            }

            @Override
            double shapeDc(double t, double c) {
                return -Math.log(t) * Math.pow(t, -c);
            }
        },
        EXP_SATURATION {
            @Override
            double shape(double t, double c) {
                return Math.exp(-c * t);
            }

            @Override
            double shapeDc(double t, double c) {
                return -t * Math.exp(-c * t);
            }
        };

        abstract double shape(double t, double c);

        abstract double shapeDc(double t, double c);

        double value(double t, double[] p) {
            return p[0] + p[1] * shape(t, Math.exp(p[2]));
        }

        /** d value / d (a, b, log c). */
        double[] gradient(double t, double[] p) {
            double c = Math.exp(p[2]);
            return new double[] {1, shape(t, c), p[1] * shapeDc(t, c) * c};
        }
    }

    /** One model's prediction. */
    record Component(Model model, double weight, double mean, double sd) {
    }

    /** The mixture of the models' predictions. */
    record Prediction(List<Component> components) {
        double mean() {
            return components.stream().mapToDouble(c -> c.weight() * c.mean()).sum();
        }

        double sd() {
            double m = mean();
            return Math.sqrt(components.stream()
                    .mapToDouble(c -> c.weight() * (c.sd() * c.sd() + (c.mean() - m) * (c.mean() - m))).sum());
        }

        /** P(final value > threshold). */
        double probabilityAbove(double threshold) {
            double p = 0;
            for (Component c : components) {
                p += c.weight() * (1 - CurveExtrapolationPruner.cdf((threshold - c.mean()) / c.sd()));
            }
            return p;
        }
    }

    /** The least noise assumed on a value, relative to the curve's last value. */
    static final double NOISE_FLOOR = 0.0075;

    private CurveFit() {
    }

    /**
     * @param points (step, value) pairs, steps increasing
     * @param at     the step to predict
     * @return the prediction, or empty when no model could be fitted
     */
    static Optional<Prediction> predict(List<double[]> points, int at) {
        int n = points.size();
        // steps shifted so that the first is 1: the power law needs t > 0
        double shift = 1 - points.get(0)[0];
        double[] t = new double[n];
        double[] y = new double[n];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            t[i] = points.get(i)[0] + shift;
            y[i] = points.get(i)[1];
            min = Math.min(min, y[i]);
            max = Math.max(max, y[i]);
        }
        double scale = Math.max(max - min, 1e-12 + 1e-9 * Math.abs(max));
        double target = at + shift;
        List<double[]> fits = new ArrayList<>(); // logLikelihood, mean, sd
        List<Model> models = new ArrayList<>();
        for (Model model : Model.values()) {
            double[] fit = fit(model, t, y, target, scale);
            if (fit != null) {
                fits.add(fit);
                models.add(model);
            }
        }
        if (fits.isEmpty()) {
            return Optional.empty();
        }
        double maxLl = fits.stream().mapToDouble(f -> f[0]).max().orElseThrow();
        double total = fits.stream().mapToDouble(f -> Math.exp(f[0] - maxLl)).sum();
        List<Component> components = new ArrayList<>();
        for (int i = 0; i < fits.size(); i++) {
            double[] f = fits.get(i);
            components.add(new Component(models.get(i), Math.exp(f[0] - maxLl) / total, f[1], f[2]));
        }
        return Optional.of(new Prediction(List.copyOf(components)));
    }

    /** @return {log likelihood, mean, sd} at the target step, or null when the fit failed */
    private static double[] fit(Model model, double[] t, double[] y, double target, double scale) {
        int n = t.length;
        MultivariateJacobianFunction f = point -> {
            double[] p = point.toArray();
            RealVector values = new ArrayRealVector(n);
            RealMatrix jacobian = new Array2DRowRealMatrix(n, 3);
            for (int i = 0; i < n; i++) {
                values.setEntry(i, model.value(t[i], p));
                jacobian.setRow(i, model.gradient(t[i], p));
            }
            return new Pair<>(values, jacobian);
        };
        double last = y[n - 1];
        double c0 = model == Model.POWER_LAW ? 0.5 : 0.3;
        double b0 = (y[0] - last) / (model.shape(t[0], c0) - model.shape(t[n - 1], c0));
        double a0 = last - b0 * model.shape(t[n - 1], c0);
        LeastSquaresOptimizer.Optimum optimum;
        try {
            optimum = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
                    .model(f)
                    .target(y)
                    .start(new double[] {a0, b0, Math.log(c0)})
                    .parameterValidator(v -> {
                        v.setEntry(2, Math.max(-6, Math.min(3, v.getEntry(2))));
                        return v;
                    })
                    .maxEvaluations(2000)
                    .maxIterations(2000)
                    .build());
        } catch (MathIllegalStateException e) {
            return null; // did not converge: leave this model out
        }
        double[] p = optimum.getPoint().toArray();
        double rss = optimum.getResiduals().dotProduct(optimum.getResiduals());
        // a floor on the noise (a fraction of the last value) so that a perfect fit of a few points is not taken
        // as certainty; with 3 points the floor is the only estimate
        double floor = NOISE_FLOOR * Math.max(Math.abs(y[n - 1]), 1e-4 * scale);
        double sigma2 = Math.max(n > 3 ? rss / (n - 3) : 0, floor * floor);
        double mean = model.value(target, p);
        double[] g = model.gradient(target, p);
        // delta method; the pseudo-inverse of J'J also covers a flat curve, where the rate is not identified
        RealMatrix j = optimum.getJacobian();
        RealMatrix cov = new SingularValueDecomposition(j.transpose().multiply(j)).getSolver().getInverse();
        RealVector gv = new ArrayRealVector(g);
        double var = sigma2 * gv.dotProduct(cov.operate(gv));
        if (!Double.isFinite(mean) || !Double.isFinite(var) || var < 0) {
            return null;
        }
        // the fit's likelihood, with the noise floor added so that exact fits of few points weigh the same
        double logLikelihood = -0.5 * n * Math.log((rss + n * floor * floor) / n);
        return new double[] {logLikelihood, mean, Math.sqrt(var + sigma2)};
    }
}
