package dev.tuna.search.sampler.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GpLbfgsbTest {
    private static final Lbfgsb.Function ROSENBROCK = (x, g) -> {
        double a = 1 - x[0];
        double b = x[1] - x[0] * x[0];
        g[0] = -2 * a - 400 * x[0] * b;
        g[1] = 200 * b;
        return a * a + 100 * b * b;
    };

    @Test
    void findsUnconstrainedMinimumOfRosenbrock() {
        Lbfgsb.Result r = Lbfgsb.minimize(ROSENBROCK, new double[] {-1.2, 1}, new double[] {-5, -5},
                new double[] {5, 5}, 500, 1e-12);
        assertThat(r.x()[0]).isCloseTo(1, within(1e-4));
        assertThat(r.x()[1]).isCloseTo(1, within(1e-4));
    }

    @Test
    void stopsOnActiveBound() {
        // With x0 <= 0.5 the minimum is on the bound at (0.5, 0.25).
        Lbfgsb.Result r = Lbfgsb.minimize(ROSENBROCK, new double[] {-1.2, 1}, new double[] {-5, -5},
                new double[] {0.5, 5}, 500, 1e-12);
        assertThat(r.x()[0]).isEqualTo(0.5);
        assertThat(r.x()[1]).isCloseTo(0.25, within(1e-4));
    }

    @Test
    void holdsDimensionsWithEqualBounds() {
        Lbfgsb.Result r = Lbfgsb.minimize(ROSENBROCK, new double[] {0.3, 1}, new double[] {0.3, -5},
                new double[] {0.3, 5}, 500, 1e-12);
        assertThat(r.x()[0]).isEqualTo(0.3);
        assertThat(r.x()[1]).isCloseTo(0.09, within(1e-5));
    }
}
