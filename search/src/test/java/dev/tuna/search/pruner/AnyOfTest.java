package dev.tuna.search.pruner;

import static dev.tuna.search.pruner.Curves.ask;
import static dev.tuna.search.pruner.Curves.running;
import static dev.tuna.search.pruner.Curves.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnyOfTest {

    @Test
    void theFirstPrunerThatPrunesGivesTheReason() {
        List<String> asked = new ArrayList<>();
        AnyOf any = new AnyOf(
                (s, t) -> { asked.add("keep"); return PruneDecision.KEEP; },
                (s, t) -> { asked.add("first"); return PruneDecision.prune("first reason"); },
                (s, t) -> { asked.add("second"); return PruneDecision.prune("second reason"); });
        Study study = study(Direction.MINIMIZE, any);
        assertThat(ask(running(study, 1.0)).reason()).isEqualTo("first reason");
        assertThat(asked).containsExactly("keep", "first");
    }

    @Test
    void keepsWhenNonePrunes() {
        Study study = study(Direction.MINIMIZE, new AnyOf(new ThresholdPruner(0, 10), new DivergencePruner()));
        assertThat(ask(running(study, 1.0, 2.0)).prune()).isFalse();
        assertThat(ask(running(study, 1.0, 20.0)).reason()).isEqualTo("above the upper bound at step 2: 20 > 10");
        Study nan = study("nan", Direction.MINIMIZE, new AnyOf(new MedianPruner(), new DivergencePruner()));
        assertThat(ask(running(nan, Double.NaN)).reason()).as("the median pruner waits for 5 trials; divergence does not")
                .isEqualTo("diverged: its value at step 1 is NaN");
    }

    @Test
    void refusesASecondRungPruner() {
        // Both record rungs in completed_rung_k: the second took the first's rungs for its own and pruned nothing.
        assertThatThrownBy(() -> new AnyOf(new SuccessiveHalvingPruner(1, 2, 0), new DivergencePruner(),
                new AnyOf(new HyperbandPruner())))
                .hasMessage("pruners[2]: a second successive-halving or Hyperband pruner; they record a trial's"
                        + " rungs in the same attributes; keep one of them");
        assertThat(new AnyOf(new HyperbandPruner(), new MedianPruner(), new DivergencePruner()).pruners()).hasSize(3);
    }

    @Test
    void needsAPruner() {
        assertThatThrownBy(AnyOf::new).hasMessage("pruners must not be empty");
    }
}
