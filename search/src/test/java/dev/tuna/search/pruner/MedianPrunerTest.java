package dev.tuna.search.pruner;

import static dev.tuna.search.pruner.Curves.ask;
import static dev.tuna.search.pruner.Curves.complete;
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
import org.junit.jupiter.api.Test;

class MedianPrunerTest {

    private static Study maximizingWithThreeCompleted(MedianPruner pruner) {
        Study study = study(Direction.MAXIMIZE, pruner);
        complete(study, 0.50, 0.60, 0.70, 0.70, 0.70);
        complete(study, 0.55, 0.65, 0.72, 0.73, 0.73);
        complete(study, 0.60, 0.70, 0.75, 0.80, 0.81);
        return study;
    }

    @Test
    void prunesBelowTheMedianWhenMaximizingWithAReasonAPersonReads() {
        Study study = maximizingWithThreeCompleted(new MedianPruner(3, 0, 1));
        Trial t = running(study, 0.61, 0.66);
        assertThat(ask(t).prune()).as("0.66 at step 2 is above the median 0.65").isFalse();
        assertThat(report(t, 3, 0.61).reason())
                .as("the trial's best so far is compared").isEqualTo("below the median at step 3: 0.66 < 0.72");
    }

    @Test
    void theReasonIsStoredOnThePrunedTrial() {
        Study study = maximizingWithThreeCompleted(new MedianPruner(3, 0, 1));
        study.optimize(trial -> {
            double[] curve = {0.40, 0.50, 0.55, 0.60, 0.61};
            for (int step = 1; step <= curve.length; step++) {
                trial.report(step, curve[step - 1]);
                if (step >= 5 && trial.shouldPrune()) {
                    throw new TrialPrunedException();
                }
            }
            return curve[curve.length - 1];
        }, 1);
        FrozenTrial pruned = study.trials().get(3);
        assertThat(pruned.state()).isEqualTo(TrialState.PRUNED);
        assertThat(pruned.reason()).isEqualTo("below the median at step 5: 0.61 < 0.73");
        assertThat(pruned.value()).isEqualTo(0.61);
    }

    @Test
    void aReasonShowsTheDigitsThatTellTheTwoValuesApart() {
        // Both read 0.7917: the reason looked like a tie.
        Study study = study(Direction.MAXIMIZE, new MedianPruner(1, 0, 1));
        complete(study, 0.79166667);
        assertThat(ask(running(study, 0.79166666)).reason()).isEqualTo("below the median at step 1: 0.79166666 < 0.79166667");
        assertThat(ask(running(study, 0.5)).reason()).isEqualTo("below the median at step 1: 0.5 < 0.7917");
        // To the last digit a double has, in the form of the others (0.1 + 0.2 against 0.3 read "0.3 < 0.3").
        assertThat(Checks.versus(0.1 + 0.2, ">", 0.3)).isEqualTo("0.30000000000000004 > 0.3");
        assertThat(Checks.versus(1.00000001e-5, ">", 1e-5)).isEqualTo("1.00000001e-05 > 1e-05");
    }

    @Test
    void prunesAboveTheMedianWhenMinimizing() {
        Study study = study(Direction.MINIMIZE, new MedianPruner(2, 0, 1));
        complete(study, 1.0, 0.5);
        complete(study, 1.2, 0.7);
        Trial good = running(study, 1.05);
        assertThat(ask(good).prune()).isFalse();
        assertThat(report(good, 2, 0.59).prune()).isFalse();
        Trial bad = running(study, 1.3);
        assertThat(ask(bad).reason()).isEqualTo("above the median at step 1: 1.3 > 1.1");
    }

