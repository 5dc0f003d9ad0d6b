package dev.tuna.search.pruner;

import static dev.tuna.search.pruner.Curves.ask;
import static dev.tuna.search.pruner.Curves.complete;
import static dev.tuna.search.pruner.Curves.report;
import static dev.tuna.search.pruner.Curves.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CurveExtrapolationPrunerTest {
    private static final int EPOCHS = 27;

    /** A curve with a little deterministic noise (a fixed +-0.5% pattern). */
    private static double[] curve(IntToDoubleFunction f, int steps) {
        return IntStream.rangeClosed(1, steps).mapToDouble(t -> f.applyAsDouble(t) * (1 + 0.005 * Math.sin(7.3 * t))).toArray();
    }

    private static Study withBest(Direction direction, double bestFinal) {
        Study study = study(direction, new CurveExtrapolationPruner());
        double sign = direction == Direction.MINIMIZE ? 1 : -1;
        complete(study, curve(t -> sign * (bestFinal + 2 * Math.exp(-t / 3.0)), EPOCHS));
        return study;
    }

    /** Reports the curve step by step until the pruner says stop; returns the decision and the step. */
    private static int firstPrunedStep(Study study, double[] values, PruneDecision[] last) {
        Trial t = study.ask();
        for (int step = 1; step <= values.length; step++) {
            last[0] = report(t, step, values[step - 1]);
            if (last[0].prune()) {
                return step;
            }
        }
        return -1;
    }

    @Test
    void prunesACurveThatLevelsOffWellAboveTheBest() {
        Study study = withBest(Direction.MINIMIZE, 0.30);
        PruneDecision[] d = new PruneDecision[1];
        int step = firstPrunedStep(study, curve(t -> 0.8 + 1.5 * Math.exp(-t / 2.0), EPOCHS), d);
        assertThat(step).isBetween(3, 6);
        assertThat(d[0].reason()).matches("predicted to end worse than the best at step " + step
                + ": 0\\.[6-9]\\d* ± [0-9.e-]+ at step 27 > 0\\.3\\d* \\(P = (0\\.9\\d*|1)\\)");
    }

    @Test
    void keepsACurveOnItsWayBelowTheBest() {
        Study study = withBest(Direction.MINIMIZE, 0.30);
        PruneDecision[] d = new PruneDecision[1];
        assertThat(firstPrunedStep(study, curve(t -> 0.2 + 2.2 * Math.exp(-t / 4.0), EPOCHS), d)).isEqualTo(-1);
    }

    @Test
    void keepsASlowPowerLawThatEndsBetterThoughItStartsWorse() {
        Study study = withBest(Direction.MINIMIZE, 0.85);
        // 1.55 at step 4 where the best trial was at 1.38; it ends at 0.78, better than the best's 0.85
        PruneDecision[] d = new PruneDecision[1];
        assertThat(firstPrunedStep(study, curve(t -> 0.3 + 2.5 * Math.pow(t, -0.5), EPOCHS), d)).isEqualTo(-1);
    }

    @Test
    void followsTheDirection() {
        Study study = withBest(Direction.MAXIMIZE, -0.30); // the best trial rises to 0.30
        PruneDecision[] d = new PruneDecision[1];
        int step = firstPrunedStep(study, curve(t -> -(0.8 + 1.5 * Math.exp(-t / 2.0)), EPOCHS), d);
        assertThat(step).isPositive();
        assertThat(d[0].reason()).contains(" < 0.3");
        assertThat(firstPrunedStep(study, curve(t -> 0.4 - 2.2 * Math.exp(-t / 4.0), EPOCHS), d)).isEqualTo(-1);
    }

    @Test
    void waitsForACompletedTrialAndEnoughSteps() {
        Study study = study(Direction.MINIMIZE, new CurveExtrapolationPruner(27, 5, 1, 0.9));
        Trial first = study.ask();
        for (int step = 1; step <= 6; step++) {
            assertThat(report(first, step, 10.0 + step)).as("no completed trial yet").isEqualTo(PruneDecision.KEEP);
        }
        complete(study, curve(t -> 0.3 + 2 * Math.exp(-t / 3.0), EPOCHS));
        Trial t = study.ask();
        for (int step = 1; step <= 4; step++) {
            assertThat(report(t, step, 5.0)).as("fewer than 5 steps").isEqualTo(PruneDecision.KEEP);
        }
        assertThat(report(t, 5, 5.0).prune()).isTrue();
        assertThat(ask(first).prune()).isTrue();
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> new CurveExtrapolationPruner(0, 2, 1, 0.9)).hasMessage("minSteps must be at least 3, got 2");
        assertThatThrownBy(() -> new CurveExtrapolationPruner(0, 3, 1, 0.4)).hasMessage("probability must be in (0.5, 1), got 0.4");
        // One that would never judge a trial: more values needed than a trial reports up to the final step.
        assertThatThrownBy(() -> new CurveExtrapolationPruner(2, 5, 1, 0.9))
                .hasMessage("minSteps must be at most maxStep (2): a trial reports no more values than that before its last"
                        + " step, got 5");
        assertThat(new CurveExtrapolationPruner(5, 5, 1, 0.9)).isNotNull();
    }
}
