package dev.tuna.search.sampler.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Test;

class GpMapFitTest {
    private static final boolean[] ONE = {false};

    /** n points of a smooth 1-D function with a little noise. */
    private static double[][] inputs(int n) {
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {(i + 0.5) / n};
        }
        return x;
    }

    private static double[] outputs(double[][] x, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.sin(6 * x[i][0]) + 0.1 * random.nextGaussian();
        }
        OutputTransform.standardise(y);
        return y;
    }

    @Test
    void laplaceSamplesHaveTheInverseHessianAsCovariance() {
        double[][] x = inputs(30);
        double[] y = outputs(x, 3);
        double[] map = MapFit.fit(x, y, ONE, MapFit.defaultStart(1, false), false, 200);
        List<double[]> samples = MapFit.laplaceSamples(x, y, ONE, map, false, 4000, new SplittableRandom(5));
        assertThat(samples).hasSize(8000);

        // The Hessian again, here from second differences of the value alone (not of the analytic gradient).
        Lbfgsb.Function f = MapFit.negativeLogPosterior(x, y, ONE, false);
        double[] unused = new double[3];
        double h = 1e-3;
        RealMatrix hessian = new Array2DRowRealMatrix(3, 3);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double[] pp = map.clone();
                double[] pm = map.clone();
                double[] mp = map.clone();
                double[] mm = map.clone();
                pp[i] += h;
                pp[j] += h;
                pm[i] += h;
                pm[j] -= h;
                mp[i] -= h;
                mp[j] += h;
                mm[i] -= h;
                mm[j] -= h;
                hessian.setEntry(i, j, (f.value(pp, unused) - f.value(pm, unused) - f.value(mp, unused)
                        + f.value(mm, unused)) / (4 * h * h));
            }
        }
        RealMatrix covariance = new LUDecomposition(hessian).getSolver().getInverse();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double empirical = 0;
                for (double[] s : samples) {
                    empirical += (s[i] - map[i]) * (s[j] - map[j]);
                }
                empirical /= samples.size();
                double scale = Math.sqrt(covariance.getEntry(i, i) * covariance.getEntry(j, j));
                assertThat(empirical).as("covariance %d %d", i, j)
                        .isCloseTo(covariance.getEntry(i, j), within(0.1 * scale));
            }
        }
    }

    @Test
    void laplaceSamplesComeInAntitheticPairsInsideTheBounds() {
        double[][] x = inputs(12);
        double[] y = outputs(x, 7);
        double[] map = MapFit.fit(x, y, ONE, MapFit.defaultStart(1, false), false, 200);
        List<double[]> samples = MapFit.laplaceSamples(x, y, ONE, map, false, 50, new SplittableRandom(1));
        assertThat(samples).hasSize(100);
        for (int s = 0; s < samples.size(); s += 2) {
            double[] minus = samples.get(s);
            double[] plus = samples.get(s + 1);
            for (int i = 0; i < 3; i++) {
                double low = i == 2 ? Math.log(MapFit.MIN_NOISE) : Math.log(0.01);
                double high = i == 2 ? 0 : Math.log(100);
                assertThat(minus[i]).isBetween(low, high);
                assertThat(plus[i]).isBetween(low, high);
                if (minus[i] > low && minus[i] < high && plus[i] > low && plus[i] < high) {
                    assertThat(minus[i] + plus[i]).isCloseTo(2 * map[i], within(1e-9));
                }
            }
        }
    }

    @Test
    void moreDataNarrowTheSamplesAndADeterministicNoiseStaysFixed() {
        double spreadFew = spread(inputs(8));
        double spreadMany = spread(inputs(80));
        assertThat(spreadMany).isLessThan(0.5 * spreadFew);

        double[][] x = inputs(10);
        double[] y = outputs(x, 2);
        double[] map = MapFit.fit(x, y, ONE, MapFit.defaultStart(1, true), true, 200);
        for (double[] s : MapFit.laplaceSamples(x, y, ONE, map, true, 20, new SplittableRandom(4))) {
            assertThat(s[2]).isEqualTo(Math.log(MapFit.MIN_NOISE));
        }
    }

    /** Mean distance of the log lengthscale samples from the MAP one. */
    private static double spread(double[][] x) {
        double[] y = outputs(x, 9);
        double[] map = MapFit.fit(x, y, ONE, MapFit.defaultStart(1, false), false, 200);
        double sum = 0;
        List<double[]> samples = MapFit.laplaceSamples(x, y, ONE, map, false, 200, new SplittableRandom(8));
        for (double[] s : samples) {
            sum += Math.abs(s[0] - map[0]);
        }
        return sum / samples.size();
    }
}
