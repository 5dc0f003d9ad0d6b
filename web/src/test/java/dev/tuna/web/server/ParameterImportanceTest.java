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
    void valuesNearTheLargestDoubleStillHaveAnImportance() {
        // Values of 1e305 to 1.6e308 overflowed the variances to infinity: no parameter explained anything.
        Map<String, Double> imp = ParameterImportance.of(trials(200, 1, x -> 1e305 + 1.5e308 * (double) x[0]));
        assertThat(imp.keySet()).first().isEqualTo("a");
        assertThat(imp.get("a")).isGreaterThan(0.9);
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
    void anAdditiveFunctionsSharesAreItsTermsVariances() {
        // Over the unit square, Var(a) = 1/12 and Var(2 b) = 4/12: the shares are 1/5 and 4/5.
        Random r = new Random(5);
        Map<String, Distribution> d = new LinkedHashMap<>();
        d.put("a", UNIT);
        d.put("b", UNIT);
        List<FrozenTrial> list = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            double a = r.nextDouble();
            double b = r.nextDouble();
            list.add(trial(i, Map.of("a", a, "b", b), d, a + 2 * b));
        }
        Map<String, Double> imp = ParameterImportance.of(list);
        assertThat(imp.keySet()).containsExactly("b", "a");
        assertThat(imp.get("b")).isCloseTo(0.8, within(0.05));
        assertThat(imp.get("a")).isCloseTo(0.2, within(0.05));
    }

    @Test
    void onlyCompletedTrialsCountAndTheSameTrialsGiveTheSameAnswer() {
        List<FrozenTrial> done = trials(100, 6, x -> 10 * (double) x[0]);
        List<FrozenTrial> withOthers = new ArrayList<>(done);
        // Pruned trials whose last values would say that units matter: ignored.
        trials(100, 7, x -> 100 * (int) x[2]).forEach(t -> withOthers.add(new FrozenTrial(t.number() + 100, TrialState.PRUNED,
                t.params(), t.distributions(), t.value(), null, null, null, null, null, null, null)));
        assertThat(ParameterImportance.of(withOthers)).isEqualTo(ParameterImportance.of(done));
        assertThat(ParameterImportance.of(done).keySet()).first().isEqualTo("a");
    }

    @Test
    void tooFewTrialsOrNoSpreadGiveNothing() {
        assertThat(ParameterImportance.of(trials(3, 3, x -> (double) x[0]))).isEmpty();
        List<FrozenTrial> flat = trials(50, 4, x -> 1.0).stream()
                .map(t -> trial(t.number(), t.params(), t.distributions(), 1.0)).toList();
        assertThat(ParameterImportance.of(flat)).isEmpty();
    }
}
