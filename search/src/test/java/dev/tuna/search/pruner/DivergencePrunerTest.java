package dev.tuna.search.pruner;

import static dev.tuna.search.pruner.Curves.ask;
import static dev.tuna.search.pruner.Curves.report;
import static dev.tuna.search.pruner.Curves.running;
import static dev.tuna.search.pruner.Curves.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.TrialPrunedException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DivergencePrunerTest {

    @Test
    void nanAndInfinityArePrunedAtOnceEvenInTheFirstTrial() {
        Study study = study(Direction.MAXIMIZE, new DivergencePruner());
        Trial t = study.ask();
        assertThat(report(t, 1, Double.NaN).reason()).isEqualTo("diverged: its value at step 1 is NaN");
        Trial u = study.ask();
        assertThat(report(u, 1, 0.5).prune()).isFalse();
        assertThat(report(u, 1, Map.of("train_loss", Double.POSITIVE_INFINITY)).reason())
                .isEqualTo("diverged: train_loss at step 1 is Infinity");
        Trial v = study.ask();
        assertThat(report(v, 1, Map.of("val_mse", Double.NEGATIVE_INFINITY)).reason()).as("any metric")
                .isEqualTo("diverged: val_mse at step 1 is -Infinity");
        // A precision is 0 / 0 until the model predicts a positive: no divergence (it was pruned at its first epoch).
        Trial w = study.ask();
        assertThat(report(w, 1, Map.of("val_precision", Double.NaN, "train_loss", 0.7)).prune()).isFalse();
        assertThat(report(w, 2, Map.of("grad_norm", Double.NaN)).reason()).isEqualTo("diverged: grad_norm at step 2 is NaN");
    }

    @Test
    void aLossAboveFourTimesItsFirstValueOrItsBestSoFarDiverged() {
        Study study = study(Direction.MAXIMIZE, new DivergencePruner());
        Trial t = study.ask();
        assertThat(report(t, 1, Map.of("val_loss", 2.0)).prune()).isFalse();
        assertThat(report(t, 2, Map.of("val_loss", 7.9)).prune()).isFalse();
        assertThat(report(t, 3, Map.of("val_loss", 8.1)).reason())
                .isEqualTo("diverged: val_loss at step 3 is over 4x its first value: 8.1 > 4 x 2");
        Trial u = study.ask();
        report(u, 1, Map.of("train_loss", 2.0));
        report(u, 2, Map.of("train_loss", 0.3));
        assertThat(report(u, 3, Map.of("train_loss", 1.1)).prune()).isFalse();
        assertThat(report(u, 4, Map.of("train_loss", 1.25)).prune()).as("it may come straight back down").isFalse();
        assertThat(report(u, 5, Map.of("train_loss", 1.3)).reason())
                .isEqualTo("diverged: train_loss at step 4 is over 4x its best so far: 1.25 > 4 x 0.3");
        // Back above its first value, all its progress is lost: diverged at once, though it then falls slowly.
        Trial lost = study.ask();
        double[] back = {2.3, 0.5, 0.1, 0.05};
        for (int i = 0; i < back.length; i++) {
            report(lost, i + 1, Map.of("train_loss", back[i]));
        }
        assertThat(report(lost, 5, Map.of("train_loss", 3.0)).reason())
                .isEqualTo("diverged: train_loss at step 5 is over 4x its best so far: 3 > 4 x 0.05");
        // A warm restart of the learning rate (SGDR) lifts the loss for a step; it falls again, and is no divergence.
        Trial restart = study.ask();
        double[] sgdr = {2.3, 1.5, 0.8, 0.4, 0.15, 0.043, 0.35, 0.3, 0.2, 0.1, 0.03};
        for (int i = 0; i < sgdr.length; i++) {
            assertThat(report(restart, i + 1, Map.of("train_loss", sgdr[i])).prune()).as("step " + (i + 1)).isFalse();
        }
        // A loss converged near zero that wobbles there has not diverged, though 0.0009 is over 4x 0.0002: it gave
        // back far less than half of its progress from 1 on a log scale (up to 0.01414, the geometric mean).
        Trial w = study.ask();
        report(w, 1, Map.of("val_loss", 1.0));
        report(w, 2, Map.of("val_loss", 0.0002));
        assertThat(report(w, 3, Map.of("val_loss", 0.0009)).prune()).isFalse();
        assertThat(report(w, 4, Map.of("val_loss", 0.014)).prune()).isFalse();
        assertThat(report(w, 5, Map.of("val_loss", 0.015)).prune()).isFalse();
        assertThat(report(w, 6, Map.of("val_loss", 0.02)).reason())
                .isEqualTo("diverged: val_loss at step 5 is over 4x its best so far: 0.015 > 4 x 0.0002");
        // A first value that was itself a spike does not hide the blow-up after it.
        Trial s = study.ask();
        report(s, 1, Map.of("train_loss", 1e6));
        report(s, 2, Map.of("train_loss", 1.0));
        report(s, 3, Map.of("train_loss", 1000.0));
        assertThat(report(s, 4, Map.of("train_loss", 1000.0)).reason())
                .isEqualTo("diverged: train_loss at step 3 is over 4x its best so far: 1000 > 4 x 1");
    }

    @Test
    void aValidationLossThatRisesWhileTheTrainingLossFallsBelowItIsOverfittingNotDivergence() {
        // A helper's trial was pruned "diverged: val_loss ... over 4x its first value" while train_loss fell from 0.57
        // to 0.17: an overfitting model, whose accuracy may still be the study's best.
        Study study = study(Direction.MAXIMIZE, new DivergencePruner());
        Trial fitting = study.ask();
        assertThat(report(fitting, 1, Map.of("train_loss", 0.57, "val_loss", 0.54)).prune()).isFalse();
        assertThat(report(fitting, 2, Map.of("train_loss", 0.17, "val_loss", 2.2)).prune()).isFalse();
        // With the training loss rising too, or above the validation loss, it still diverged.
        Trial both = study.ask();
        assertThat(report(both, 1, Map.of("train_loss", 0.57, "val_loss", 0.54)).prune()).isFalse();
        assertThat(report(both, 2, Map.of("train_loss", 2.0, "val_loss", 2.2)).reason())
                .isEqualTo("diverged: val_loss at step 2 is over 4x its first value: 2.2 > 4 x 0.54");
        // The validation loss as a minimised objective: the same.
        Study min = study("min-val", Direction.MINIMIZE, new DivergencePruner());
        Trial objective = min.ask();
        objective.report(1, Map.of("train_loss", 0.57));
        assertThat(report(objective, 1, 0.54).prune()).isFalse();
        objective.report(2, Map.of("train_loss", 0.17));
        assertThat(report(objective, 2, 2.2).prune()).isFalse();
    }

    @Test
    void aMinimizedObjectiveIsALossButAMaximizedOneIsNot() {
        Study min = study("min", Direction.MINIMIZE, new DivergencePruner());
        assertThat(ask(running(min, 1.0, 0.2, 0.9, 0.95)).reason())
                .isEqualTo("diverged: its value at step 3 is over 4x its best so far: 0.9 > 4 x 0.2");
        Study max = study("max", Direction.MAXIMIZE, new DivergencePruner());
        assertThat(ask(running(max, 0.1, 0.2, 0.9)).prune()).isFalse();
        Study off = study("off", Direction.MINIMIZE, DivergencePruner.builder().objectiveIsLoss(false).build());
        assertThat(ask(running(off, 1.0, 0.2, 0.9)).prune()).isFalse();
    }

    @Test
    void aMaximizedObjectiveThatCollapsesForThreeStepsDiverged() {
        // An accuracy wrecked by a learning rate too high for NaN: 0.615 down to chance, its loss only 2.2x its best.
        Study study = study("collapse", Direction.MAXIMIZE, new DivergencePruner());
        assertThat(ask(running(study, 0.615, 0.338, 0.298, 0.175, 0.108)).prune()).isFalse();
        assertThat(ask(running(study, 0.615, 0.338, 0.298, 0.175, 0.108, 0.105)).reason())
                .isEqualTo("diverged: its value at step 4 is under 0.5x its best so far for 3 steps: 0.175 < 0.5 x 0.417"
                        + " (a mean of 3 steps)");
        // One lucky early value is no level the curve fell from (0.35 against 0.12, 0.13, 0.15 was a collapse).
        assertThat(ask(running(study, 0.10, 0.35, 0.12, 0.13, 0.15, 0.3, 0.45)).prune()).isFalse();
        // One bad epoch between good ones is not a collapse.
        assertThat(ask(running(study, 0.6, 0.25, 0.65, 0.2, 0.7, 0.72)).prune()).isFalse();
        // A score that may start near zero and wobble there can have the check off.
        Study off = study("collapse-off", Direction.MAXIMIZE, DivergencePruner.builder().objectiveCollapse(false).build());
        assertThat(ask(running(off, 0.05, 0.0, 0.0, 0.0)).prune()).isFalse();
    }

    @Test
    void anExplodingGradientNormIsPruned() {
        Study study = study(Direction.MINIMIZE, DivergencePruner.builder().gradNormFactor(5).build());
        Trial t = study.ask();
        double[] norms = {1.0, 2.0, 1.5, 7.0, 20.0};
        for (int i = 0; i < 4; i++) {
            assertThat(report(t, i + 1, Map.of("grad_norm", norms[i])).prune()).as("step " + (i + 1)).isFalse();
        }
        assertThat(report(t, 5, Map.of("grad_norm", 20.0)).reason())
                .isEqualTo("exploding gradients: grad_norm at step 5 is over 5x its median so far: 20 > 5 x 1.75");
        Study capped = study("capped", Direction.MINIMIZE, DivergencePruner.builder().maxGradNorm(100).build());
        assertThat(report(capped.ask(), 1, Map.of("grad_norm", 101.0)).reason())
                .isEqualTo("exploding gradients: grad_norm at step 1 is over its ceiling: 101 > 100");
    }

    @Test
    void theLossMetricsCanBeRenamed() {
        Study study = study(Direction.MAXIMIZE, DivergencePruner.builder().lossMetrics(List.of("loss")).lossFactor(2).build());
        Trial t = study.ask();
        report(t, 1, Map.of("loss", 1.0, "val_loss", 1.0));
        assertThat(report(t, 2, Map.of("val_loss", 3.0)).prune()).as("val_loss is not a loss here").isFalse();
        assertThat(report(t, 3, Map.of("loss", 2.5)).reason())
                .isEqualTo("diverged: loss at step 3 is over 2x its first value: 2.5 > 2 x 1");
    }

    @Test
    void inAStudyTheDivergedTrialEndsPrunedWithItsReason() {
        Study study = study(Direction.MINIMIZE, new DivergencePruner());
        study.optimize(trial -> {
            double[] curve = {1.0, 0.8, Double.NaN, 0.5};
            for (int step = 1; step <= curve.length; step++) {
                trial.report(step, curve[step - 1]);
                if (trial.shouldPrune()) {
                    throw new TrialPrunedException();
                }
            }
            return curve[curve.length - 1];
        }, 1);
        FrozenTrial t = study.trials().get(0);
        assertThat(t.state()).isEqualTo(TrialState.PRUNED);
        assertThat(t.reason()).isEqualTo("diverged: its value at step 3 is NaN");
        assertThat(t.intermediateValues()).hasSize(3);
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> DivergencePruner.builder().lossFactor(1)).hasMessage("lossFactor must be a finite number above 1, got 1.0");
        assertThatThrownBy(() -> DivergencePruner.builder().maxGradNorm(-1)).hasMessage("maxGradNorm must be a positive finite number, got -1.0");
    }
}
