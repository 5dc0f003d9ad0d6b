package dev.tuna.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.search.Objective;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.worker.device.Device;
import dev.tuna.worker.device.DeviceObjective;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.device.SlotPool;
import dev.tuna.worker.dispatch.InfrastructureException;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules a node follows for one trial job, without Quartz: what a recovered job does with the trial its dead
 * node left, stops, timeouts and the attributes every trial gets.
 */
class ClusterTrialRunnerTest {
    private static final String JOB = "job-1";

    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    private final Study study = Study.builder("s").sampler(new RandomSampler(3)).storage(new InMemoryStorage()).create();
    private final AtomicInteger evaluations = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<String> passedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Objective objective = trial -> {
        evaluations.incrementAndGet();
        return trial.suggestFloat("x", 0, 1);
    };

    @AfterEach
    void stopWatchdog() {
        watchdog.shutdownNow();
    }

    private ClusterTrialRunner runner(Duration timeout, int maxRetries) {
        ClusterStudies studies = new ClusterStudies() {
            @Override
            public Optional<ClusterStudy> resolve(String name) {
                if (name.equals("broken")) {
                    throw new IllegalStateException("the database is away");
                }
                return name.equals("s") ? Optional.of(new ClusterStudy(study, objective)) : Optional.empty();
            }

            @Override
            public boolean stopped(String name) {
                return name.equals("gone") || stopped.get(); // "foreign": a live study this node cannot build
            }
        };
        return new ClusterTrialRunner("node-1", new SlotPool(Devices.cpu(1)), studies, timeout, maxRetries,
                passedOn::add);
    }

    private ClusterTrialRunner runner() {
        return runner(null, 2);
    }

    /** A trial a node started for job {@value #JOB} and then died with (the handle stands for the dead node). */
    private Trial startedByALostNode() {
        Trial trial = study.ask();
        trial.suggestFloat("x", 0, 1);
        study.storage().setSystemAttr("s", trial.number(), ClusterNode.ATTR_CLUSTER_JOB, JOB);
        return trial;
    }

