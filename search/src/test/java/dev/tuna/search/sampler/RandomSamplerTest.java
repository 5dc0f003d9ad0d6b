package dev.tuna.search.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomSamplerTest {

    private static final List<String> ACTIVATIONS = List.of("relu", "tanh", "gelu");

    /** Four parameters of each kind; the value does not matter to the sampler. */
    private static final Objective MIXED = trial -> {
        double x = trial.suggestFloat("x", -5, 5);
        double lr = trial.suggestFloat("lr", 1e-5, 1e-1, true);
        int units = trial.suggestInt("units", 16, 512, 16);
        String act = trial.suggestCategorical("act", ACTIVATIONS);
        return x * x + lr + units + act.length();
    };

    static List<Map<String, Object>> run(Study study, Objective objective, OptimizeOptions options) {
        study.optimize(objective, options);
        return study.trials().stream().map(FrozenTrial::params).toList();
    }

    static Study study(Sampler sampler) {
        return Study.builder("s").sampler(sampler).create();
    }

    @Test
    void sameSeedGivesSameSuggestions() {
        List<Map<String, Object>> a = run(study(new RandomSampler(42)), MIXED, OptimizeOptions.trials(40));
        List<Map<String, Object>> b = run(study(new RandomSampler(42)), MIXED, OptimizeOptions.trials(40));
        assertThat(a).hasSize(40).isEqualTo(b);
    }

    @Test
    void differentSeedsGiveDifferentSuggestions() {
        List<Map<String, Object>> a = run(study(new RandomSampler(1)), MIXED, OptimizeOptions.trials(40));
        List<Map<String, Object>> b = run(study(new RandomSampler(2)), MIXED, OptimizeOptions.trials(40));
        long sameX = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).get("x").equals(b.get(i).get("x"))) {
                sameX++;
            }
        }
        assertThat(sameX).isZero();
    }

    @Test
    void parametersWhoseNamesShareAStringHashCodeAreStillIndependent() {
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        for (Sampler sampler : List.of(new RandomSampler(3), new TpeSampler(3))) {
            Study study = study(sampler);
            study.optimize(trial -> trial.suggestFloat("Aa", 0, 1) - trial.suggestFloat("BB", 0, 1), 30);

            assertThat(study.trials()).as("%s", sampler)
                    .noneMatch(t -> t.params().get("Aa").equals(t.params().get("BB")));
        }
    }

    @Test
    void parallelTrialsGetTheSameSuggestionsAsSequentialOnes() {
        List<Map<String, Object>> sequential = run(study(new RandomSampler(7)), MIXED, OptimizeOptions.trials(48));
        List<Map<String, Object>> parallel = run(study(new RandomSampler(7)), MIXED,
                OptimizeOptions.builder().optTrials(48).optParallelism(4).build());
        assertThat(parallel).isEqualTo(sequential);
    }

    @Test
    void valuesStayInsideTheirDistributionsAndCoverThem() {
        Study study = study(new RandomSampler(3));
        List<Map<String, Object>> params = run(study, MIXED, OptimizeOptions.trials(300));
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(300);
        double xSum = 0;
        int smallLr = 0;
        for (Map<String, Object> p : params) {
            double x = (Double) p.get("x");
            double lr = (Double) p.get("lr");
            int units = (Integer) p.get("units");
            assertThat(x).isBetween(-5.0, 5.0);
            assertThat(lr).isBetween(1e-5, 1e-1);
            assertThat(units).isBetween(16, 512);
            assertThat(units % 16).isZero();
            assertThat(ACTIVATIONS).contains((String) p.get("act"));
            xSum += x;
            if (lr < 1e-3) {
                smallLr++; // half of the log range
            }
        }
        assertThat(xSum / params.size()).isBetween(-1.0, 1.0);
        assertThat(smallLr).isBetween(100, 200);
        assertThat(params.stream().map(p -> p.get("act")).distinct()).hasSize(3);
        assertThat(params.stream().map(p -> p.get("units")).distinct().count()).isGreaterThan(25);
    }
}
