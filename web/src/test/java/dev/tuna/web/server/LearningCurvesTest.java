package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.Direction;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.core.storage.Storage;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LearningCurvesTest {
    /**
     * Trials 0-69 complete with value {@code number} (0 is the best), 70 failed, 71 runs and reported -1, 72 runs and
     * reported nothing, 73 was pruned at 0.5; trial 5 also reported a "loss" curve.
     */
    private static Storage study(Direction direction) {
        Storage storage = new InMemoryStorage();
        storage.createStudy("s", direction);
        for (int i = 0; i < 70; i++) {
            storage.startTrial("s");
            storage.report("s", i, 1, (double) i, i == 5 ? Map.of("loss", 0.25) : Map.of());
            storage.finishTrial("s", i, TrialState.COMPLETE, (double) i, null);
        }
        storage.startTrial("s");
        storage.report("s", 70, 1, -5.0, Map.of());
        storage.finishTrial("s", 70, TrialState.FAIL, null, "boom");
        storage.startTrial("s");
        storage.report("s", 71, 1, -1.0, Map.of());
        storage.startTrial("s");
        storage.startTrial("s");
        storage.report("s", 73, 1, 0.5, Map.of());
        storage.finishTrial("s", 73, TrialState.PRUNED, null, "pruned");
        return storage;
    }

    private static List<Integer> numbers(Map<String, Object> view) {
        return ((List<?>) view.get("trials")).stream().map(t -> (Integer) ((Map<?, ?>) t).get("number")).toList();
    }

    private static Map<String, Object> view(Storage storage, String metric, LearningCurves.Of of) {
        return LearningCurves.view(storage.trials("s"), storage.findStudy("s").orElseThrow().direction(), metric, of);
    }

    @Test
    void theLatestAreTheLastSixtyThatReportedWithTheBestFirst() {
        Storage storage = study(Direction.MINIMIZE);
        Map<String, Object> latest = view(storage, "value", LearningCurves.Of.LATEST);
        assertThat(numbers(latest)).containsExactlyElementsOf(
                IntStream.concat(IntStream.of(0), IntStream.concat(IntStream.rangeClosed(13, 71), IntStream.of(73))).boxed().toList());
        assertThat(latest).containsEntry("reported", 73).containsEntry("running", 2L).containsEntry("of", "latest");
        Map<?, ?> first = (Map<?, ?>) ((List<?>) latest.get("trials")).get(0);
        assertThat(first.get("curve")).isEqualTo(Map.of(1, 0.0));
        assertThat(first.get("params")).isNotNull();
        assertThat(first.containsKey("intermediateValues")).isFalse();
    }

    @Test
    void theBestAreRankedByValueOrLastReportedValueAndNeverFailed() {
        List<Integer> best = numbers(view(study(Direction.MINIMIZE), "value", LearningCurves.Of.BEST));
        assertThat(best).containsExactlyElementsOf(IntStream.concat(IntStream.rangeClosed(0, 57), IntStream.of(71, 73))
                .boxed().toList());
        // Maximised, the highest values are the best: trials 10-69, with trial 69 (the best) among them.
        assertThat(numbers(view(study(Direction.MAXIMIZE), "value", LearningCurves.Of.BEST)))
                .containsExactlyElementsOf(IntStream.rangeClosed(10, 69).boxed().toList());
    }

    @Test
    void theRunningOnesAreThoseThatReportedAndTheBestOnlyBesideSome() {
        Storage storage = study(Direction.MINIMIZE);
        assertThat(numbers(view(storage, "value", LearningCurves.Of.RUNNING))).containsExactly(0, 71);
        storage.finishTrial("s", 71, TrialState.COMPLETE, 3.0, null);
        Map<String, Object> none = view(storage, "value", LearningCurves.Of.RUNNING);
        assertThat(numbers(none)).isEmpty(); // the page says that none runs, not the best trial alone
        assertThat(none).containsEntry("running", 1L);
    }

    @Test
    void aMetricsCurveIsTheOneSentAndEveryMetricIsNamed() {
        Storage storage = study(Direction.MINIMIZE);
        Map<String, Object> loss = view(storage, "loss", LearningCurves.Of.LATEST);
        assertThat(numbers(loss)).containsExactly(5); // the best trial has no loss curve to draw
        assertThat(((Map<?, ?>) ((List<?>) loss.get("trials")).get(0)).get("curve")).isEqualTo(Map.of(1, 0.25));
        assertThat(List.copyOf((java.util.Collection<?>) loss.get("metrics"))).isEqualTo(List.of("loss"));
        Map<String, Object> unknown = view(storage, "accuracy", LearningCurves.Of.LATEST);
        assertThat(numbers(unknown)).isEmpty();
        assertThat(unknown).containsEntry("reported", 0);
    }
}
