package dev.tuna.search.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import dev.tuna.search.TrialFailedException;
import dev.tuna.search.TrialPrunedException;
import dev.tuna.search.pruner.DivergencePruner;
import dev.tuna.search.sampler.RandomSampler;
import java.util.List;
import java.util.Map;
import dev.tuna.core.storage.MapDbStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiagnosesInStudyTest {
    private static final double[] VAL = {2, 1.5, 1.0, 0.8, 0.7, 0.72, 0.75, 0.8};
    private static final double[] TRAIN = {2, 1.4, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3};

    private static double overfit(dev.tuna.search.Trial trial) {
        for (int step = 1; step <= VAL.length; step++) {
            trial.report(step, VAL[step - 1]);
            trial.report(step, Map.of("val_loss", VAL[step - 1], "train_loss", TRAIN[step - 1]));
            if (trial.shouldPrune()) {
                throw new TrialPrunedException();
            }
        }
        return VAL[VAL.length - 1];
    }

    @Test
    void aFinishedTrialKeepsItsDiagnosesAsASystemAttribute() {
        Study study = Study.builder("diag").sampler(new RandomSampler(1)).create();
        study.optimize(DiagnosesInStudyTest::overfit, 1);
        FrozenTrial t = study.trials().get(0);
        assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(t.systemAttrs().get(Diagnosis.ATTR)).isEqualTo(List.of(Map.of("name", "overfitting", "step", 6, "detail",
                "val_loss rose from 0.7 at step 5 to 0.8 at step 8 while train_loss fell from 0.6 to 0.3")));
        assertThat(Diagnosis.of(t)).extracting(Diagnosis::name, Diagnosis::step)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Diagnosis.OVERFITTING, 6));
    }

    @Test
    void aPrunedTrialIsDiagnosedToo() {
        Study study = Study.builder("diag").sampler(new RandomSampler(1)).pruner(new DivergencePruner()).create();
        study.optimize(trial -> {
            trial.report(1, 1.0);
            trial.report(2, Double.NaN);
            if (trial.shouldPrune()) {
                throw new TrialPrunedException();
            }
            return 0.0;
        }, 1);
        FrozenTrial t = study.trials().get(0);
        assertThat(t.state()).isEqualTo(TrialState.PRUNED);
        assertThat(Diagnosis.of(t)).containsExactly(new Diagnosis(Diagnosis.DIVERGED, 2, "the objective is NaN"));
    }

    @Test
    void aTrialFailedAsDivergedIsDiagnosedDivergedWhereItFailed() {
        Study study = Study.builder("diag").sampler(new RandomSampler(1)).create();
        // Its training blew up within epoch 2, before epoch 2 was reported: the curves alone show nothing.
        study.optimize(trial -> {
            trial.report(1, Map.of("train_loss", 4.5, "val_loss", 6.4));
            throw new TrialFailedException(TrialFailedException.DIVERGED + "loss became 6.4e6 at epoch 2 batch 12", 2);
        }, 1);
        FrozenTrial t = study.trials().get(0);
        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(Diagnosis.of(t)).containsExactly(new Diagnosis(Diagnosis.DIVERGED, 2, "loss became 6.4e6 at epoch 2 batch 12"));
        // With no step given, the step after the last report; with nothing reported, step 0. Other failures: none.
        study.optimize(trial -> {
            trial.report(3, Map.of("train_loss", 1.0));
            throw new TrialFailedException(TrialFailedException.DIVERGED + "val_loss became NaN");
        }, 1);
        study.optimize(trial -> {
            throw new TrialFailedException(TrialFailedException.DIVERGED + "at once");
        }, 1);
        study.optimize(trial -> {
            throw new TrialFailedException("out of memory");
        }, 1);
        assertThat(Diagnosis.of(study.trials().get(1))).containsExactly(new Diagnosis(Diagnosis.DIVERGED, 4, "val_loss became NaN"));
        assertThat(Diagnosis.of(study.trials().get(2))).containsExactly(new Diagnosis(Diagnosis.DIVERGED, 0, "at once"));
        assertThat(study.trials().get(3).systemAttrs()).doesNotContainKey(Diagnosis.ATTR);
    }

    @Test
    void noDiagnoserOrNoCurvesMeansNoAttribute() {
        Study off = Study.builder("off").sampler(new RandomSampler(1)).diagnoser(null).create();
        off.optimize(DiagnosesInStudyTest::overfit, 1);
        assertThat(off.trials().get(0).systemAttrs()).doesNotContainKey(Diagnosis.ATTR);
        Study plain = Study.builder("plain").direction(Direction.MINIMIZE).sampler(new RandomSampler(1)).create();
        plain.optimize(trial -> trial.suggestFloat("x", 0, 1), 3);
        assertThat(plain.trials()).allSatisfy(t -> assertThat(t.systemAttrs()).doesNotContainKey(Diagnosis.ATTR));
    }

    @Test
    void diagnosesSurviveADurableStorage(@TempDir Path dir) {
        Path file = dir.resolve("tuna.db");
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            Study.builder("diag").sampler(new RandomSampler(1)).storage(storage).create().optimize(DiagnosesInStudyTest::overfit, 1);
        }
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            FrozenTrial t = storage.trial("diag", 0);
            assertThat(Diagnosis.of(t)).containsExactly(new Diagnosis(Diagnosis.OVERFITTING, 6,
                    "val_loss rose from 0.7 at step 5 to 0.8 at step 8 while train_loss fell from 0.6 to 0.3"));
        }
    }
}
