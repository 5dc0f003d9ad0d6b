package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParameterImportanceTest {
    private static final FloatDistribution UNIT = new FloatDistribution(0, 1);
    private static final FloatDistribution LOG = new FloatDistribution(1e-4, 1, true, null);
    private static final IntDistribution UNITS = new IntDistribution(1, 4);
    private static final CategoricalDistribution OPT = CategoricalDistribution.of(List.of("adam", "sgd", "rmsprop"));

    private static FrozenTrial trial(int number, Map<String, Object> params, Map<String, Distribution> d, double value) {
        return new FrozenTrial(number, TrialState.COMPLETE, params, d, value, null, null, null, null, null, null, null);
    }

    /** Trials of y = f(a, lr, units, opt) at random points. */
    private static List<FrozenTrial> trials(int n, long seed, java.util.function.ToDoubleFunction<Object[]> f) {
        Random r = new Random(seed);
        Map<String, Distribution> d = new LinkedHashMap<>();
        d.put("a", UNIT);
        d.put("lr", LOG);
        d.put("units", UNITS);
        d.put("opt", OPT);
        List<FrozenTrial> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Object[] x = {r.nextDouble(), LOG.fromUnit(r.nextDouble()), 1 + r.nextInt(4), OPT.choices().get(r.nextInt(3))};
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("a", x[0]);
            p.put("lr", x[1]);
            p.put("units", x[2]);
            p.put("opt", x[3]);
            list.add(trial(i, p, d, f.applyAsDouble(x) + 0.01 * r.nextGaussian()));
        }
        return list;
    }

    @Test
    void theParameterThatDrivesTheValueComesFirst() {
        Map<String, Double> imp = ParameterImportance.of(trials(200, 1, x -> 10 * (double) x[0]));
        assertThat(imp.keySet()).first().isEqualTo("a");
        assertThat(imp.get("a")).isGreaterThan(0.9);
        assertThat(imp.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void logScalesAndCategoriesAreGroupedByTheirOwnMeasure() {
        // The value depends on the order of magnitude of lr and on the optimizer, not on a or units.
        Map<String, Double> imp = ParameterImportance.of(trials(300, 2, x -> Math.log10((double) x[1])
                + ("sgd".equals(x[3]) ? 2 : 0)));
        assertThat(imp.keySet()).containsSubsequence("lr", "opt");
        assertThat(imp.get("lr") + imp.get("opt")).isGreaterThan(0.9);
        assertThat(imp.getOrDefault("a", 0.0)).isLessThan(0.05);
        assertThat(imp.getOrDefault("units", 0.0)).isLessThan(0.05);
    }

    @Test
    void tooFewTrialsOrNoSpreadGiveNothing() {
        assertThat(ParameterImportance.of(trials(3, 3, x -> (double) x[0]))).isEmpty();
        List<FrozenTrial> flat = trials(50, 4, x -> 1.0).stream()
                .map(t -> trial(t.number(), t.params(), t.distributions(), 1.0)).toList();
        assertThat(ParameterImportance.of(flat)).isEmpty();
    }
}
