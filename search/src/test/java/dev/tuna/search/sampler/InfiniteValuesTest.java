package dev.tuna.search.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Objective;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import dev.tuna.search.TrialFailedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A broken constraint returned as +inf (as Optuna users do) completes the trial, and the model-based samplers learn
 * to stay out of where it happens: as failed trials they learnt nothing, and TPE put 38 of its last 40 trials there.
 * So do trials whose training diverged, which fail saying so.
 */
class InfiniteValuesTest {
    /** Feasible for x <= 0.3 only, a third of the space; the optimum (0.2, 0) is inside. */
    private static final Objective CONSTRAINED = trial -> {
        double x = trial.suggestFloat("x", 0, 1);
        double y = trial.suggestFloat("y", 0, 1);
        return x > 0.3 ? Double.POSITIVE_INFINITY : (x - 0.2) * (x - 0.2) + y;
    };

    /** As {@link #CONSTRAINED}, but the training diverges where x > 0.3: the trial fails, saying so. */
    private static final Objective DIVERGING = trial -> {
        double value = CONSTRAINED.evaluate(trial);
        if (Double.isInfinite(value)) {
            throw new TrialFailedException(TrialFailedException.DIVERGED + "loss became NaN at epoch 1 batch 3");
        }
        return value;
    };

    private static long infeasibleAmongTheLast(Sampler sampler, int last) {
        return infeasibleAmongTheLast(sampler, last, CONSTRAINED, TrialState.COMPLETE);
    }

    private static long infeasibleAmongTheLast(Sampler sampler, int last, Objective objective, TrialState there) {
        Study study = Study.builder("constrained").sampler(sampler).create();
        study.optimize(objective, 60);
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).allMatch(t -> t.state() == ((Double) t.params().get("x") > 0.3 ? there : TrialState.COMPLETE));
        return trials.subList(trials.size() - last, trials.size()).stream()
                .filter(t -> (Double) t.params().get("x") > 0.3).count();
    }

    @Test
    void theModelBasedSamplersLearnToAvoidWhereTrainingDiverges() {
        // Ignored as other failures are, the diverged region drew as many trials as a random search puts there.
        assertThat(infeasibleAmongTheLast(new TpeSampler(1), 40, DIVERGING, TrialState.FAIL)).isLessThan(15);
        assertThat(infeasibleAmongTheLast(new GpSampler(1), 40, DIVERGING, TrialState.FAIL)).isLessThan(5);
    }

    @Test
    void tpeLearnsToAvoidWhereTheValueIsInfinite() {
        assertThat(infeasibleAmongTheLast(new TpeSampler(1), 40)).isLessThan(15); // random: about 28
    }

    @Test
    void theGpLearnsToAvoidWhereTheValueIsInfinite() {
        assertThat(infeasibleAmongTheLast(new GpSampler(1), 40)).isLessThan(5);
    }
}
