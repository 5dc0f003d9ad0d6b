package dev.tuna.web.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BraninTest {

    @Test
    void reachesItsOptimumAtEachOfTheThreeMinimisers() {
        assertThat(Branin.value(-Math.PI, 12.275)).isCloseTo(Branin.OPTIMUM, within(1e-6));
        assertThat(Branin.value(Math.PI, 2.275)).isCloseTo(Branin.OPTIMUM, within(1e-6));
        assertThat(Branin.value(9.42478, 2.475)).isCloseTo(Branin.OPTIMUM, within(1e-6));
    }

    @Test
    void matchesTheTextbookValueAtTheOrigin() {
        // (0 - 6)^2 + 10 (1 - 1/(8 pi)) cos 0 + 10
        assertThat(Branin.value(0, 0)).isCloseTo(55.602113, within(1e-6));
    }

    @Test
    void nothingOnAGridOfTheDomainIsBelowTheOptimum() {
        for (double x1 = Branin.X1_LOW; x1 <= Branin.X1_HIGH; x1 += 0.05) {
            for (double x2 = Branin.X2_LOW; x2 <= Branin.X2_HIGH; x2 += 0.05) {
                assertThat(Branin.value(x1, x2)).isGreaterThanOrEqualTo(Branin.OPTIMUM - 1e-6);
            }
        }
    }
}
