package dev.tuna.search.pruner;

import static dev.tuna.search.pruner.Curves.ask;
import static dev.tuna.search.pruner.Curves.report;
import static dev.tuna.search.pruner.Curves.running;
import static dev.tuna.search.pruner.Curves.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import org.junit.jupiter.api.Test;

class ThresholdAndPatiencePrunerTest {

    @Test
    void thresholdPrunesOutsideItsBoundsAfterTheWarmUp() {
        Study study = study(Direction.MINIMIZE, new ThresholdPruner(0.1, 2.0, 2, 1));
        Trial t = running(study, 5.0);
        assertThat(ask(t).prune()).as("step 1 is in the warm-up").isFalse();
        assertThat(report(t, 2, 1.5).prune()).isFalse();
        assertThat(report(t, 3, 2.5).reason()).isEqualTo("above the upper bound at step 3: 2.5 > 2");
        Trial u = running(study, 1, 0.05);
        assertThat(ask(u).reason()).isEqualTo("below the lower bound at step 2: 0.05 < 0.1");
        Trial v = running(study, 1, Double.NaN);
        assertThat(ask(v).reason()).isEqualTo("its value at step 2 is NaN");
        assertThat(ask(running(study("up", Direction.MINIMIZE, ThresholdPruner.upper(1)), 0.5, 1.5)).prune()).isTrue();
        assertThat(ask(running(study("lo", Direction.MINIMIZE, ThresholdPruner.lower(1)), 1.5, 0.5)).prune()).isTrue();
        assertThatThrownBy(() -> new ThresholdPruner(2, 1)).hasMessage("lower must be at most upper, got lower 2.0 and upper 1.0");
    }

    @Test
    void thresholdLooksAtTheFirstReportOfEachIntervalAsOptunaDoes() {
        // Warm-up 0, interval 2: the pruning steps are 0, 2, 4, 6 ...; reports at steps 1, 3, 5 and 7 are each the
        // first of their interval, so every one of them is checked.
        Study study = study(Direction.MINIMIZE, new ThresholdPruner(Double.NEGATIVE_INFINITY, 10, 0, 2));
        Trial t = study.ask();
        assertThat(report(t, 1, 100).reason()).isEqualTo("above the upper bound at step 1: 100 > 10");
        // Every step reported: only the even steps open an interval.
        Trial u = study.ask();
        assertThat(report(u, 1, 5).prune()).isFalse();
        assertThat(report(u, 2, 5).prune()).isFalse();
        assertThat(report(u, 3, 100).prune()).as("step 3 is the second report of the interval from step 2").isFalse();
        assertThat(report(u, 4, 100).prune()).isTrue();
    }

    @Test
    void patiencePrunesWhenTheLastStepsDidNotImprove() {
        Study study = study(Direction.MINIMIZE, new PatiencePruner(3, 0.01, 0));
        Trial t = running(study, 1.0, 0.8, 0.6);
        assertThat(ask(t).prune()).as("too few steps to judge").isFalse();
        assertThat(report(t, 4, 0.5).prune()).isFalse();
        assertThat(report(t, 5, 0.505).prune()).as("0.5 at step 4 is 0.1 better than 0.6").isFalse();
        assertThat(report(t, 6, 0.51).prune()).as("best of steps 3..6 is 0.5, before them 0.8").isFalse();
        assertThat(report(t, 7, 0.495).prune()).as("best of 4..7 is 0.495, before them 0.6").isFalse();
        assertThat(report(t, 8, 0.51).reason())
                .isEqualTo("no improvement of more than 0.01 in the last 3 steps at step 8: best 0.495 vs 0.5 before");
    }

    @Test
    void patienceFollowsTheDirection() {
        Study study = study(Direction.MAXIMIZE, new PatiencePruner(2));
        Trial t = running(study, 0.1, 0.5, 0.4, 0.45);
        assertThat(ask(t).prune()).as("0.5 at step 2 is among the last 3 values and beats 0.1").isFalse();
        Trial u = running(study, 0.1, 0.2, 0.3, 0.4);
        assertThat(ask(u).prune()).isFalse();
        Trial w = running(study, 0.5, 0.4, 0.45, 0.3);
        assertThat(ask(w).reason()).isEqualTo("no improvement in the last 2 steps at step 4: best 0.45 vs 0.5 before");
    }

    @Test
    void patienceStopsAFlatCurveWhereOptunasPatientPrunerWouldNot() {
        // Optuna prunes only when the recent best is worse than the earlier best plus min_delta; a plateau is what
        // this pruner is for (as Keras' EarlyStopping), so an improvement must be larger than minDelta.
        Study study = study(Direction.MINIMIZE, new PatiencePruner(3));
        assertThat(ask(running(study, 1, 1, 1, 1, 1)).reason())
                .isEqualTo("no improvement in the last 3 steps at step 5: best 1 vs 1 before");
    }
}
