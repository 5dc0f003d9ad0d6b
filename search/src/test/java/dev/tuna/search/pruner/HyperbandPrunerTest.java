package dev.tuna.search.pruner;

import static dev.tuna.search.pruner.Curves.report;
import static dev.tuna.search.pruner.Curves.running;
import static dev.tuna.search.pruner.Curves.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HyperbandPrunerTest {

    @Test
    void choosesBracketsAsOptunaDoes() {
        HyperbandPruner pruner = new HyperbandPruner(1, 28, 3);
        assertThat(pruner.bracketCount()).isEqualTo(4);
        // Exact powers count exactly (Optuna's math.log gives 5 and 3 here, as the javadoc says).
        assertThat(new HyperbandPruner(1, 243, 3).bracketCount()).isEqualTo(6);
        assertThat(new HyperbandPruner(1, 1000, 10).bracketCount()).isEqualTo(4);
        Study study = study("hb", Direction.MINIMIZE, pruner);
        // Optuna 3.1's HyperbandPruner(1, 28, 3)._get_bracket_id for trials 0..11 of a study named "hb"
        int[] optuna = {0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 3, 0};
        for (int expected : optuna) {
            Trial t = study.ask();
            report(t, 1, 1.0);
            assertThat(t.snapshot().systemAttrs().get(HyperbandPruner.BRACKET_ATTR)).as("trial " + t.number()).isEqualTo(expected);
        }
    }

    @Test
    void trialsCompeteOnlyWithinTheirBracket() {
        Study study = study("hb", Direction.MINIMIZE, new HyperbandPruner(1, 28, 3));
        List<Trial> t = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            t.add(study.ask()); // brackets 0 1 1 0 1 0
        }
        assertThat(report(t.get(0), 1, 0.5).prune()).isFalse();
        assertThat(report(t.get(1), 1, 0.1).prune()).as("bracket 1's first rung is at step 3").isFalse();
        assertThat(report(t.get(3), 1, 0.9).reason())
                .isEqualTo("bracket 0: not in the top 1/3 of rung 0 at step 1: 0.9 > 0.5 (cut-off among 2 trials)");
        for (int step = 2; step <= 3; step++) {
            assertThat(report(t.get(1), step, 0.7).prune())
                    .as("0.7 is first at bracket 1's rung; bracket 0's 0.5 does not count").isFalse();
        }
        report(t.get(2), 1, 0.8);
        report(t.get(2), 2, 0.8);
        assertThat(report(t.get(2), 3, 0.8).reason())
                .isEqualTo("bracket 1: not in the top 1/3 of rung 0 at step 3: 0.8 > 0.7 (cut-off among 2 trials)");
    }

    @Test
    void autoMaximumResourceWaitsForACompletedTrial() {
        HyperbandPruner pruner = new HyperbandPruner();
        Study study = study("hb", Direction.MINIMIZE, pruner);
        Trial first = study.ask();
        assertThat(report(first, 1, 9.0).prune()).isFalse();
        assertThat(pruner.bracketCount()).isZero();
        for (int step = 2; step <= 9; step++) {
            first.report(step, 1.0);
        }
        study.tell(first, 1.0);
        report(study.ask(), 1, 1.0);
        assertThat(pruner.bracketCount()).as("max resource 10, reduction 3: floor(log3 10) + 1").isEqualTo(3);
    }

    @Test
    void aFirstCompletedTrialShorterThanTheMinimumResourceLeavesNoBracketAndPrunesNothing() {
        // Its last step 1 makes a maximum resource of 2, under the minimum resource 3: no bracket, as in Optuna
        // (every later trial failed: / by zero).
        HyperbandPruner pruner = new HyperbandPruner(3, 0, 3);
        Study study = study("hb", Direction.MINIMIZE, pruner);
        study.tell(running(study, 0.5), 0.5);
        for (double value : new double[] {9, 8, 7}) {
            assertThat(report(running(study, 9, 9, 9), 4, value).prune()).isFalse();
        }
        assertThat(pruner.bracketCount()).isZero();
        // Under a third of it (a negative bracket count: NegativeArraySizeException) too.
        Study shorter = study("hb1", Direction.MINIMIZE, new HyperbandPruner(10, 0, 3));
        shorter.tell(running(shorter, 0.5), 0.5);
        assertThat(report(running(shorter, 9, 9, 9), 40, 9.0).prune()).isFalse();
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> new HyperbandPruner(0, 27, 3)).hasMessage("minResource must be at least 1, got 0");
        assertThatThrownBy(() -> new HyperbandPruner(5, 3, 3)).hasMessage("maxResource must be at least minResource (5), got 3");
    }
}
