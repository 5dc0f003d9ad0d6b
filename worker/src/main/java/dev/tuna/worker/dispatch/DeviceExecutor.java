package dev.tuna.worker.dispatch;

import dev.tuna.search.Trial;
import dev.tuna.search.TrialExecutor;
import dev.tuna.search.TrialLoop;
import dev.tuna.worker.device.Device;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.device.SlotPool;
import dev.tuna.worker.device.SlotPool.Slot;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a study's trials through a {@link TrialScheduler} on the slots of some of its devices: the calling thread takes a
 * free slot, starts the next trial, records its device (system attribute {@value Device#ATTR_DEVICE}) and hands it
 * to Quartz as a job; it returns once the loop has no trial left and every trial it dispatched has ended. Get one
 * from {@link TrialScheduler#on(Devices)} and give it to {@code OptimizeOptions.Builder.optExecutor}.
 * The options' parallelism is not used: the devices' slots set how many trials run at once, and
 * {@link #withMaxConcurrent(int)} caps how many of them one study takes.
 */
public final class DeviceExecutor implements TrialExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceExecutor.class);

    private final TrialScheduler scheduler;
    private final Devices devices;
    private final Duration trialTimeout;
    private final int maxRetries;
    private final int maxConcurrent;
    private final Set<Device> allowed;

    DeviceExecutor(TrialScheduler scheduler, Devices devices, Duration trialTimeout, int maxRetries) {
        this(scheduler, devices, trialTimeout, maxRetries, Integer.MAX_VALUE);
    }

    private DeviceExecutor(TrialScheduler scheduler, Devices devices, Duration trialTimeout, int maxRetries, int maxConcurrent) {
        this.scheduler = scheduler;
        this.devices = devices;
        this.trialTimeout = trialTimeout;
        this.maxRetries = maxRetries;
        this.maxConcurrent = maxConcurrent;
        this.allowed = Set.copyOf(devices.devices());
    }

    /** This executor with another per-trial timeout ({@code null}: none). */
    public DeviceExecutor withTrialTimeout(Duration timeout) {
        return new DeviceExecutor(scheduler, devices, timeout == null ? null : checkTimeout(timeout), maxRetries, maxConcurrent);
    }

    /** This executor with another count of retries for infrastructure failures. */
    public DeviceExecutor withMaxRetries(int maxRetries) {
        return new DeviceExecutor(scheduler, devices, trialTimeout, checkRetries(maxRetries), maxConcurrent);
    }

    /** This executor running at most {@code maxConcurrent} trials of a study at once, free slots or not. */
    public DeviceExecutor withMaxConcurrent(int maxConcurrent) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be at least 1, got " + maxConcurrent);
        }
        return new DeviceExecutor(scheduler, devices, trialTimeout, maxRetries, maxConcurrent);
    }

    /** The devices whose slots the trials take. */
    public Devices devices() {
        return devices;
    }

    /** The per-trial timeout, or {@code null}. */
    public Duration trialTimeout() {
        return trialTimeout;
    }

    /** How many times a trial failed for an infrastructure reason is retried. */
    public int maxRetries() {
        return maxRetries;
    }

    static Duration checkTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("trialTimeout must be positive, got " + timeout);
        }
        return timeout;
    }

    static int checkRetries(int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative, got " + maxRetries);
        }
        return maxRetries;
    }

    @Override
    public void execute(TrialLoop loop) {
        scheduler.checkOpen();
        SlotPool pool = scheduler.pool();
        Run run = new Run(loop);
        loop.recoverableErrors(Failures::isInfrastructure);
        loop.onStop(() -> {
            run.abortAll(TrialScheduler.REASON_STOPPED);
            pool.wakeUp();
        });
        do {
            feed(run, pool);
            run.awaitIdle();
            // A retry enqueued after the feeding ended still belongs to this call: feed again.
        } while (run.retried.getAndSet(false) && run.feeding());
    }

    private void feed(Run run, SlotPool pool) {
        while (run.feeding()) {
            Optional<Slot> slot;
            try {
                run.awaitFewerThan(maxConcurrent);
                slot = pool.acquire(allowed::contains, () -> !run.feeding());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                run.loop.stop(); // the caller was interrupted: cancel the study's run
                return;
            }
            if (slot.isEmpty()) {
                return;
            }
            Optional<Trial> trial = run.loop.nextTrial();
            if (trial.isEmpty()) {
                slot.get().release();
                return;
            }
            if (!dispatch(run, trial.get(), slot.get())) {
                return;
            }
        }
    }

    private boolean dispatch(Run run, Trial trial, Slot slot) {
        TrialTask task = new TrialTask(scheduler, this, run, trial, slot);
        run.started(task);
        try {
            run.loop.study().storage().setSystemAttr(run.loop.study().name(), trial.number(), Device.ATTR_DEVICE, slot.device().id());
            scheduler.submit(task);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("{} could not be dispatched: {}", task, e.getMessage());
            task.failUndispatched(e);
            return false;
        }
    }

    @Override
    public String toString() {
        return "Quartz dispatch on " + devices;
    }

    /** The state of one execute call: its loop and its trials in flight. */
    final class Run {
        final TrialLoop loop;
        final AtomicBoolean retried = new AtomicBoolean();
        private final Set<TrialTask> inFlight = ConcurrentHashMap.newKeySet();

        Run(TrialLoop loop) {
            this.loop = loop;
        }

        boolean feeding() {
            return loop.isActive() && !scheduler.isShuttingDown();
        }

        void started(TrialTask task) {
            inFlight.add(task);
        }

        synchronized void ended(TrialTask task) {
            inFlight.remove(task);
            notifyAll();
        }

        void abortAll(String reason) {
            inFlight.forEach(t -> t.abort(reason));
        }

        /** Waits until fewer than {@code limit} of its trials are in flight, or it feeds no more. */
        synchronized void awaitFewerThan(int limit) throws InterruptedException {
            while (inFlight.size() >= limit && feeding()) {
                wait(100);
            }
        }

        /** Waits, without giving up on an interrupt, until every dispatched trial has ended. */
        synchronized void awaitIdle() {
            boolean interrupted = false;
            while (!inFlight.isEmpty()) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        loop.stop(); // the caller was interrupted: cancel, and wait for the aborted trials
                    }
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
