package dev.tuna.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.TrialState;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.worker.device.Device;
import dev.tuna.worker.device.Devices;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduledStudyTest {
    private final TrialScheduler scheduler = TrialScheduler.builder(Devices.cpu(1)).build();

    @AfterEach
    void shutDown() {
        scheduler.shutdown(Duration.ofSeconds(5));
    }

    @Test
    void aCronScheduledStudyRunsAgainEachTimeItFires() throws Exception {
        Study study = Study.builder("nightly").create();
        CountDownLatch twoRuns = new CountDownLatch(2);
        OptimizeOptions options = OptimizeOptions.builder().optTrials(1).optCallback((s, t) -> twoRuns.countDown()).build();
        ScheduledStudy scheduled = scheduler.schedule(new StudyRun(study, trial -> trial.suggestFloat("x", 0, 1), options), "*/1 * * * * ?");
        assertThat(scheduled.nextFireTime()).isPresent();
        assertThat(twoRuns.await(60, TimeUnit.SECONDS)).isTrue();
        scheduled.cancel();
        assertThat(scheduled.nextFireTime()).isEmpty();
        assertThat(study.trials(TrialState.COMPLETE).size()).isGreaterThanOrEqualTo(2);
        // the runs went through the scheduler's devices
        assertThat(study.trials(TrialState.COMPLETE)).allSatisfy(t -> assertThat(t.systemAttrs()).containsEntry(Device.ATTR_DEVICE, "cpu"));
    }

    @Test
    void anInvalidCronOrASecondScheduleOfTheSameStudyIsRejected() {
        Study study = Study.builder("s").create();
        StudyRun run = new StudyRun(study, trial -> 1, OptimizeOptions.trials(1));
        assertThatThrownBy(() -> scheduler.schedule(run, "every hour"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cron: 'every hour' is not a valid Quartz cron expression");
        scheduler.schedule(run, "0 0 * * * ?");
        assertThatThrownBy(() -> scheduler.schedule(run, "0 30 * * * ?")).hasMessage("study 's' is scheduled already");
        assertThat(scheduler.scheduled()).hasSize(1);
    }
}
