package dev.tuna.search.sampler.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GpLogEiTest {

    /** EI straight from its definition, in doubles. */
    private static double ei(double mean, double sigma, double best) {
        double z = (best - mean) / sigma;
        return sigma * (z * LogEi.cdf(z) + LogEi.pdf(z));
    }

    @Test
    void matchesLogOfEiWhereEiIsRepresentable() {
        for (double z = -8; z <= 6; z += 0.25) {
            double sigma = 0.7;
            double mean = 1 - z * sigma;
            double expected = Math.log(ei(mean, sigma, 1));
            // The direct formula loses digits to cancellation as z falls; the tolerance follows its error.
            double tolerance = z > -3 ? 1e-12 : 1e-6;
            assertThat(LogEi.value(mean, sigma, 1)).as("z=%s", z).isCloseTo(expected, within(tolerance));
        }
    }

    @Test
    void bothBranchesAgreeAtTheSwitch() {
        double below = LogEi.logH(Math.nextDown(-3.0));
        double above = LogEi.logH(-3.0);
        assertThat(below).isCloseTo(above, within(1e-10));
        assertThat(LogEi.dLogH(Math.nextDown(-3.0))).isCloseTo(LogEi.dLogH(-3.0), within(1e-8));
    }

    @Test
    void finiteAndMonotoneWhereEiUnderflows() {
        assertThat(ei(60, 1, 0)).isZero();
        double previous = Double.NEGATIVE_INFINITY;
        for (double z = -1000; z <= -3; z += 0.5) {
            double v = LogEi.logH(z);
            assertThat(v).isFinite().isGreaterThan(previous);
            previous = v;
        }
        // Asymptotically h(z) ~ phi(z) / z^2.
        double z = -200;
        double asymptote = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z);
        assertThat(LogEi.logH(z)).isCloseTo(asymptote, within(1e-3));
    }

    @Test
    void derivativeMatchesFiniteDifference() {
        for (double z : new double[] {-50, -10, -4, -2, 0, 1.5}) {
            double h = 1e-6 * Math.max(1, Math.abs(z));
            double numeric = (LogEi.logH(z + h) - LogEi.logH(z - h)) / (2 * h);
            assertThat(LogEi.dLogH(z)).as("z=%s", z).isCloseTo(numeric, within(1e-5 * Math.max(1, Math.abs(numeric))));
        }
    }
}
