package dev.tuna.search.sampler.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.junit.jupiter.api.Test;

class GpGaussianProcessTest {
    private static final boolean[] CONTINUOUS2 = {false, false};

    private static double matern(double r) {
        return (1 + Math.sqrt(5) * r + 5 * r * r / 3) * Math.exp(-Math.sqrt(5) * r);
    }

    @Test
    void onePointPosteriorMatchesClosedForm() {
        double s = 2.0;
        double noise = 0.1;
        double l = 0.5;
        double[] hyper = {Math.log(l), Math.log(l), Math.log(s), Math.log(noise)};
        GaussianProcess gp = new GaussianProcess(new double[][] {{0.2, 0.4}}, new double[] {1.5}, CONTINUOUS2, hyper);
        double[] q = {0.5, 0.0};
        double r = Math.hypot(0.3, 0.4) / l;
        double k = s * matern(r);
        double[] p = gp.posterior(q, null, null);
        assertThat(p[0]).isCloseTo(k * 1.5 / (s + noise), within(1e-12));
        assertThat(p[1]).isCloseTo(s - k * k / (s + noise), within(1e-12));
        double logMl = -0.5 * 1.5 * 1.5 / (s + noise) - 0.5 * Math.log(s + noise) - 0.5 * Math.log(2 * Math.PI);
        assertThat(gp.logMarginalLikelihood()).isCloseTo(logMl, within(1e-12));
    }

