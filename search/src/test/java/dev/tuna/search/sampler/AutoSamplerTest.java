package dev.tuna.search.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.Objective;
import dev.tuna.search.Study;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutoSamplerTest {

    @Test
    void numericFixedSpaceUsesTheGp() {
        AutoSampler auto = new AutoSampler(1);
        Study study = Study.builder("auto").sampler(auto).create();
        study.optimize(GpSamplerTest.BRANIN, 30);
        assertThat(auto.choose(study, study.trials())).isInstanceOf(GpSampler.class);
        // The GP's quality, not TPE's: random search is near 1 at 30 trials, TPE around 0.3.
        assertThat(study.bestValue()).isLessThan(0.397887 + 0.05);
    }

    @Test
    void parametersHeldAtOneValueAreLeftOutOfTheModels() {
        // Optuna's habit of fixing a parameter with low == high (or one choice) must not move the study to TPE,
        // nor put a zero-width dimension into the GP's or TPE's model.
        Objective withFixed = trial -> GpSamplerTest.BRANIN.evaluate(trial) + trial.suggestFloat("momentum", 0.9, 0.9)
                + trial.suggestInt("layers", 2, 2) + (trial.suggestCategorical("optimizer", List.of("adam")).equals("adam") ? 0 : 1);
        double optimum = 0.397887 + 0.9 + 2;
        AutoSampler auto = new AutoSampler(1);
        Study study = Study.builder("auto-fixed").sampler(auto).create();
        study.optimize(withFixed, 30);
        assertThat(auto.choose(study, study.trials())).isInstanceOf(GpSampler.class);
        assertThat(study.trials()).allMatch(t -> t.state() == dev.tuna.core.TrialState.COMPLETE);
        assertThat(study.bestValue()).isLessThan(optimum + 0.05);

        Study tpe = Study.builder("tpe-fixed").sampler(TpeSampler.multivariate(1)).create();
        tpe.optimize(withFixed, 60);
        assertThat(tpe.trials()).allMatch(t -> t.state() == dev.tuna.core.TrialState.COMPLETE);
        assertThat(tpe.bestValue()).isLessThan(optimum + 1);
    }

    @Test
    void categoricalOrConditionalSpaceUsesTpe() {
        AutoSampler auto = new AutoSampler(2);
        Study study = Study.builder("auto").sampler(auto).create();
        Objective withChoice = trial -> trial.suggestFloat("x", 0, 1)
                + (trial.suggestCategorical("c", List.of("a", "b")).equals("a") ? 0 : 1);
        study.optimize(withChoice, 12);
        assertThat(auto.choose(study, study.trials())).isInstanceOf(TpeSampler.class);

        AutoSampler conditional = new AutoSampler(3);
        Study other = Study.builder("cond").sampler(conditional).create();
        Objective branching = trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            return x < 0.5 ? x : x + trial.suggestFloat("y", 0, 1);
        };
        other.optimize(branching, 12);
        assertThat(conditional.choose(other, other.trials())).isInstanceOf(TpeSampler.class);
        for (FrozenTrial t : other.trials()) {
            t.params().forEach((name, value) -> t.distributions().get(name).toInternal(value));
        }
    }

    @Test
    void longHistoryMovesToTpe() {
        dev.tuna.core.storage.InMemoryStorage storage = new dev.tuna.core.storage.InMemoryStorage();
        Study.builder("long").storage(storage).sampler(new RandomSampler(1)).create()
                .optimize(GpSamplerTest.BRANIN, AutoSampler.GP_MAX_TRIALS - 1);
        AutoSampler auto = new AutoSampler(4);
        Study study = Study.builder("long").storage(storage).sampler(auto).create();
        assertThat(auto.choose(study, study.trials())).isInstanceOf(GpSampler.class);
        study.optimize(GpSamplerTest.BRANIN, 1);
        assertThat(auto.choose(study, study.trials())).isInstanceOf(TpeSampler.class);
    }

    @Test
    void oneSamplerServesSeveralStudiesAsIfEachHadItsOwn() {
        // An Optuna habit: one sampler object for a loop of studies, here all named "search", each in memory. A
        // categorical first study must not move the next, numeric one to TPE, nor shift its Sobol dimensions.
        AutoSampler shared = new AutoSampler(5);
        Study.builder("search").sampler(shared).create()
                .optimize(trial -> trial.suggestCategorical("opt", List.of("a", "bb")).length() + trial.suggestFloat("z", 0, 1), 12);
        Study second = Study.builder("search").sampler(shared).create();
        second.optimize(GpSamplerTest.BRANIN, 15);
        Study alone = Study.builder("search").sampler(new AutoSampler(5)).create();
        alone.optimize(GpSamplerTest.BRANIN, 15);

        assertThat(shared.choose(second, second.trials())).isInstanceOf(GpSampler.class);
        assertThat(second.trials().stream().map(FrozenTrial::params).toList())
                .isEqualTo(alone.trials().stream().map(FrozenTrial::params).toList());
    }

    @Test
    void oneGpSamplerServesInterleavedStudiesAsIfEachHadItsOwn() {
        GpSampler shared = new GpSampler(6);
        Study a = Study.builder("a").sampler(shared).create();
        Study b = Study.builder("b").sampler(shared).create();
        Objective shifted = trial -> GpSamplerTest.BRANIN.evaluate(trial) + trial.suggestFloat("w", 0, 1);
        for (int round = 0; round < 7; round++) { // 14 trials each, taking turns: startup, fits and proposals kept apart
            a.optimize(GpSamplerTest.BRANIN, 2);
            b.optimize(shifted, 2);
        }
        Study aloneA = Study.builder("a").sampler(new GpSampler(6)).create();
        aloneA.optimize(GpSamplerTest.BRANIN, 14);
        Study aloneB = Study.builder("b").sampler(new GpSampler(6)).create();
        aloneB.optimize(shifted, 14);
        assertThat(a.trials().stream().map(FrozenTrial::params).toList())
                .isEqualTo(aloneA.trials().stream().map(FrozenTrial::params).toList());
        assertThat(b.trials().stream().map(FrozenTrial::params).toList())
                .isEqualTo(aloneB.trials().stream().map(FrozenTrial::params).toList());
    }
}
