package dev.tuna.search.sampler.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpUnitEncodingTest {

    @Test
    void everyDiscreteValueRoundTripsThroughItsCellCentre() {
        List<Distribution> discrete = List.of(new IntDistribution(-3, 7), new IntDistribution(1, 1000, true, 1),
                new IntDistribution(16, 512, false, 16), new FloatDistribution(0, 0.5, false, 0.05),
                CategoricalDistribution.of(List.of("a", "b", "c")));
        for (Distribution d : discrete) {
            int count = d instanceof CategoricalDistribution c ? c.choices().size() : 0;
            List<Double> internals = new java.util.ArrayList<>();
            if (d instanceof IntDistribution i) {
                for (int v = i.low(); v <= i.high(); v += i.step()) {
                    internals.add((double) v);
                }
            } else if (d instanceof FloatDistribution f) {
                for (int k = 0; k <= 10; k++) {
                    internals.add(f.low() + k * f.step());
                }
            } else {
                for (int k = 0; k < count; k++) {
                    internals.add((double) k);
                }
            }
            for (double v : internals) {
                double u = UnitEncoding.encode(d, v);
                Object back = UnitEncoding.decode(d, u);
                assertThat(d.toInternal(back)).as("%s value %s", d, v).isCloseTo(v, within(1e-9));
                if (!(d instanceof CategoricalDistribution)) {
                    assertThat(u).isStrictlyBetween(0.0, 1.0);
                }
            }
        }
    }

    @Test
    void continuousScalesAreLinearOrLogarithmicAndGridsAreSmallOnly() {
        FloatDistribution log = new FloatDistribution(1e-5, 1e-1, true, null);
        assertThat(UnitEncoding.encode(log, 1e-3)).isCloseTo(0.5, within(1e-12));
        assertThat((Double) UnitEncoding.decode(log, 0.5)).isCloseTo(1e-3, within(1e-15));
        assertThat(UnitEncoding.encode(new FloatDistribution(-5, 10), 2.5)).isCloseTo(0.5, within(1e-12));
        assertThat(UnitEncoding.grid(new FloatDistribution(0, 1))).isNull();
        assertThat(UnitEncoding.grid(new IntDistribution(0, 1000))).isNull();
        assertThat(UnitEncoding.grid(new IntDistribution(0, 3))).containsExactly(0.125, 0.375, 0.625, 0.875);
        assertThat(UnitEncoding.grid(CategoricalDistribution.of(List.of(true, false)))).containsExactly(0.0, 1.0);
    }
}
