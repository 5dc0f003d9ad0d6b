package dev.tuna.search.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpSamplerTest {

    static final Objective BRANIN = trial -> {
        double x1 = trial.suggestFloat("x1", -5, 10);
        double x2 = trial.suggestFloat("x2", 0, 15);
        return branin(x1, x2);
    };

    static double branin(double x1, double x2) {
        double b = 5.1 / (4 * Math.PI * Math.PI);
        double c = 5 / Math.PI;
        double t = 1 / (8 * Math.PI);
        return Math.pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * Math.cos(x1) + 10;
    }

    private static Study study(GpSampler sampler) {
        return Study.builder("gp").sampler(sampler).create();
    }

    /** Branin, with every trial but the first pruned after its first report, as under ASHA once it found a good one. */
    static final Objective PRUNED_AFTER_FIRST = trial -> {
        double value = BRANIN.evaluate(trial);
        trial.report(0, value);
        if (trial.number() > 0) {
            throw new dev.tuna.search.TrialPrunedException();
        }
        return value;
    };

    /** The trial numbers from which two studies, on these samplers and {@link #PRUNED_AFTER_FIRST}, suggest apart. */
    static int firstDifference(dev.tuna.search.Sampler one, dev.tuna.search.Sampler other, int trials) {
        Study a = Study.builder("a").sampler(one).create();
        Study b = Study.builder("b").sampler(other).create();
        a.optimize(PRUNED_AFTER_FIRST, trials);
        b.optimize(PRUNED_AFTER_FIRST, trials);
        for (int i = 0; i < trials; i++) {
            if (!a.trials().get(i).params().equals(b.trials().get(i).params())) {
                return i;
            }
        }
        return trials;
    }

    @Test
    void prunedTrialsEndTheStartupDesign() {
        // Trial 0 completes, the others are pruned: after 10 finished trials the GP takes over. It once waited for
        // 10 complete trials, so a study under ASHA stayed on Sobol points for good.
        assertThat(firstDifference(new GpSampler(5), new SobolSampler(5), 16)).isEqualTo(10);
        // With every trial pruned there is no completed value to model: the startup design goes on.
        Objective allPruned = trial -> {
            trial.report(0, BRANIN.evaluate(trial));
            throw new dev.tuna.search.TrialPrunedException();
        };
        Study gp = Study.builder("all-pruned").sampler(new GpSampler(5)).create();
        Study sobol = Study.builder("all-pruned").sampler(new SobolSampler(5)).create();
        gp.optimize(allPruned, 14);
        sobol.optimize(allPruned, 14);
        assertThat(gp.trials()).extracting(FrozenTrial::params).isEqualTo(sobol.trials().stream().map(FrozenTrial::params).toList());
    }

    @Test
    void prunedTrialsCountAsTheirPartialValueBeyondTheWorstCompletedOneUpToACeiling() {
        // Completed 1 and 3; pruned: better than the worst (-> 3), a little worse, a lot worse, diverged, infinite,
        // without a value. The spread is 2 and the median excess 2, so the ceiling is 3 + 2 x 2 = 7.
        List<Double> seen = GpSampler.prunedObservations(List.of(1.0, 3.0),
                List.of(2.0, 4.0, 5.0, 1e6, Double.POSITIVE_INFINITY, Double.NaN));
        assertThat(seen).containsExactly(3.0, 4.0, 5.0, 7.0, 7.0, 3.0);
        // One completed trial: the pruned values' own spread sets the ceiling (median excess 0.5 -> 4).
        assertThat(GpSampler.prunedObservations(List.of(3.0), List.of(3.1, 3.3, 3.5, 50.0)))
                .containsExactly(3.1, 3.3, 3.5, 4.0);
        // One completed trial and nothing finite beyond it: an infinite value is still far beyond the worst.
        assertThat(GpSampler.prunedObservations(List.of(-0.96), List.of(Double.POSITIVE_INFINITY, -0.99)))
                .containsExactly(-0.96 + 2 * 0.96, -0.96);
    }

    @Test
    void seededRunReachesBraninOptimumRegion() {
        Study study = study(GpSampler.builder().seed(3).deterministic(true).build());
        study.optimize(BRANIN, 40);
        assertThat(study.bestValue()).isLessThan(0.397887 + 0.1);
    }

    @Test
    void afterStartupEverySuggestionIsInTheTrustRegionAroundTheIncumbent() {
        Study study = study(new GpSampler(4));
        study.optimize(BRANIN, 30);
        List<FrozenTrial> trials = study.trials();
        for (int t = 10; t < trials.size(); t++) {
            FrozenTrial best = trials.subList(0, t).stream()
                    .min(Comparator.comparingDouble(FrozenTrial::value)).orElseThrow();
            FrozenTrial trial = trials.get(t);
            // Unit-cube coordinates: x1 in [-5, 10], x2 in [0, 15].
            double d1 = Math.abs((double) trial.params().get("x1") - (double) best.params().get("x1")) / 15;
            double d2 = Math.abs((double) trial.params().get("x2") - (double) best.params().get("x2")) / 15;
            assertThat(Math.max(d1, d2)).as("trial %d", t).isLessThanOrEqualTo(GpSampler.TRUST_HALF_WIDTH + 1e-9);
        }
    }

    @Test
    void anotherChoiceIsSearchedAroundItsOwnBestObservation() {
        // Choice a is best at x = 0.2, where the study found it; b, worse wherever it was tried, falls toward
        // x = 0.85, far outside the incumbent's box. The next suggestion follows b there.
        Objective objective = trial -> {
            String model = trial.suggestCategorical("model", List.of("a", "b"));
            double x = trial.suggestFloat("x", 0, 1);
            return model.equals("a") ? 0.5 + 10 * (x - 0.2) * (x - 0.2) : 10 * (x - 0.85) * (x - 0.85);
        };
        for (int seed = 0; seed < 3; seed++) {
            Study study = study(GpSampler.builder().seed(seed).startupTrials(9).deterministic(true).build());
            for (double x : new double[] {0.1, 0.2, 0.3, 0.15, 0.25, 0.5}) {
                study.enqueue(Map.of("model", "a", "x", x));
            }
            for (double x : new double[] {0.2, 0.4, 0.55}) {
                study.enqueue(Map.of("model", "b", "x", x));
            }
            study.optimize(objective, 10);
            Map<String, Object> next = study.trials().get(9).params();
            assertThat(next.get("model")).as("seed %d", seed).isEqualTo("b");
            assertThat((double) next.get("x")).as("seed %d", seed).isGreaterThan(0.55);
        }
    }

    @Test
    void sameSeedGivesSameSuggestions() {
        List<Map<String, Object>> a = RandomSamplerTest.run(study(new GpSampler(7)), BRANIN, OptimizeOptions.trials(16));
        List<Map<String, Object>> b = RandomSamplerTest.run(study(new GpSampler(7)), BRANIN, OptimizeOptions.trials(16));
        List<Map<String, Object>> c = RandomSamplerTest.run(study(new GpSampler(8)), BRANIN, OptimizeOptions.trials(16));
        assertThat(a).hasSize(16).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void aSamplerSharedByTwoStudiesGivesTheSecondWhatAFreshSamplerWould() {
        GpSampler shared = new GpSampler(7);
        RandomSamplerTest.run(Study.builder("first").sampler(shared).create(), BRANIN, OptimizeOptions.trials(16));

        List<Map<String, Object>> second = RandomSamplerTest.run(Study.builder("second").sampler(shared).create(),
                BRANIN, OptimizeOptions.trials(16));
        List<Map<String, Object>> fresh = RandomSamplerTest.run(Study.builder("second").sampler(new GpSampler(7))
                .create(), BRANIN, OptimizeOptions.trials(16));
        assertThat(second).isEqualTo(fresh);
    }

    @Test
    void onAnIntegerGridNoConfigurationIsTriedTwice() {
        // Once (7, 13) is found, EI on this 21 x 21 grid used to peak there again and again.
        Objective bowl = trial -> {
            int x = trial.suggestInt("x", 0, 20);
            int y = trial.suggestInt("y", 0, 20);
            return (x - 7) * (x - 7) + (y - 13) * (y - 13) + 0.1 * x;
        };
        for (boolean deterministic : new boolean[] {false, true}) {
            Study study = study(GpSampler.builder().seed(2).deterministic(deterministic).build());
            study.optimize(bowl, 40);

            assertThat(study.trials().stream().map(FrozenTrial::params).distinct().count()).isEqualTo(40);
            assertThat(study.bestTrial().params()).isEqualTo(Map.of("x", 7, "y", 13));
        }
    }

    @Test
    void mixedParametersStayInsideTheirDistributionsAndMaximisationWorks() {
        List<String> kinds = List.of("a", "b", "c");
        Objective mixed = trial -> {
            double lr = trial.suggestFloat("lr", 1e-5, 1e-1, true);
            int units = trial.suggestInt("units", 16, 512, 16);
            int layers = trial.suggestInt("layers", 1, 200, true);
            double drop = trial.suggestFloat("drop", 0, 0.5, 0.05);
            String kind = trial.suggestCategorical("kind", kinds);
            // Best at lr = 1e-3, units = 256, layers near 20, drop = 0.1, kind "b".
            return -Math.pow(Math.log10(lr) + 3, 2) - Math.pow((units - 256) / 128.0, 2)
                    - Math.pow(Math.log(layers / 20.0), 2) - Math.abs(drop - 0.1) - (kind.equals("b") ? 0 : 1);
        };
        Study study = Study.builder("mixed").direction(Direction.MAXIMIZE).sampler(new GpSampler(5)).create();
        study.optimize(mixed, 30);
        for (FrozenTrial t : study.trials()) {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            t.params().forEach((name, value) ->
                    assertThat(t.distributions().get(name).toInternal(value)).as(name).isNotNaN());
            assertThat(t.params().get("units")).isInstanceOf(Integer.class);
            assertThat(t.params().get("layers")).isInstanceOf(Integer.class);
        }
        // Far better than the Sobol start: the GP phase found the right choice and a good region.
        double startupBest = study.trials().subList(0, 10).stream().mapToDouble(FrozenTrial::value).max().orElseThrow();
        assertThat(study.bestValue()).isGreaterThan(startupBest).isGreaterThan(-0.6);
        assertThat(study.bestParams().get("kind")).isEqualTo("b");
    }

    @Test
    void parallelTrialsDoNotPileOntoOnePoint() {
        Study study = study(GpSampler.builder().seed(11).deterministic(true).build());
        study.optimize(BRANIN, 15);
        List<Trial> running = new ArrayList<>();
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Trial trial = study.ask();
            running.add(trial);
            points.add(new double[] {trial.suggestFloat("x1", -5, 10), trial.suggestFloat("x2", 0, 15)});
        }
        for (int i = 0; i < points.size(); i++) {
            for (int j = 0; j < i; j++) {
                double dx = (points.get(i)[0] - points.get(j)[0]) / 15;
                double dy = (points.get(i)[1] - points.get(j)[1]) / 15;
                assertThat(Math.hypot(dx, dy)).as("trials %d and %d", i, j).isGreaterThan(1e-3);
            }
        }
        for (int i = 0; i < running.size(); i++) {
            study.tell(running.get(i), branin(points.get(i)[0], points.get(i)[1]));
        }
    }

    @Test
    void parallelOptimizeSuggestsNoDuplicates() {
        Study study = study(GpSampler.builder().seed(4).deterministic(true).build());
        study.optimize(BRANIN, OptimizeOptions.builder().optTrials(30).optParallelism(4).build());
        List<Map<String, Object>> params = study.trials().stream().map(FrozenTrial::params).toList();
        assertThat(params).hasSize(30).doesNotHaveDuplicates();
    }

    @Test
    void defineByRunModelsSharedParametersAndIgnoresFailures() {
        Objective conditional = trial -> {
            String model = trial.suggestCategorical("model", List.of("linear", "tree"));
            double x = trial.suggestFloat("x", -3, 3);
            if (model.equals("tree")) {
                int depth = trial.suggestInt("depth", 1, 8);
                if (depth == 8) {
                    throw new IllegalStateException("too deep");
                }
                return x * x + depth;
            }
            double c = trial.suggestFloat("c", 1e-3, 1e3, true);
            return (x - 1) * (x - 1) + 0.1 * Math.abs(Math.log10(c));
        };
        Study study = Study.builder("dbr").sampler(new GpSampler(2)).create();
        study.optimize(conditional, 30);
        assertThat(study.trials(TrialState.COMPLETE).size()).isGreaterThanOrEqualTo(20);
        for (FrozenTrial t : study.trials()) {
            t.params().forEach((name, value) -> t.distributions().get(name).toInternal(value));
        }
        // "model" and "x" are in every trial, so the GP models them: it settles on the linear branch.
        long linear = study.trials().subList(20, 30).stream().filter(t -> "linear".equals(t.params().get("model"))).count();
        assertThat(linear).isGreaterThanOrEqualTo(7);
        assertThat(study.bestParams()).containsEntry("model", "linear").containsKey("c").doesNotContainKey("depth");
    }

    @Test
    void prunedTrialsCountAsBadAndStudyContinues() {
        Objective sometimesPruned = trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            trial.report(0, x);
            if (x > 0.8) {
                throw new dev.tuna.search.TrialPrunedException("x too high");
            }
            return Math.pow(x - 0.3, 2);
        };
        Study study = study(new GpSampler(9));
        study.optimize(sometimesPruned, 25);
        long late = study.trials().subList(15, 25).stream().filter(t -> t.state() == TrialState.PRUNED).count();
        assertThat(late).isLessThanOrEqualTo(2);
        assertThat(study.bestValue()).isLessThan(1e-3);
    }

    @Test
    void rejectsBadOptions() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GpSampler.builder().startupTrials(0))
                .hasMessageContaining("startupTrials");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GpSampler.builder().maxFitPoints(3))
                .hasMessageContaining("maxFitPoints");
    }
}
