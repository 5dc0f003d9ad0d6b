package dev.tuna.search.sampler.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GpAcquisitionOptimizerTest {
    private static final boolean[] TWO = {false, false};
    private static final double[][] CONTINUOUS = {null, null};

    private static GaussianProcess gp(double lengthscale) {
        SplittableRandom random = new SplittableRandom(11);
        int n = 15;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {random.nextDouble(), random.nextDouble()};
            y[i] = Math.pow(x[i][0] - 0.3, 2) + Math.pow(x[i][1] - 0.7, 2);
        }
        OutputTransform.standardise(y);
        double l = Math.log(lengthscale);
        return new GaussianProcess(x, y, TWO, new double[] {l, l, 0, Math.log(1e-4)});
    }

    @Test
    void severalPosteriorsScoreTheLogOfTheirMeanEi() {
        GaussianProcess a = gp(0.3);
        GaussianProcess b = gp(0.15);
        AcquisitionOptimizer both = new AcquisitionOptimizer(List.of(a, b), new double[] {-1.2, -1.0}, CONTINUOUS);
        double[] q = {0.35, 0.6};
        double[] pa = a.posterior(q, null, null);
        double[] pb = b.posterior(q, null, null);
        double ei = 0.5 * (Math.exp(LogEi.value(pa[0], Math.sqrt(pa[1]), -1.2))
                + Math.exp(LogEi.value(pb[0], Math.sqrt(pb[1]), -1.0)));
        assertThat(both.logEi(q)).isCloseTo(Math.log(ei), within(1e-12));
    }

    @Test
    void logMeanExpStaysFiniteWhereExpUnderflows() {
        assertThat(AcquisitionOptimizer.logMeanExp(new double[] {-2000, -2000 - Math.log(3)}))
                .isCloseTo(-2000 + Math.log((1 + 1.0 / 3) / 2), within(1e-9));
        assertThat(AcquisitionOptimizer.logMeanExp(new double[] {-5})).isEqualTo(-5);
    }

    @Test
    void aCopiedPosteriorChangesNothing() {
        // Equal members get equal weights that sum to one: the same gradient, so the same refined point.
        GaussianProcess a = gp(0.3);
        List<double[]> incumbents = List.of(new double[] {0.3, 0.7});
        double[] one = new AcquisitionOptimizer(a, -1.1, CONTINUOUS).maximise(new SplittableRandom(3), incumbents);
        double[] two = new AcquisitionOptimizer(List.of(a, a), new double[] {-1.1, -1.1}, CONTINUOUS)
                .maximise(new SplittableRandom(3), incumbents);
        assertThat(two).containsExactly(one, within(1e-9));
    }

    @Test
    void maximiseNearStaysInTheBoxOfContinuousDimensionsOnly() {
        // EI is highest near (0.3, 0.7), far outside the box around (0.8, 0.2) in the continuous dimension.
        GaussianProcess a = gp(0.3);
        double[] centre = {0.8, 0.2};
        List<double[]> incumbents = List.of(new double[] {0.3, 0.7});
        double[] global = new AcquisitionOptimizer(a, -1.1, CONTINUOUS).maximise(new SplittableRandom(3), incumbents);
        assertThat(Math.abs(global[0] - centre[0])).isGreaterThan(0.2);
        for (int seed = 0; seed < 5; seed++) {
            double[] near = new AcquisitionOptimizer(a, -1.1, CONTINUOUS)
                    .maximiseNear(new SplittableRandom(seed), incumbents, centre, 0.1, p -> false);
            assertThat(near[0]).isBetween(0.7, 0.9);
            assertThat(near[1]).isBetween(0.1, 0.3);
        }
        // A discrete dimension keeps its whole grid: 0.75, near the optimum but far outside the box in that
        // dimension, is still chosen.
        double[][] grids = {null, {0.1, 0.75}};
        double[] mixed = new AcquisitionOptimizer(a, -1.1, grids)
                .maximiseNear(new SplittableRandom(1), List.of(new double[] {0.3, 0.1}), new double[] {0.3, 0.1}, 0.1,
                        p -> false);
        assertThat(mixed[0]).isBetween(0.2, 0.4);
        assertThat(mixed[1]).isEqualTo(0.75);
    }

    @Test
    void rejectsMismatchedIncumbents() {
        GaussianProcess a = gp(0.3);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new AcquisitionOptimizer(List.of(a, a), new double[] {0}, CONTINUOUS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gps and bests");
    }
}
