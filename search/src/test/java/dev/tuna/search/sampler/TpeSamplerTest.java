package dev.tuna.search.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TpeSamplerTest {

    private static final List<String> KINDS = List.of("a", "b", "c", "d");

    /** Best at lr = 1e-3, units = 256, kind "b", and (on the conditional branch) depth 3. */
    private static final Objective MIXED = trial -> {
        double lr = trial.suggestFloat("lr", 1e-5, 1e-1, true);
        int units = trial.suggestInt("units", 16, 512, 16);
        String kind = trial.suggestCategorical("kind", KINDS);
        double value = Math.pow(Math.log10(lr) + 3, 2) + Math.pow((units - 256) / 128.0, 2) + (kind.equals("b") ? 0 : 1);
        if (kind.equals("b")) {
            value += Math.abs(trial.suggestInt("depth", 1, 8) - 3) * 0.1;
        }
        return value;
    };

    private static Study study(TpeSampler sampler) {
        return Study.builder("tpe").sampler(sampler).create();
    }

    /** Median Branin regret after 100 trials over seeds 0-6. */
    private static double medianRegret(java.util.function.LongFunction<dev.tuna.search.Sampler> sampler) {
        double[] regrets = new double[7];
        for (int seed = 0; seed < regrets.length; seed++) {
            Study study = Study.builder("branin").sampler(sampler.apply(seed)).create();
            study.optimize(GpSamplerTest.BRANIN, 100);
            regrets[seed] = study.bestValue() - 0.397887;
        }
        java.util.Arrays.sort(regrets);
        return regrets[3];
    }

    /**
     * A categorical picks one of three formulas that share their numeric parameters: the best is 0.5 in "quad", at
     * x = -2, n = 15, lr = 1e-3; "wave" holds a trap of 0.7 at lr = 1e-1 (a helper's benchmark, after Optuna's
     * multivariate TPE found "quad" in most runs where Tuna's stayed in the first choice it liked).
     */
    private static final Objective BRANCHES = trial -> {
        String model = trial.suggestCategorical("model", List.of("linear", "quad", "wave"));
        double x = trial.suggestFloat("x", -5, 5);
        int n = trial.suggestInt("n", 1, 20);
        double u = Math.log10(trial.suggestFloat("lr", 1e-4, 1, true));
        return switch (model) {
            case "linear" -> 1.0 + 0.3 * Math.abs(x - 1) + 0.05 * Math.abs(n - 7) + 0.5 * Math.pow(u + 2, 2);
            case "quad" -> 0.5 + Math.pow(x + 2, 2) / 4 + Math.pow(n - 15, 2) / 50.0 + 0.5 * Math.pow(u + 3, 2);
            default -> 0.7 + 0.3 * (1 + Math.sin(3 * x)) + Math.pow(n - 3, 2) / 30.0 + 0.5 * Math.pow(u + 1, 2);
        };
    };

    @Test
    void multivariateSearchLeavesACategoricalChoiceItLikedFirstForABetterOne() {
        int found = 0;
        for (int seed = 0; seed < 20; seed++) {
            Study study = Study.builder("branches").sampler(TpeSampler.multivariate(seed)).create();
            study.optimize(BRANCHES, 100);
            found += study.bestValue() < 0.6 ? 1 : 0;
        }
        // 7 of 20 (11 now) when each numeric kernel's width was its gap to its neighbours, which the best trials of one
        // choice crowd; Optuna 3.1 finds "quad" in about half its runs.
        assertThat(found).isGreaterThanOrEqualTo(10);
    }

    @Test
    void multivariateSearchOfASmallGridProposesPointsNoTrialHas() {
        Study study = Study.builder("grid").sampler(TpeSampler.multivariate(0)).create();
        study.optimize(trial -> {
            int a = trial.suggestInt("a", 0, 4);
            int b = trial.suggestInt("b", 0, 4);
            String c = trial.suggestCategorical("c", List.of("on", "off"));
            return Math.pow(a - 1, 2) + Math.pow(b - 3, 2) + (c.equals("on") ? 0 : 0.5);
        }, 50);
        long distinct = study.trials().stream().map(t -> t.params().values().toString()).distinct().count();
        // 50 points, 50 trials: 28 distinct (44 now) when the best candidate was proposed whether a trial had it or
        // not (the random startup's repeats stay).
        assertThat(distinct).isGreaterThanOrEqualTo(40);
        assertThat(study.bestValue()).isZero();
    }

    @Test
    void printsItsSeedAndMode() {
        assertThat(new TpeSampler(5)).hasToString("TpeSampler(seed=5)");
        assertThat(TpeSampler.multivariate(5)).hasToString("TpeSampler(seed=5, multivariate)");
    }

    @Test
    void prunedTrialsEndTheRandomStartup() {
        assertThat(GpSamplerTest.firstDifference(new TpeSampler(5), new RandomSampler(5), 16)).isEqualTo(10);
    }

    @Test
    void seededRunsReachBraninOptimumRegion() {
        double random = medianRegret(RandomSampler::new);
        double univariate = medianRegret(TpeSampler::new);
        double multivariate = medianRegret(TpeSampler::multivariate);
        System.out.printf("branin median regret at 100: random %.4f, tpe %.4f, multivariate %.4f%n", random, univariate, multivariate);
        assertThat(univariate).isLessThan(0.15).isLessThan(random / 2);
        assertThat(multivariate).isLessThan(0.15).isLessThan(random / 2);
    }

    @Test
    void sameSeedGivesSameSuggestions() {
        for (int variant = 0; variant < 2; variant++) {
            TpeSampler a = variant == 0 ? new TpeSampler(3) : TpeSampler.multivariate(3);
            TpeSampler b = variant == 0 ? new TpeSampler(3) : TpeSampler.multivariate(3);
            List<Map<String, Object>> pa = RandomSamplerTest.run(study(a), MIXED, OptimizeOptions.trials(30));
            List<Map<String, Object>> pb = RandomSamplerTest.run(study(b), MIXED, OptimizeOptions.trials(30));
            assertThat(pa).hasSize(30).isEqualTo(pb);
        }
    }

    @Test
    void mixedConditionalSpaceStaysInsideDistributionsAndImproves() {
        for (TpeSampler sampler : List.of(new TpeSampler(5), TpeSampler.multivariate(5))) {
            Study study = Study.builder("mixed").direction(Direction.MINIMIZE).sampler(sampler).create();
            study.optimize(MIXED, 60);
            for (FrozenTrial t : study.trials()) {
                assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
                t.params().forEach((name, value) -> t.distributions().get(name).toInternal(value));
            }
            long late = study.trials().subList(40, 60).stream().filter(t -> "b".equals(t.params().get("kind"))).count();
            // Uniform choice would give 5 of 20.
            assertThat(late).as(sampler.toString()).isGreaterThanOrEqualTo(10);
            assertThat(study.bestValue()).as(sampler.toString()).isLessThan(0.5);
        }
    }

    @Test
    void parallelTrialsGetDistinctPoints() {
        Study study = study(TpeSampler.multivariate(7));
        study.optimize(GpSamplerTest.BRANIN, OptimizeOptions.builder().optTrials(40).optParallelism(4).build());
        assertThat(study.trials().stream().map(FrozenTrial::params).toList()).hasSize(40).doesNotHaveDuplicates();
    }
}