    @Test
    void waitsForStartupTrialsAndWarmUpStepsAndChecksOncePerInterval() {
        Study study = study(Direction.MINIMIZE, new MedianPruner(2, 2, 3));
        complete(study, 1, 1, 1, 1, 1, 1, 1, 1);
        Trial t = running(study, 5, 5, 5);
        assertThat(ask(t).prune()).as("one completed trial of the 2 startup trials").isFalse();
        complete(study, 1, 1, 1, 1, 1, 1, 1, 1);
        Trial u = running(study, 5);
        assertThat(ask(u).prune()).as("step 1 is in the warm-up").isFalse();
        assertThat(report(u, 2, 5).prune()).as("step 2 is the first pruning step").isTrue();
        Trial v = running(study, 5, 5, 5, 5); // not asked at step 2
        assertThat(ask(v).prune()).as("steps 3 and 4 are inside the interval from 2 to 5").isFalse();
        assertThat(report(v, 5, 5).reason()).isEqualTo("above the median at step 5: 5 > 1");
    }

    @Test
    void anAllNanCurveIsPruned() {
        Study study = study(Direction.MINIMIZE, new MedianPruner(1, 0, 1));
        complete(study, 1, 1);
        Trial t = running(study, Double.NaN);
        assertThat(ask(t).reason()).isEqualTo("no number in its intermediate values at step 1: all are NaN");
    }

    @Test
    void aNanAtTheStepCountsTowardsTheMinimumTrialsButNotTheMedian() {
        // Optuna 3.1 decides the same: n_min_trials counts every trial that reported the step.
        Study study = study(Direction.MINIMIZE, new MedianPruner(0, 0, 1, 2));
        complete(study, Double.NaN, 1);
        complete(study, 5, 1);
        assertThat(ask(running(study, 10)).reason()).isEqualTo("above the median at step 1: 10 > 5");
        assertThat(ask(running(study, 4)).prune()).isFalse();

        Study onlyNan = study("nan", Direction.MINIMIZE, new MedianPruner(0, 0, 1, 1));
        complete(onlyNan, Double.NaN, 1);
        assertThat(ask(running(onlyNan, 10)).prune()).as("no number to take a median of").isFalse();
    }

    @Test
    void percentilePrunerUsesItsPercentileFromTheBestEnd() {
        Study study = study(Direction.MINIMIZE, new PercentilePruner(25, 1, 0, 1, 1));
        for (double v : new double[] {1, 2, 3, 4, 5}) {
            complete(study, v);
        }
        assertThat(ask(running(study, 1.9)).prune()).as("the 25th percentile of 1..5 is 2").isFalse();
        assertThat(ask(running(study, 2.1)).reason()).isEqualTo("above the 25th percentile at step 1: 2.1 > 2");
        Study max = study("max", Direction.MAXIMIZE, new PercentilePruner(25, 1, 0, 1, 1));
        for (double v : new double[] {1, 2, 3, 4, 5}) {
            complete(max, v);
        }
        assertThat(ask(running(max, 3.9)).reason()).isEqualTo("below the 25th percentile at step 1: 3.9 < 4");
        assertThat(ask(running(max, 4.1)).prune()).isFalse();
    }

    @Test
    void anInfiniteValueAtTheStepIsRankedNotTurnedIntoNaN() {
        // One completed trial at +inf made the interpolation NaN (inf x 0), and nothing was pruned at that step.
        assertThat(PercentilePruner.percentile(java.util.List.of(0.1, 0.2, Double.POSITIVE_INFINITY), 50)).isEqualTo(0.2);
        assertThat(PercentilePruner.percentile(java.util.List.of(0.5, Double.NEGATIVE_INFINITY), 50))
                .isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(PercentilePruner.percentile(java.util.List.of(0.75, Double.POSITIVE_INFINITY), 50))
                .isEqualTo(Double.POSITIVE_INFINITY);
        Study study = study(Direction.MINIMIZE, new MedianPruner(0, 0, 1, 1));
        complete(study, 0.1);
        complete(study, 0.2);
        complete(study, Double.POSITIVE_INFINITY);
        assertThat(ask(running(study, 5.0)).reason()).isEqualTo("above the median at step 1: 5 > 0.2");
    }

    @Test
    void badSettingsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> new MedianPruner(-1, 0, 1)).hasMessage("nStartupTrials must be at least 0, got -1");
        assertThatThrownBy(() -> new MedianPruner(0, 0, 0)).hasMessage("intervalSteps must be at least 1, got 0");
        assertThatThrownBy(() -> new PercentilePruner(101)).hasMessage("percentile must be in [0, 100], got 101.0");
    }
}
