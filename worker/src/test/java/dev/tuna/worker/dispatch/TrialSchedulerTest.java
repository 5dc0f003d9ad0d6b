package dev.tuna.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.worker.device.Device;
import dev.tuna.worker.device.DeviceObjective;
import dev.tuna.worker.device.Devices;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrialSchedulerTest {
    /** Generous: only a broken dispatcher waits this long. */
    private static final long WAIT_S = 60;

    private TrialScheduler scheduler;

    @AfterEach
    void shutDown() {
        if (scheduler != null) {
            scheduler.shutdown(Duration.ofSeconds(5));
        }
    }

    private static double quadratic(Trial trial) {
        double x = trial.suggestFloat("x", -10, 10);
        return x * x;
    }

    private static OptimizeOptions.Builder on(TrialScheduler scheduler, Devices devices, int trials) {
        return OptimizeOptions.builder().optTrials(trials).optExecutor(scheduler.on(devices));
    }

    @Test
    void threeCpuSlotsRunThreeTrialsAtOnceNeverFourEachOnQuartzWithItsDevice() {
        Devices devices = Devices.cpu(3);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("three-slots").create();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CyclicBarrier three = new CyclicBarrier(3); // trips only when three trials run at the same time
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Set<Device> given = ConcurrentHashMap.newKeySet();
        DeviceObjective objective = (trial, device) -> {
            int now = running.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            threads.add(Thread.currentThread().getName());
            given.add(device);
            try {
                three.await(WAIT_S, TimeUnit.SECONDS);
            } finally {
                running.decrementAndGet();
            }
            return quadratic(trial);
        };
        study.optimize(objective, on(scheduler, devices, 9).build());

        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(9).allSatisfy(t -> {
            assertThat(t.state()).as("trial %d: %s", t.number(), t.reason()).isEqualTo(TrialState.COMPLETE);
            assertThat(t.systemAttrs()).containsEntry(Device.ATTR_DEVICE, "cpu");
        });
        assertThat(most.get()).isEqualTo(3);
        assertThat(given).containsExactly(Device.CPU);
        assertThat(threads).allSatisfy(name -> assertThat(name).contains("-worker")); // Quartz's worker threads
    }

    @Test
    void aStudyCappedAtTwoTakesTwoOfThreeFreeSlots() {
        Devices devices = Devices.cpu(3);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("capped").create();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CyclicBarrier two = new CyclicBarrier(2); // pairs of trials meet: two run at once, not one at a time
        DeviceObjective objective = (trial, device) -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                two.await(WAIT_S, TimeUnit.SECONDS);
                Thread.sleep(20); // room for a third trial to start, were the cap not kept
            } finally {
                running.decrementAndGet();
            }
            return quadratic(trial);
        };
        study.optimize(objective, OptimizeOptions.builder().optTrials(8)
                .optExecutor(scheduler.on(devices).withMaxConcurrent(2)).build());

        assertThat(study.trials(TrialState.COMPLETE)).hasSize(8);
        assertThat(most.get()).isEqualTo(2);
    }

    @Test
    void gpusAndCpuEachTakeTheirSlotsAndNoDeviceIsOverfilled() {
        Devices devices = Devices.discover(1, 2);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("gpus").create();
        CyclicBarrier all = new CyclicBarrier(3);
        Map<String, AtomicInteger> perDevice = new ConcurrentHashMap<>();
        AtomicInteger overfilled = new AtomicInteger();
        DeviceObjective objective = (trial, device) -> {
            AtomicInteger onDevice = perDevice.computeIfAbsent(device.id(), d -> new AtomicInteger());
            if (onDevice.incrementAndGet() > 1) {
                overfilled.incrementAndGet();
            }
            try {
                all.await(WAIT_S, TimeUnit.SECONDS);
            } finally {
                onDevice.decrementAndGet();
            }
            return 1;
        };
        study.optimize(objective, on(scheduler, devices, 6).build());
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(6);
        assertThat(overfilled.get()).isZero();
        Map<Object, Long> byDevice = study.trials().stream()
                .collect(Collectors.groupingBy(t -> t.systemAttrs().get(Device.ATTR_DEVICE), Collectors.counting()));
        assertThat(byDevice).containsOnlyKeys("gpu:0", "gpu:1", "cpu");
    }

    @Test
    void studiesOnOneSchedulerShareItsSlotsAndASubsetOfDevicesKeepsToThem() throws Exception {
        Devices devices = Devices.discover(1, 1);
        scheduler = TrialScheduler.builder(devices).build();
        Map<String, AtomicInteger> perDevice = new ConcurrentHashMap<>();
        AtomicInteger overfilled = new AtomicInteger();
        CountDownLatch bothStarted = new CountDownLatch(2);
        CountDownLatch gpuBusy = new CountDownLatch(1);
        DeviceObjective objective = (trial, device) -> {
            if (device.isGpu()) {
                gpuBusy.countDown();
            }
            AtomicInteger onDevice = perDevice.computeIfAbsent(device.id(), d -> new AtomicInteger());
            if (onDevice.incrementAndGet() > 1) {
                overfilled.incrementAndGet();
            }
            try {
                bothStarted.countDown();
                assertThat(bothStarted.await(WAIT_S, TimeUnit.SECONDS)).isTrue(); // the first trials of both studies overlap
                return quadratic(trial);
            } finally {
                onDevice.decrementAndGet();
            }
        };
        Study gpuOnly = Study.builder("gpu-only").create();
        Study anywhere = Study.builder("anywhere").create();
        DeviceExecutor gpus = scheduler.on(Devices.of(Map.of(Device.gpu(0), 1)));
        Thread first = new Thread(() -> gpuOnly.optimize(objective, OptimizeOptions.builder().optTrials(8).optExecutor(gpus).build()));
        first.start();
        assertThat(gpuBusy.await(WAIT_S, TimeUnit.SECONDS)).isTrue(); // so the other study's first trial takes the cpu
        anywhere.optimize(objective, on(scheduler, devices, 8).build());
        first.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertThat(first.isAlive()).isFalse();
        assertThat(overfilled.get()).isZero();
        assertThat(gpuOnly.trials(TrialState.COMPLETE)).hasSize(8)
                .allSatisfy(t -> assertThat(t.systemAttrs()).containsEntry(Device.ATTR_DEVICE, "gpu:0"));
        assertThat(anywhere.trials(TrialState.COMPLETE)).hasSize(8);
        assertThatThrownBy(() -> scheduler.on(Devices.discover(0, 2)))
                .hasMessage("devices: gpu:1 is not one of this scheduler's devices (gpu:0 x1, cpu x1)");
    }

    @Test
    void aPlainObjectiveRunsThroughTheDispatcherToo() {
        Devices devices = Devices.cpu(2);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("plain").create();
        study.optimize(TrialSchedulerTest::quadratic, on(scheduler, devices, 5).build());
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(5);
    }

    @Test
    void aTrialRunningPastItsTimeoutFailsWithTheTimeoutReason() {
        Devices devices = Devices.cpu(2);
        scheduler = TrialScheduler.builder(devices).trialTimeout(Duration.ofSeconds(1)).build();
        Study study = Study.builder("timeout").create();
        study.optimize(trial -> {
            if (trial.number() == 0) {
                Thread.sleep(TimeUnit.MINUTES.toMillis(10)); // only the timeout ends it
            }
            return 1;
        }, on(scheduler, devices, 3).build());
        FrozenTrial slow = study.trials().get(0);
        assertThat(slow.state()).isEqualTo(TrialState.FAIL);
        assertThat(slow.reason()).isEqualTo("timeout after 1s");
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(2);
    }

    /**
     * Optimizes on another thread with trials that only an abort ends (a stop, a shutdown); returns once two of
     * them run.
     */
    private Thread optimizeUntilAborted(Study study, Devices devices) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(2);
        Thread optimizer = new Thread(() -> study.optimize(trial -> {
            running.countDown();
            Thread.sleep(TimeUnit.MINUTES.toMillis(10)); // only an abort ends it
            return 1;
        }, on(scheduler, devices, 100).build()));
        optimizer.start();
        assertThat(running.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        return optimizer;
    }

    @Test
    void stoppingTheStudyAbortsItsRunningTrialsAsStopped() throws Exception {
        Devices devices = Devices.cpu(2);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("stop").create();
        Thread optimizer = optimizeUntilAborted(study, devices); // two trials running
        study.stop();
        optimizer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertThat(optimizer.isAlive()).isFalse();
        assertThat(study.trials()).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.FAIL);
            assertThat(t.reason()).isEqualTo(TrialScheduler.REASON_STOPPED);
        });
    }

    @Test
    void infrastructureFailuresAreRetriedWithTheSameParamsUpToTheLimit() {
        Devices devices = Devices.cpu(1);
        scheduler = TrialScheduler.builder(devices).maxRetries(2).build();
        Study study = Study.builder("retry").create();
        // Trial 0 runs out of device memory every time; the others complete.
        study.enqueue(Map.of("x", 3.0));
        study.optimize(trial -> {
            double x = trial.suggestFloat("x", -10, 10);
            if (x == 3.0) {
                throw new IllegalStateException("CUDA out of memory. Tried to allocate 20.00 MiB");
            }
            return x * x;
        }, on(scheduler, devices, 3).build());

        List<FrozenTrial> trials = study.trials();
        List<FrozenTrial> oom = trials.stream().filter(t -> t.state() == TrialState.FAIL).toList();
        assertThat(oom).hasSize(3); // the first attempt and two retries, then no more
        assertThat(oom).allSatisfy(t -> assertThat(t.params()).containsEntry("x", 3.0));
        assertThat(oom.get(0).systemAttrs()).doesNotContainKey(TrialScheduler.ATTR_RETRY_OF);
        assertThat(oom.get(1).systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, oom.get(0).number())
                .containsEntry(TrialScheduler.ATTR_RETRIES, 1);
        assertThat(oom.get(2).systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, oom.get(1).number())
                .containsEntry(TrialScheduler.ATTR_RETRIES, 2);
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(2); // retries do not eat the budget
    }

    @Test
    void aWorkerLostIsRetriedAndAnObjectivesOwnErrorNever() {
        Devices devices = Devices.cpu(1);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("no-retry").create();
        AtomicInteger calls = new AtomicInteger();
        study.optimize(trial -> {
            int call = calls.getAndIncrement();
            if (call == 0) {
                throw new InfrastructureException(InfrastructureException.WORKER_LOST);
            }
            if (call == 2) {
                throw new IllegalArgumentException("units must be positive");
            }
            return 1;
        }, on(scheduler, devices, 3).build());
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(4);
        assertThat(trials.get(0).reason()).contains("worker lost");
        assertThat(trials.get(1).systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, 0);
        assertThat(trials.stream().filter(t -> t.state() == TrialState.FAIL).map(FrozenTrial::reason))
                .containsExactly("dev.tuna.worker.dispatch.InfrastructureException: worker lost",
                        "java.lang.IllegalArgumentException: units must be positive");
        assertThat(trials.stream().filter(t -> t.systemAttrs().containsKey(TrialScheduler.ATTR_RETRY_OF))).hasSize(1);
    }

    @Test
    void stopOnErrorRethrowsAnObjectivesErrorButNotAnInfrastructureFailure() {
        Devices devices = Devices.cpu(1);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("stop-on-error").create();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> study.optimize(trial -> {
            int call = calls.getAndIncrement();
            if (call == 0) {
                throw new IllegalStateException("out of memory on gpu:0");
            }
            if (call == 2) {
                throw new IllegalArgumentException("bad batch");
            }
            return 1;
        }, on(scheduler, devices, 10).optStopOnError(true).build())).hasMessage("bad batch");
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void gracefulShutdownLetsRunningTrialsFinishAndStartsNoMore() throws Exception {
        Devices devices = Devices.cpu(1);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("graceful").create();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread optimizer = new Thread(() -> study.optimize(trial -> {
            running.countDown();
            assertThat(release.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            return 1;
        }, on(scheduler, devices, 100).build()));
        optimizer.start();
        assertThat(running.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(() -> scheduler.shutdown(Duration.ofSeconds(WAIT_S)));
        closer.start();
        while (!scheduler.isShuttingDown()) {
            Thread.onSpinWait();
        }
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        optimizer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertThat(closer.isAlive()).isFalse();
        assertThat(optimizer.isAlive()).isFalse();
        assertThat(study.trials()).hasSize(1);
        assertThat(study.trials().get(0).state()).isEqualTo(TrialState.COMPLETE);
        assertThatThrownBy(() -> study.optimize(TrialSchedulerTest::quadratic, on(scheduler, devices, 1).build()))
                .hasMessage("the trial scheduler is shut down");
    }

    @Test
    void shutdownAbortsTrialsStillRunningAfterTheGracePeriod() throws Exception {
        Devices devices = Devices.cpu(2);
        scheduler = TrialScheduler.builder(devices).build();
        Study study = Study.builder("impatient").create();
        Thread optimizer = optimizeUntilAborted(study, devices); // two trials running
        scheduler.shutdown(Duration.ofMillis(100));
        optimizer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertThat(optimizer.isAlive()).isFalse();
        assertThat(study.trials()).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.FAIL);
            assertThat(t.reason()).isEqualTo(TrialScheduler.REASON_SHUTDOWN);
        });
    }

    @Test
    void badSettingsAreRejectedWithTheFieldNamed() {
        Devices devices = Devices.cpu(1);
        assertThatThrownBy(() -> TrialScheduler.builder(devices).trialTimeout(Duration.ZERO))
                .hasMessage("trialTimeout must be positive, got PT0S");
        assertThatThrownBy(() -> TrialScheduler.builder(devices).maxRetries(-1))
                .hasMessage("maxRetries must not be negative, got -1");
        scheduler = TrialScheduler.builder(devices).build();
        assertThatThrownBy(() -> scheduler.on(Devices.cpu(4)))
                .hasMessage("devices: cpu has 4 slot(s) here but 1 in this scheduler (cpu x1)");
    }
}
