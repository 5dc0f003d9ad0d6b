package dev.tuna.search.sampler;

import static dev.tuna.search.sampler.RandomSamplerTest.run;
import static dev.tuna.search.sampler.RandomSamplerTest.study;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SobolSamplerTest {

    private static final Objective XY = trial -> {
        double x = trial.suggestFloat("x", 0, 1);
        double y = trial.suggestFloat("y", 0, 1);
        return x + y;
    };

    private static double[][] points(Sampler sampler, int n) {
        List<Map<String, Object>> params = run(study(sampler), XY, OptimizeOptions.trials(n));
        double[][] points = new double[n][];
        for (int i = 0; i < n; i++) {
            points[i] = new double[] {(Double) params.get(i).get("x"), (Double) params.get(i).get("y")};
        }
        return points;
    }

    /**
     * Hickernell's wrap-around L2 discrepancy, squared: invariant under shifts modulo 1, so a rotated Sobol design
     * scores as well as the plain one. A uniform random design of n points scores ((3/2)^d - (4/3)^d) / n on average.
     */
    private static double wrapAroundDiscrepancy(double[][] points) {
        int n = points.length;
        int d = points[0].length;
        double sum = 0;
        for (double[] a : points) {
            for (double[] b : points) {
                double product = 1;
                for (int k = 0; k < d; k++) {
                    double t = Math.abs(a[k] - b[k]);
                    product *= 1.5 - t * (1 - t);
                }
                sum += product;
            }
        }
        return sum / ((double) n * n) - Math.pow(4.0 / 3.0, d);
    }

    /** Asserts each of {@code bins} equal bins of [0, 1) holds exactly {@code values.size() / bins} values. */
    private static void assertStratified(List<Double> values, int bins) {
        int[] counts = new int[bins];
        for (double v : values) {
            assertThat(v).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
            counts[(int) Math.floor(v * bins)]++;
        }
        assertThat(counts).containsOnly(values.size() / bins);
    }

    private static List<Double> column(double[][] points, int k) {
        List<Double> c = new ArrayList<>();
        for (double[] p : points) {
            c.add(p[k]);
        }
        return c;
    }

    @Test
    void sameSeedGivesSameSuggestionsAndDifferentSeedsDiffer() {
        double[][] a = points(new SobolSampler(11), 32);
        double[][] b = points(new SobolSampler(11), 32);
        double[][] c = points(new SobolSampler(12), 32);
        assertThat(a).isDeepEqualTo(b);
        for (int i = 0; i < a.length; i++) {
            assertThat(c[i][0]).as("trial %d", i).isNotEqualTo(a[i][0]);
            assertThat(c[i][1]).as("trial %d", i).isNotEqualTo(a[i][1]);
        }
    }

    @Test
    void eachCoordinateOf64PointsFillsEvery64thOfTheRangeOnce() {
        // The first 2^m points of each Sobol coordinate are the multiples of 2^-m; a shift modulo 1 keeps one per bin.
        // 64 independent uniform points would do so with probability 64!/64^64, about 1e-27.
        for (long seed : new long[] {1, 2, 3}) {
            double[][] p = points(new SobolSampler(seed), 64);
            assertStratified(column(p, 0), 64);
            assertStratified(column(p, 1), 64);
        }
    }

    @Test
    void pointsAreSpreadMoreEvenlyThanRandomOnes() {
        double randomExpectation = (Math.pow(1.5, 2) - Math.pow(4.0 / 3.0, 2)) / 64;
        for (long seed : new long[] {1, 2, 3}) {
            double sobol = wrapAroundDiscrepancy(points(new SobolSampler(seed), 64));
            double random = wrapAroundDiscrepancy(points(new RandomSampler(seed), 64));
            assertThat(sobol).as("seed %d", seed).isLessThan(randomExpectation / 4).isLessThan(random / 4);
        }
    }

    @Test
    void intLogAndCategoricalParametersAreStratifiedToo() {
        List<String> choices = List.of("a", "b", "c", "d");
        Study study = study(new SobolSampler(5));
        List<Map<String, Object>> params = run(study, trial -> {
            int n = trial.suggestInt("n", 0, 7);
            double lr = trial.suggestFloat("lr", 1e-5, 1e-1, true);
            String c = trial.suggestCategorical("c", choices);
            int batch = trial.suggestInt("batch", 16, 256, true);
            return n + lr + c.length() + batch;
        }, OptimizeOptions.trials(64));
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(64);

        Map<Object, Integer> nCounts = new HashMap<>();
        Map<Object, Integer> cCounts = new HashMap<>();
        List<Double> lrUnit = new ArrayList<>();
        for (Map<String, Object> p : params) {
            nCounts.merge(p.get("n"), 1, Integer::sum);
            cCounts.merge(p.get("c"), 1, Integer::sum);
            double lr = (Double) p.get("lr");
            assertThat(lr).isBetween(1e-5, 1e-1);
            lrUnit.add((Math.log10(lr) + 5) / 4);
            assertThat((Integer) p.get("batch")).isBetween(16, 256);
        }
        assertThat(nCounts).hasSize(8).containsOnlyKeys(0, 1, 2, 3, 4, 5, 6, 7).allSatisfy((k, v) -> assertThat(v).isEqualTo(8));
        assertThat(cCounts).containsOnlyKeys(choices.toArray()).allSatisfy((k, v) -> assertThat(v).isEqualTo(16));
        assertStratified(lrUnit, 16); // log scale: even in log space
    }

    @Test
    void aParameterThatAppearsLaterStillGetsAWellSpreadCoordinate() {
        SobolSampler sampler = new SobolSampler(9);
        Study study = study(sampler);
        List<Map<String, Object>> params = run(study, trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            double y = trial.number() >= 64 ? trial.suggestFloat("y", 0, 1) : 0;
            return x + y;
        }, OptimizeOptions.trials(128));

        assertStratified(params.stream().map(p -> (Double) p.get("x")).toList(), 128);
        // Points 64..127 of a Sobol coordinate are also one per 64th of the range.
        List<Double> y = params.subList(64, 128).stream().map(p -> (Double) p.get("y")).toList();
        assertStratified(y, 64);
        assertThat(params.subList(0, 64)).allSatisfy(p -> assertThat(p).doesNotContainKey("y"));
        assertThat(sampler.dimensions(study)).containsExactly(Map.entry("x", 0), Map.entry("y", 1));
    }

    @Test
    void conditionalParametersGetTheirOwnDimensionsInTheOrderFirstSeen() {
        SobolSampler sampler = new SobolSampler(4);
        Study study = study(sampler);
        run(study, trial -> {
            String kind = trial.suggestCategorical("kind", List.of("svm", "tree"));
            double v = kind.equals("svm") ? trial.suggestFloat("c", 1e-3, 1e3, true) : trial.suggestInt("depth", 1, 12);
            return v + trial.suggestFloat("noise", 0, 1);
        }, OptimizeOptions.trials(64));
        List<FrozenTrial> trials = study.trials(TrialState.COMPLETE);
        assertThat(trials).hasSize(64);
        List<String> firstSeen = new ArrayList<>();
        for (FrozenTrial t : trials) {
            t.params().keySet().stream().filter(k -> !firstSeen.contains(k)).forEach(firstSeen::add);
        }
        assertThat(firstSeen).containsExactlyInAnyOrder("kind", "c", "depth", "noise");
        assertThat(sampler.dimensions(study).keySet()).containsExactlyElementsOf(firstSeen);
        // Each branch is taken half the time, as "kind" is its own stratified coordinate.
        assertThat(trials.stream().filter(t -> t.params().containsKey("c"))).hasSize(32);
        assertThat(trials.stream().filter(t -> t.params().containsKey("depth"))).hasSize(32);
    }

    @Test
    void aResumedStudyContinuesTheSequenceWithTheSameDimensions() {
        // Odd trials suggest b before a: a fresh sampler resuming at an odd trial must still use the history's order.
        Objective swapped = trial -> {
            double a;
            double b;
            if (trial.number() % 2 == 0) {
                a = trial.suggestFloat("a", 0, 1);
                b = trial.suggestFloat("b", 0, 1);
            } else {
                b = trial.suggestFloat("b", 0, 1);
                a = trial.suggestFloat("a", 0, 1);
            }
            return a + b;
        };
        List<Map<String, Object>> oneGo = run(study(new SobolSampler(21)), swapped, OptimizeOptions.trials(64));

        InMemoryStorage storage = new InMemoryStorage();
        Study first = Study.builder("resume").sampler(new SobolSampler(21)).storage(storage).create();
        first.optimize(swapped, 33);
        Study resumed = Study.builder("resume").sampler(new SobolSampler(21)).storage(storage).create();
        resumed.optimize(swapped, 31);
        assertThat(resumed.trials().stream().map(FrozenTrial::params).toList()).isEqualTo(oneGo);
    }

    @Test
    void aResumedStudyLeavesHeldAndEnqueuedParametersOutOfItsDimensions() {
        // A parameter held at one value and one given by an enqueued trial never reach the sampler: counted on
        // resume, they shifted z to another dimension than the run in one go had given it.
        Objective held = trial -> {
            double x = trial.suggestFloat("x", -5, 5);
            if (trial.number() > 0) {
                trial.suggestFloat("c0", 2, 2);
                trial.suggestFloat("z", -5, 5);
            }
            return x * x;
        };
        InMemoryStorage once = new InMemoryStorage();
        Study oneGo = Study.builder("held").sampler(new SobolSampler(7)).storage(once).create();
        oneGo.enqueue(Map.of("w", 0.5));
        oneGo.optimize(trial -> trial.suggestFloat("w", 0, 1) + held.evaluate(trial), 7);

        InMemoryStorage storage = new InMemoryStorage();
        Study first = Study.builder("held").sampler(new SobolSampler(7)).storage(storage).create();
        first.enqueue(Map.of("w", 0.5));
        first.optimize(trial -> trial.suggestFloat("w", 0, 1) + held.evaluate(trial), 3);
        Study resumed = Study.builder("held").sampler(new SobolSampler(7)).storage(storage).create();
        resumed.optimize(trial -> trial.suggestFloat("w", 0, 1) + held.evaluate(trial), 4);
        assertThat(resumed.trials().stream().map(FrozenTrial::params).toList())
                .isEqualTo(oneGo.trials().stream().map(FrozenTrial::params).toList());
    }

    @Test
    void parallelTrialsGetDistinctPointsAndTheSameOnesAsSequentialTrials() {
        List<Map<String, Object>> sequential = run(study(new SobolSampler(8)), XY, OptimizeOptions.trials(64));
        List<Map<String, Object>> parallel = run(study(new SobolSampler(8)), XY,
                OptimizeOptions.builder().optTrials(64).optParallelism(4).build());
        assertThat(parallel).isEqualTo(sequential);
        assertThat(parallel.stream().map(p -> p.get("x")).distinct()).hasSize(64);
    }

    @Test
    void moreThanAThousandParametersFailTheTrialWithAClearMessage() {
        Study study = study(new SobolSampler(1));
        study.optimize(trial -> {
            double sum = 0;
            for (int i = 0; i <= SobolSampler.MAX_DIMENSIONS; i++) {
                sum += trial.suggestFloat("p" + i, 0, 1);
            }
            return sum;
        }, 1);
        FrozenTrial trial = study.trials().get(0);
        assertThat(trial.state()).isEqualTo(TrialState.FAIL);
        assertThat(trial.params()).hasSize(SobolSampler.MAX_DIMENSIONS);
        assertThat(trial.reason()).contains("IllegalStateException", "at most 1000 parameters", "'p1000'");
    }

    @Test
    void describesItself() {
        assertThat(new SobolSampler(42)).hasToString("SobolSampler(seed=42)");
    }
}