    @Test
    void posteriorMatchesDenseSolveWithCategoricalDimension() {
        SplittableRandom random = new SplittableRandom(1);
        boolean[] categorical = {false, true, false};
        int n = 12;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {random.nextDouble(), random.nextInt(3), random.nextDouble()};
            y[i] = random.nextGaussian();
        }
        double[] hyper = {Math.log(0.3), Math.log(0.8), Math.log(0.6), Math.log(1.3), Math.log(0.01)};
        GaussianProcess gp = new GaussianProcess(x, y, categorical, hyper);
        RealMatrix kMatrix = new Array2DRowRealMatrix(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                kMatrix.setEntry(i, j, k(x[i], x[j], hyper, categorical) + (i == j ? 0.01 : 0));
            }
        }
        double[] q = {0.4, 1, 0.7};
        RealVector kq = new ArrayRealVector(n);
        for (int i = 0; i < n; i++) {
            kq.setEntry(i, k(q, x[i], hyper, categorical));
        }
        var solver = new LUDecomposition(kMatrix).getSolver();
        double mean = kq.dotProduct(solver.solve(new ArrayRealVector(y)));
        double var = 1.3 - kq.dotProduct(solver.solve(kq));
        double[] p = gp.posterior(q, null, null);
        assertThat(p[0]).isCloseTo(mean, within(1e-9));
        assertThat(p[1]).isCloseTo(var, within(1e-9));
    }

    private static double k(double[] a, double[] b, double[] hyper, boolean[] categorical) {
        double r2 = 0;
        for (int j = 0; j < a.length; j++) {
            double diff = categorical[j] ? (a[j] == b[j] ? 0 : 1) : a[j] - b[j];
            r2 += diff * diff / Math.exp(2 * hyper[j]);
        }
        return Math.exp(hyper[a.length]) * matern(Math.sqrt(r2));
    }

    @Test
    void analyticGradientsMatchFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(2);
        boolean[] categorical = {false, true, false};
        int n = 10;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {random.nextDouble(), random.nextInt(2), random.nextDouble()};
            y[i] = Math.sin(5 * x[i][0]) + x[i][1];
        }
        double[] hyper = {Math.log(0.4), Math.log(1.1), Math.log(0.7), Math.log(0.9), Math.log(0.05)};
        double[] gradient = new double[hyper.length];
        GaussianProcess.logLikelihoodGradient(x, y, categorical, hyper, gradient);
        for (int j = 0; j < hyper.length; j++) {
            double h = 1e-6;
            double[] up = hyper.clone();
            double[] down = hyper.clone();
            up[j] += h;
            down[j] -= h;
            double numeric = (new GaussianProcess(x, y, categorical, up).logMarginalLikelihood()
                    - new GaussianProcess(x, y, categorical, down).logMarginalLikelihood()) / (2 * h);
            assertThat(gradient[j]).as("hyperparameter %d", j).isCloseTo(numeric, within(1e-5 * Math.max(1, Math.abs(numeric))));
        }
        GaussianProcess gp = new GaussianProcess(x, y, categorical, hyper);
        assertPosteriorGradientsMatchFiniteDifferences(gp, new double[] {0.3, 1, 0.6}, new int[] {0, 2}, 1e-5);
    }

    /** The posterior's analytic gradients at {@code q} along {@code dimensions} against central differences. */
    static void assertPosteriorGradientsMatchFiniteDifferences(GaussianProcess gp, double[] q, int[] dimensions,
                                                               double tolerance) {
        double[] gm = new double[q.length];
        double[] gv = new double[q.length];
        gp.posterior(q, gm, gv);
        for (int j : dimensions) {
            double h = 1e-6;
            double[] up = q.clone();
            double[] down = q.clone();
            up[j] += h;
            down[j] -= h;
            double[] pu = gp.posterior(up, null, null);
            double[] pd = gp.posterior(down, null, null);
            assertThat(gm[j]).as("mean, dimension %d", j).isCloseTo((pu[0] - pd[0]) / (2 * h), within(tolerance));
            assertThat(gv[j]).as("variance, dimension %d", j).isCloseTo((pu[1] - pd[1]) / (2 * h), within(tolerance));
        }
    }

    @Test
    void profiledMeanLikelihoodGradientMatchesFiniteDifferencesAndBeatsZeroMean() {
        SplittableRandom random = new SplittableRandom(4);
        int n = 15;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {random.nextDouble(), random.nextDouble()};
            y[i] = 3 + Math.cos(4 * x[i][0]) * x[i][1]; // far from zero mean on purpose
        }
        double[] hyper = {Math.log(0.4), Math.log(0.9), Math.log(0.8), Math.log(0.02)};
        double[] gradient = new double[4];
        double profiled = GaussianProcess.logLikelihoodGradient(x, y, CONTINUOUS2, hyper, gradient, true);
        double zeroMean = GaussianProcess.logLikelihoodGradient(x, y, CONTINUOUS2, hyper, new double[4], false);
        assertThat(profiled).isGreaterThan(zeroMean);
        double m = new GaussianProcess(x, y, CONTINUOUS2, hyper).constantMean();
        double[] centred = y.clone();
        for (int i = 0; i < n; i++) {
            centred[i] -= m;
        }
        assertThat(profiled).isCloseTo(new GaussianProcess(x, centred, CONTINUOUS2, hyper).logMarginalLikelihood(), within(1e-9));
        for (int j = 0; j < hyper.length; j++) {
            double h = 1e-6;
            double[] up = hyper.clone();
            double[] down = hyper.clone();
            up[j] += h;
            down[j] -= h;
            double numeric = (GaussianProcess.logLikelihoodGradient(x, y, CONTINUOUS2, up, new double[4], true)
                    - GaussianProcess.logLikelihoodGradient(x, y, CONTINUOUS2, down, new double[4], true)) / (2 * h);
            assertThat(gradient[j]).as("hyperparameter %d", j).isCloseTo(numeric, within(1e-5 * Math.max(1, Math.abs(numeric))));
        }
    }

    @Test
    void mapFitLearnsShortLengthscaleForWigglyDimensionAndLongForFlatOne() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 40;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {random.nextDouble(), random.nextDouble()};
            y[i] = Math.sin(12 * x[i][0]);
        }
        double[] hyper = MapFit.fit(x, y, CONTINUOUS2, MapFit.defaultStart(2, true), true, 200);
        assertThat(hyper[0]).isLessThan(hyper[1] - 1);
        assertThat(hyper[3]).isCloseTo(Math.log(MapFit.MIN_NOISE), within(1e-12));
    }

    @Test
    void withTargetsGivesExactlyTheProcessFittedOnThoseTargets() {
        SplittableRandom random = new SplittableRandom(5);
        int n = 12;
        double[][] x = new double[n][2];
        double[] y = new double[n];
        double[] other = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = random.nextDouble();
            x[i][1] = random.nextDouble();
            y[i] = random.nextGaussian();
            other[i] = random.nextGaussian();
        }
        double[] hyper = {Math.log(0.3), Math.log(0.6), 0, Math.log(1e-3)};
        GaussianProcess shared = new GaussianProcess(x, y, CONTINUOUS2, hyper).withTargets(other);
        GaussianProcess fresh = new GaussianProcess(x, other, CONTINUOUS2, hyper);
        double[] q = {0.25, 0.75};
        assertThat(shared.posterior(q, null, null)).containsExactly(fresh.posterior(q, null, null));
        assertThat(shared.logMarginalLikelihood()).isEqualTo(fresh.logMarginalLikelihood());
        assertThat(shared.constantMean()).isEqualTo(fresh.constantMean());
    }
}
