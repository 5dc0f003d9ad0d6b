package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.InMemoryStorage;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewsTest {

    @Test
    void aQueuedTrialShowsTheParametersItWasQueuedWith() {
        InMemoryStorage storage = new InMemoryStorage();
        storage.createStudy("s", Direction.MINIMIZE);
        FrozenTrial queued = storage.enqueueTrial("s", Map.of("x", 0.5, "opt", "adam"));
        assertThat(Views.trialRow(queued)).containsEntry("params", Map.of("x", 0.5, "opt", "adam"))
                .containsEntry("state", "WAITING");
        FrozenTrial running = storage.startTrial("s");
        assertThat(Views.trialRow(running).get("params")).isEqualTo(Map.of()); // its own, once it runs
    }

    @Test
    void readFromStorageAloneAStudyWithRunningTrialsRuns() {
        // As a cluster's database shows it to a reader: another machine runs the trial.
        InMemoryStorage storage = new InMemoryStorage();
        storage.createStudy("s", Direction.MINIMIZE);
        storage.setStudyAttr("s", StudyService.ATTR_SPEC, Map.of("trials", 5));
        assertThat(Views.study(storage.findStudy("s").orElseThrow(), storage.trials("s"))).containsEntry("state", "idle");
        storage.startTrial("s");
        assertThat(Views.study(storage.findStudy("s").orElseThrow(), storage.trials("s"))).containsEntry("state", "running");
    }

    @Test
    void aStudyMadeInCodeRunsWhileItsTrialsRunElsewhere() {
        // A program optimising it on a shared database: the server runs nothing of it, yet it is not complete.
        InMemoryStorage storage = new InMemoryStorage();
        storage.createStudy("code", Direction.MINIMIZE);
        int n = storage.startTrial("code").number();
        assertThat(Views.study(storage.findStudy("code").orElseThrow(), storage.trials("code"), StudyService.State.COMPLETE,
                java.util.Optional.empty())).containsEntry("state", "running");
        storage.finishTrial("code", n, dev.tuna.core.TrialState.COMPLETE, 1.0, null);
        assertThat(Views.study(storage.findStudy("code").orElseThrow(), storage.trials("code"))).containsEntry("state", "complete");
    }
}
