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
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SuccessiveHalvingPrunerTest {

    @Test
    void promotesAsynchronouslyWithSeveralTrialsInFlight() {
        Study study = study(Direction.MINIMIZE, new SuccessiveHalvingPruner(1, 2, 0)); // rungs at steps 1, 2, 4, 8
        Trial a = study.ask();
        Trial b = study.ask();
        Trial c = study.ask();
        assertThat(report(a, 1, 0.5).prune()).as("the first at a rung goes on: nobody waits for it to fill").isFalse();
        assertThat(report(b, 1, 0.9).reason())
                .isEqualTo("not in the top 1/2 of rung 0 at step 1: 0.9 > 0.5 (cut-off among 2 trials)");
        assertThat(report(c, 1, 0.4).prune()).isFalse();
        assertThat(report(a, 2, 0.45).prune()).as("first at rung 1").isFalse();
        assertThat(report(c, 2, 0.6).reason())
                .isEqualTo("not in the top 1/2 of rung 1 at step 2: 0.6 > 0.45 (cut-off among 2 trials)");
        assertThat(report(a, 3, 0.9).prune()).as("step 3 is no rung").isFalse();

        Trial d = study.ask();
        assertThat(report(d, 1, 0.6).reason()).as("rung 0 holds 0.4 0.5 0.6 0.9: the top half ends at 0.5")
                .isEqualTo("not in the top 1/2 of rung 0 at step 1: 0.6 > 0.5 (cut-off among 4 trials)");
        Trial e = study.ask();
        assertThat(report(e, 1, 0.45).prune()).as("0.4 0.45 | 0.5 0.6 0.9: 5 / 2 = 2 go on").isFalse();

        assertThat(a.snapshot().systemAttrs()).containsEntry("completed_rung_0", 0.5).containsEntry("completed_rung_1", 0.45)
                .doesNotContainKey("completed_rung_2");
        assertThat(b.snapshot().systemAttrs()).containsEntry("completed_rung_0", 0.9).doesNotContainKey("completed_rung_1");
    }

    @Test
    void aTrialThatSkipsRungsIsJudgedAtEachOfThem() {
        Study study = study(Direction.MAXIMIZE, new SuccessiveHalvingPruner(1, 3, 1)); // rungs at steps 3, 9, 27
        Trial a = running(study, 0.1, 0.2, 0.3);
        assertThat(ask(a).prune()).isFalse();
        Trial b = running(study, 0.1, 0.2, 0.35, 0.4, 0.5, 0.6, 0.6, 0.6, 0.6);
        PruneDecision d = ask(b); // reports only now: passes rung 0 (0.6 > 0.3) and is first at rung 1
        assertThat(d.prune()).isFalse();
        assertThat(b.snapshot().systemAttrs()).containsEntry("completed_rung_0", 0.6).containsEntry("completed_rung_1", 0.6);
        Trial c = running(study, 0.1, 0.1, 0.2);
        assertThat(ask(c).reason()).isEqualTo("not in the top 1/3 of rung 0 at step 3: 0.2 < 0.6 (cut-off among 3 trials)");
    }

    @Test
    void aTrialTunaInterruptedDoesNotCompete() {
        Study study = study(Direction.MAXIMIZE, new SuccessiveHalvingPruner(1, 2, 0)); // rungs at steps 1, 2, 4
        Trial killed = running(study, 0.9, 0.95);
        assertThat(ask(killed).prune()).isFalse();
        study.storage().finishTrial(study.name(), killed.number(), TrialState.FAIL, null, FrozenTrial.REASON_INTERRUPTED);
        Trial failed = running(study, 0.85);
        assertThat(ask(failed).prune()).isFalse();
        study.storage().finishTrial(study.name(), failed.number(), TrialState.FAIL, null, "java.lang.OutOfMemoryError");
        // Judged against the failure, as in Optuna, not against the interrupted trial (a cut-off of 0.9 before).
        assertThat(ask(running(study, 0.8)).reason())
                .isEqualTo("not in the top 1/2 of rung 0 at step 1: 0.8 < 0.85 (cut-off among 2 trials)");
    }

    @Test
    void nanIsPrunedAtARung() {
        Study study = study(Direction.MINIMIZE, new SuccessiveHalvingPruner(1, 2, 0));
        assertThat(ask(running(study, Double.NaN)).reason()).isEqualTo("its value at step 1 is NaN");
    }

    @Test
    void autoMinimumResourceWaitsForACompletedTrial() {
        Study study = study(Direction.MINIMIZE, new SuccessiveHalvingPruner());
        assertThat(ask(running(study, 5.0)).prune()).isFalse();
        complete(study, IntStream.range(0, 200).mapToDouble(i -> 1.0).toArray()); // 200 steps: minimum resource 2
        Trial first = running(study, 1.0);
        assertThat(report(first, 2, 1.0).prune()).as("first at rung 0, which is at step 2").isFalse();
        Trial t = running(study, 5.0);
        assertThat(ask(t).prune()).as("step 1 is before the first rung").isFalse();
        assertThat(report(t, 2, 5.0).reason()).isEqualTo("not in the top 1/4 of rung 0 at step 2: 5 > 1 (cut-off among 2 trials)");
    }

    @Test
    void rungsBeyondTheRangeOfALongEndTheClimb() {
        // 2 x 2^70 overflowed a long to a negative step: the loop went up rungs for ever, an attribute each, out of memory.
        Study study = study(Direction.MINIMIZE, new SuccessiveHalvingPruner(2, 2, 70));
        Trial t = running(study, 1.0);
        assertThat(report(t, Integer.MAX_VALUE, 1.0).prune()).isFalse();
        assertThat(t.snapshot().systemAttrs()).doesNotContainKey("completed_rung_0");
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> new SuccessiveHalvingPruner(1, 1, 0)).hasMessage("reductionFactor must be at least 2, got 1");
        assertThatThrownBy(() -> new SuccessiveHalvingPruner(-1, 2, 0)).hasMessage("minResource must be at least 0, got -1");
    }
}