    @Test
    void aJobRunsOneTrialCarryingItsDeviceNodeAndJob() {
        runner().run("s", JOB, false);

        assertThat(study.trials()).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            assertThat(t.systemAttrs()).containsEntry(Device.ATTR_DEVICE, "cpu").containsEntry(ClusterNode.ATTR_NODE, "node-1")
                    .containsEntry(ClusterNode.ATTR_CLUSTER_JOB, JOB);
        });
    }

    @Test
    void aDeviceObjectiveIsToldTheDeviceOfItsSlot() {
        List<Device> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        objective = (DeviceObjective) (trial, device) -> {
            seen.add(device);
            return 1;
        };
        runner().run("s", JOB, false);
        assertThat(seen).containsExactly(Device.CPU);
    }

    @Test
    void aTrialWhoseEndCouldNotBeWrittenFailsAsInterruptedOnceTheDatabaseAnswers() throws Exception {
        // A database away for a while: the trial's end was lost, and it stayed RUNNING as long as its node lived
        // (a grid study then ended "complete" with points never run).
        AtomicBoolean down = new AtomicBoolean();
        InMemoryStorage flaky = new InMemoryStorage() {
            @Override
            public FrozenTrial finishTrial(String name, int number, TrialState state, Double value, String reason) {
                if (down.get()) {
                    throw new dev.tuna.core.storage.StorageException("database error: Connection is not available");
                }
                return super.finishTrial(name, number, state, value, reason);
            }
        };
        Study away = Study.builder("away").sampler(new RandomSampler(3)).storage(flaky).create();
        Objective goesAway = trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            down.set(true);
            watchdog.schedule(() -> down.set(false), 300, java.util.concurrent.TimeUnit.MILLISECONDS);
            return x;
        };
        ClusterStudies studies = new ClusterStudies() {
            @Override
            public Optional<ClusterStudy> resolve(String name) {
                return Optional.of(new ClusterStudy(away, goesAway));
            }

            @Override
            public boolean stopped(String name) {
                return false;
            }
        };
        ClusterTrialRunner runner = new ClusterTrialRunner("node-1", new SlotPool(Devices.cpu(1)), studies, null, 2,
                passedOn::add);
        runner.databaseRetry = Duration.ofMillis(50);

        runner.run("away", JOB, false);

        FrozenTrial failed = away.trials().get(0);
        assertThat(failed.state()).isEqualTo(TrialState.FAIL);
        assertThat(failed.reason()).isEqualTo(ClusterNode.REASON_DATABASE_LOST);
        assertThat(failed.wasInterrupted()).isTrue(); // it does not count
        assertThat(away.countedTrials()).isZero();
        // Its parameters wait for a later job, as a trial lost with its node's do.
        FrozenTrial retry = away.trials().get(1);
        assertThat(retry.state()).isEqualTo(TrialState.WAITING);
        assertThat(retry.fixedParams()).isEqualTo(failed.params());
        assertThat(retry.systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, failed.number());
    }

    @Test
    void aRecoveredJobFailsTheRunningTrialOfItsLostNodeAndRetriesItsParameters() {
        Trial lost = startedByALostNode();

        runner().run("s", JOB, true);

        FrozenTrial failed = study.storage().trial("s", lost.number());
        assertThat(failed.state()).isEqualTo(TrialState.FAIL);
        assertThat(failed.reason()).isEqualTo(ClusterNode.REASON_WORKER_LOST);
        assertThat(failed.wasInterrupted()).isTrue();
        FrozenTrial retry = study.storage().trial("s", lost.number() + 1);
        assertThat(retry.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(retry.params()).isEqualTo(failed.params());
        assertThat(retry.systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, failed.number())
                .containsEntry(TrialScheduler.ATTR_RETRIES, 1).containsEntry(ClusterNode.ATTR_CLUSTER_JOB, JOB);
        assertThat(study.countedTrials()).isEqualTo(1);
    }

    @Test
    void theLateFinishOfANodeWronglyBelievedDeadFailsAndNothingCompletesTwice() {
        Trial lost = startedByALostNode();
        runner().run("s", JOB, true);

        assertThatThrownBy(() -> study.tell(lost, 0.5)).isInstanceOf(IllegalStateException.class);

        assertThat(study.storage().trial("s", lost.number()).state()).isEqualTo(TrialState.FAIL);
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(1);
        assertThat(study.countedTrials()).isEqualTo(1);
    }

    @Test
    void aNodeWronglyBelievedDeadCannotCompleteItsTrialLate() {
        objective = trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            // Meanwhile the cluster judged this node lost, and another node failed the trial.
            study.storage().finishTrial("s", trial.number(), TrialState.FAIL, null, ClusterNode.REASON_WORKER_LOST);
            return x;
        };

        runner().run("s", JOB, false); // does not throw: the late result is refused and logged

        assertThat(study.trials()).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TrialState.FAIL);
            assertThat(t.reason()).isEqualTo(ClusterNode.REASON_WORKER_LOST);
        });
    }

    @Test
    void aTrialInterruptedBeforeRecoveryIsRetried() {
        Trial lost = startedByALostNode();
        // The stale-owner sweep of the storage got there first.
        study.storage().finishTrial("s", lost.number(), TrialState.FAIL, null, FrozenTrial.REASON_INTERRUPTED);

        runner().run("s", JOB, true);

        assertThat(study.storage().trial("s", lost.number()).reason()).isEqualTo(FrozenTrial.REASON_INTERRUPTED);
        assertThat(study.trials()).hasSize(2);
        assertThat(study.trials(TrialState.COMPLETE)).singleElement()
                .satisfies(t -> assertThat(t.systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, lost.number()));
    }

    @Test
    void aTrialThatEndedOnItsOwnIsLeftAloneByRecovery() {
        Trial done = startedByALostNode();
        study.tell(done, 0.25); // it completed; the node died before Quartz deleted its job
        Trial failed = study.ask();
        study.storage().setSystemAttr("s", failed.number(), ClusterNode.ATTR_CLUSTER_JOB, "job-2");
        study.tell(failed, TrialState.FAIL); // an ordinary failure is not retried either

        runner().run("s", JOB, true);
        runner().run("s", "job-2", true);

        assertThat(study.trials()).hasSize(2);
        assertThat(evaluations).hasValue(0);
    }

    @Test
    void aRecoveredJobWhoseNodeStartedNoTrialRunsOne() {
        runner().run("s", JOB, true);

        assertThat(study.trials()).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            assertThat(t.systemAttrs()).doesNotContainKey(TrialScheduler.ATTR_RETRY_OF);
        });
    }

    @Test
    void aRetryLostAgainIsRetriedUntilTheRetriesRunOut() {
        Trial lost = startedByALostNode();
        objective = trial -> {
            throw new AssertionError("not run: the retries ran out");
        };
        study.storage().setSystemAttr("s", lost.number(), TrialScheduler.ATTR_RETRIES, 2);

        runner(null, 2).run("s", JOB, true);

        assertThat(study.trials()).singleElement().satisfies(t -> assertThat(t.reason()).isEqualTo(ClusterNode.REASON_WORKER_LOST));
    }

    @Test
    void aStoppedStudyRunsNoTrialAndARecoveredJobOfItOnlyFailsTheLostTrial() {
        stopped.set(true);
        runner().run("s", "job-0", false);
        assertThat(study.trials()).isEmpty();

        Trial lost = startedByALostNode();
        runner().run("s", JOB, true);
        assertThat(study.trials()).singleElement().satisfies(t -> {
            assertThat(t.number()).isEqualTo(lost.number());
            assertThat(t.reason()).isEqualTo(ClusterNode.REASON_WORKER_LOST);
        });
    }

    @Test
    void aJobOfAStudyThatIsGoneEndsWithoutATrial() {
        runner().run("gone", JOB, false);
        assertThat(study.trials()).isEmpty();
        assertThat(passedOn).isEmpty();
    }

    @Test
    void aJobThisNodeCannotRunIsPassedOnToTheCluster() {
        runner().run("foreign", JOB, false);
        runner().run("broken", "job-2", false);
        assertThat(passedOn).containsExactly("foreign", "broken");
        assertThat(study.trials()).isEmpty();
    }

    @Test
    @Timeout(30)
    void aTrialPastItsTimeoutFails() {
        objective = trial -> {
            Thread.sleep(20_000);
            return 0;
        };
        runner(Duration.ofMillis(200), 2).run("s", JOB, false);
        assertThat(study.trials()).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TrialState.FAIL);
            assertThat(t.reason()).isEqualTo("timeout after 0.2s");
        });
    }

    @Test
    @Timeout(30)
    void theRunningTrialsOfAStoppedStudyAreAborted() throws InterruptedException {
        objective = trial -> {
            Thread.sleep(20_000);
            return 0;
        };
        ClusterTrialRunner runner = runner();
        Thread job = new Thread(() -> runner.run("s", JOB, false));
        job.start();
        while (runner.running() == 0) {
            Thread.sleep(10);
        }
        runner.abortStopped();
        assertThat(runner.running()).isOne(); // not stopped: left alone
        stopped.set(true);
        runner.abortStopped();
        job.join();
        assertThat(study.trials()).singleElement().satisfies(t -> assertThat(t.reason()).isEqualTo(TrialScheduler.REASON_STOPPED));
    }

    @Test
    void aTrialFailedForAnInfrastructureReasonLeavesARetryWaitingForTheNextJob() {
        AtomicInteger calls = new AtomicInteger();
        objective = trial -> {
            trial.suggestFloat("x", 0, 1);
            if (calls.incrementAndGet() == 1) {
                throw new InfrastructureException("CUDA out of memory");
            }
            return 1;
        };
        ClusterTrialRunner runner = runner();
        runner.run("s", JOB, false);
        assertThat(study.trials(TrialState.WAITING)).hasSize(1);

        runner.run("s", "job-2", false);
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).extracting(FrozenTrial::state).containsExactly(TrialState.FAIL, TrialState.COMPLETE);
        assertThat(trials.get(1).params()).isEqualTo(trials.get(0).params());
        assertThat(trials.get(1).systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, 0);
    }
}
