package dev.tuna.search.pruner;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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

    /** A partial curve: steps shifted so that the first is 1 (the power law needs t &gt; 0). */
    private record Series(double[] t, double[] y, double shift, double scale) {
        static Series of(List<double[]> points) {
            int n = points.size();
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
            return new Series(t, y, shift, Math.max(max - min, 1e-12 + 1e-9 * Math.abs(max)));
        }

        int n() {
            return t.length;
        }

        /** The least noise assumed on a value: a fraction of the last value. */
        double noiseFloor() {
            return NOISE_FLOOR * Math.max(Math.abs(y[n() - 1]), 1e-4 * scale);
        }
    }

    /**
     * The fitted log-rate of each model on a whole curve (to learn a prior from finished trials); a model that
     * could not be fitted is left out.
     */
    static Map<Model, Double> logRates(List<double[]> points) {
        Map<Model, Double> rates = new EnumMap<>(Model.class);
        if (points.size() < 4) {
            return rates;
        }
        Series s = Series.of(points);
        for (Model model : Model.values()) {
            LeastSquaresOptimizer.Optimum o = optimum(model, s, null);
            if (o != null) {
                rates.put(model, o.getPoint().getEntry(2));
            }
        }
        return rates;
    }

    /** {@link #predict(List, int, Map)} without priors. */
    static Optional<Prediction> predict(List<double[]> points, int at) {
        return predict(points, at, Map.of());
    }

    /**
     * @param points (step, value) pairs, steps increasing
     * @param at     the step to predict
     * @param priors per model, a normal prior {mean, sd} on its log-rate (learned from finished trials), which
     *               steadies the fit of the first few points
     * @return the prediction, or empty when no model could be fitted
     */
    static Optional<Prediction> predict(List<double[]> points, int at, Map<Model, double[]> priors) {
        Series s = Series.of(points);
        double target = at + s.shift();
        List<double[]> fits = new ArrayList<>(); // logLikelihood, mean, sd
        List<Model> models = new ArrayList<>();
        for (Model model : Model.values()) {
            double[] fit = fit(model, s, target, priors.get(model));
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

    /** Levenberg-Marquardt fit of a model, with a prior {mean, sd} on the log-rate as one more residual; null if it failed. */
    private static LeastSquaresOptimizer.Optimum optimum(Model model, Series s, double[] prior) {
        int n = s.n();
        double[] t = s.t();
        double[] y = s.y();
        int rows = prior == null ? n : n + 1;
        // the prior's residual is in units of the noise: sigma (log c - mean) / sd
        double priorWeight = prior == null ? 0 : s.noiseFloor() / prior[1];
        MultivariateJacobianFunction f = point -> {
            double[] p = point.toArray();
            RealVector values = new ArrayRealVector(rows);
            RealMatrix jacobian = new Array2DRowRealMatrix(rows, 3);
            for (int i = 0; i < n; i++) {
                values.setEntry(i, model.value(t[i], p));
                jacobian.setRow(i, model.gradient(t[i], p));
            }
            if (prior != null) {
                values.setEntry(n, priorWeight * p[2]);
                jacobian.setRow(n, new double[] {0, 0, priorWeight});
            }
            return new Pair<>(values, jacobian);
        };
        double[] target = prior == null ? y : java.util.Arrays.copyOf(y, rows);
        if (prior != null) {
            target[n] = priorWeight * prior[0];
        }
        double last = y[n - 1];
        double c0 = prior != null ? Math.exp(prior[0]) : model == Model.POWER_LAW ? 0.5 : 0.3;
        double b0 = (y[0] - last) / (model.shape(t[0], c0) - model.shape(t[n - 1], c0));
        double a0 = last - b0 * model.shape(t[n - 1], c0);
        try {
            return new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
                    .model(f)
                    .target(target)
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
    }

    /** @return {log likelihood, mean, sd} at the target step, or null when the fit failed */
    private static double[] fit(Model model, Series s, double target, double[] prior) {
        LeastSquaresOptimizer.Optimum optimum = optimum(model, s, prior);
        if (optimum == null) {
            return null;
        }
        int n = s.n();
        double[] p = optimum.getPoint().toArray();
        RealVector residuals = optimum.getResiduals();
        double rss = 0;
        for (int i = 0; i < n; i++) {
            rss += residuals.getEntry(i) * residuals.getEntry(i);
        }
        // with the noise floor, a near-exact fit of a few points is not taken as certainty; with 3 points and no
        // prior the floor is the only estimate of the noise
        double floor = s.noiseFloor();
        int dof = prior == null ? n - 3 : n - 2;
        double sigma2 = Math.max(dof > 0 ? rss / dof : 0, floor * floor);
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
