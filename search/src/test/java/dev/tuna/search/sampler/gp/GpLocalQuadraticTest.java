package dev.tuna.search.sampler.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.api.Test;

class GpLocalQuadraticTest {
    private static final boolean[] CONTINUOUS2 = {false, false};
    private static final double[] MATERN2 = {Math.log(0.5), Math.log(0.5), 0, Math.log(1e-6)};

    @Test
    void valueAtTheCentreIsTheVarianceAndFallsOffWithTheWindow() {
        LocalQuadratic term = new LocalQuadratic(new double[] {0.5, 0.5}, 0.1, 0.3, CONTINUOUS2);
        assertThat(term.value(new double[] {0.5, 0.5}, new double[] {0.5, 0.5})).isCloseTo(0.3, within(1e-15));
        // u = (1, 0): w^2 (1 + 1)^2 = 4 / e
        assertThat(term.value(new double[] {0.6, 0.5}, new double[] {0.6, 0.5})).isCloseTo(0.3 * 4 / Math.E, within(1e-12));
        assertThat(term.value(new double[] {0.95, 0.05}, new double[] {0.95, 0.05})).isLessThan(1e-12);
    }

    @Test
    void categoricalDimensionsTakeNoPart() {
        boolean[] categorical = {false, true};
        LocalQuadratic term = new LocalQuadratic(new double[] {0.4, 1}, 0.2, 1, categorical);
        double[] a = {0.5, 0};
        double[] b = {0.3, 2};
        assertThat(term.value(a, b)).isEqualTo(term.value(new double[] {0.5, 1}, new double[] {0.3, 1}));
        double[] gradient = new double[2];
        term.addGradients(term.anchor(a), term.anchor(b), 1, gradient, 1, gradient);
        term.addDiagonalGradient(term.anchor(a), gradient);
        assertThat(gradient[1]).isZero();
    }

    @Test
    void gramMatrixIsPositiveSemidefinite() {
        SplittableRandom random = new SplittableRandom(3);
        LocalQuadratic term = new LocalQuadratic(new double[] {0.3, 0.6, 0.5}, 0.15, 2, new boolean[3]);
        int n = 30;
        double[][] points = new double[n][];
        for (int i = 0; i < n; i++) {
            points[i] = new double[] {random.nextDouble(), random.nextDouble(), random.nextDouble()};
        }
        double[][] gram = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                gram[i][k] = term.value(points[i], points[k]);
            }
        }
        double[] eigenvalues = new EigenDecomposition(new Array2DRowRealMatrix(gram)).getRealEigenvalues();
        for (double e : eigenvalues) {
            assertThat(e).isGreaterThan(-1e-10);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LocalQuadratic term = new LocalQuadratic(new double[] {0.4, 0.55}, 0.12, 0.7, CONTINUOUS2);
        double[] q = {0.47, 0.5};
        double[] b = {0.35, 0.62};
        double[] gradient = new double[2];
        double[] diagonal = new double[2];
        term.addGradients(term.anchor(q), term.anchor(b), 2.5, gradient, 0, new double[2]);
        term.addDiagonalGradient(term.anchor(q), diagonal);
        double h = 1e-7;
        for (int j = 0; j < 2; j++) {
            double[] up = q.clone();
            double[] down = q.clone();
            up[j] += h;
            down[j] -= h;
            assertThat(gradient[j]).isCloseTo(2.5 * (term.value(up, b) - term.value(down, b)) / (2 * h), within(1e-5));
            assertThat(diagonal[j]).isCloseTo((term.value(up, up) - term.value(down, down)) / (2 * h), within(1e-5));
        }
    }

    @Test
    void posteriorGradientsWithTheTermMatchFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(5);
        int n = 12;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {0.4 + 0.2 * random.nextDouble(), 0.4 + 0.2 * random.nextDouble()};
            y[i] = valley(x[i]);
        }
        LocalQuadratic term = new LocalQuadratic(new double[] {0.5, 0.5}, 0.1, 0.5, CONTINUOUS2);
        GaussianProcess gp = new GaussianProcess(x, y, CONTINUOUS2, MATERN2, term);
        GpGaussianProcessTest.assertPosteriorGradientsMatchFiniteDifferences(gp, new double[] {0.53, 0.46},
                new int[] {0, 1}, 1e-4);
    }

    @Test
    void priorVarianceOfTheTermPeaksOnTheSphereOfRadiusScale() {
        LocalQuadratic term = new LocalQuadratic(new double[] {0.5, 0.5}, 0.12, 1, CONTINUOUS2);
        double best = 0;
        double argmax = -1;
        for (int i = 0; i <= 400; i++) {
            double r = 0.4 * i / 400;
            double[] q = {0.5 + r / Math.sqrt(2), 0.5 - r / Math.sqrt(2)};
            double v = term.value(q, q);
            if (v > best) {
                best = v;
                argmax = r;
            }
        }
        assertThat(argmax).isCloseTo(0.12, within(0.002));
        assertThat(best).isCloseTo(4 / Math.E, within(1e-4));
    }

    /** A narrow valley along the diagonal. */
    private static double valley(double[] x) {
        double across = x[0] - x[1];
        double along = x[0] + x[1] - 1;
        return 50 * across * across + along * along + 0.3 * along;
    }
}
