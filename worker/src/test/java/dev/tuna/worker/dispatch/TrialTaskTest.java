package dev.tuna.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.device.SlotPool.Slot;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrialTaskTest {
    private final TrialScheduler scheduler = TrialScheduler.builder(Devices.cpu(1)).build();

    @AfterEach
    void shutDown() {
        scheduler.shutdown(Duration.ofSeconds(5));
    }

    /** What Quartz does with a job whose worker died mid-run: it runs it again, "recovering". */
    @Test
    void aRecoveredJobFailsItsTrialAsWorkerLostAndRetriesIt() {
        Study study = Study.builder("lost").create();
        DeviceExecutor executor = scheduler.executor();
        study.optimize(trial -> trial.suggestFloat("x", 0, 1), OptimizeOptions.builder().optTrials(1).optExecutor(loop -> {
            DeviceExecutor.Run run = executor.new Run(loop);
            Trial trial = loop.nextTrial().orElseThrow();
            Slot slot = scheduler.pool().tryAcquire().orElseThrow();
            TrialTask task = new TrialTask(scheduler, executor, run, trial, slot);
            run.started(task);
            task.runLost();
            task.runIfUnclaimed(); // a task runs once: this does nothing
            assertThat(scheduler.pool().free()).isEqualTo(1);
            for (Optional<Trial> t = loop.nextTrial(); t.isPresent(); t = loop.nextTrial()) {
                loop.run(t.get(), loop.objective());
            }
        }).build());
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(2);
        assertThat(trials.get(0).state()).isEqualTo(TrialState.FAIL);
        assertThat(trials.get(0).reason()).isEqualTo("dev.tuna.worker.dispatch.InfrastructureException: worker lost");
        assertThat(trials.get(1).state()).isEqualTo(TrialState.COMPLETE);
        assertThat(trials.get(1).systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, 0);
    }
}
