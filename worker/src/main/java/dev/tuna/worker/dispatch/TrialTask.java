package dev.tuna.worker.dispatch;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.Objective;
import dev.tuna.search.Trial;
import dev.tuna.search.TrialLoop;
import dev.tuna.search.TrialOutcome;
import dev.tuna.worker.device.DeviceObjective;
import dev.tuna.worker.device.SlotPool.Slot;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dispatched trial: its loop, its slot, and what happens around the study's run of it (the scheduler's time
 * limit handed to the run, the retry, giving the slot back). Runs once, on a Quartz worker thread, or on the shutting-down thread if Quartz
 * never started it.
 */
final class TrialTask {
    private static final Logger LOG = LoggerFactory.getLogger(TrialTask.class);

    private final TrialScheduler scheduler;
    private final DeviceExecutor executor;
    private final DeviceExecutor.Run run;
    private final TrialLoop loop;
    private final Trial trial;
    private final Slot slot;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private volatile String id;

    TrialTask(TrialScheduler scheduler, DeviceExecutor executor, DeviceExecutor.Run run, Trial trial, Slot slot) {
        this.scheduler = scheduler;
        this.executor = executor;
        this.run = run;
        this.loop = run.loop;
        this.trial = trial;
        this.slot = slot;
    }

    String id() {
        return id;
    }

    void id(String id) {
        this.id = id;
    }

    /** Runs the trial on this thread, unless it ran already. */
    void runIfUnclaimed() {
        if (claimed.compareAndSet(false, true)) {
            runClaimed(DeviceObjective.on(loop.objective(), slot.device()));
        }
    }

    /** Quartz recovered this trial's job: the worker that ran it was lost, so the trial fails (and is retried). */
    void runLost() {
        if (claimed.compareAndSet(false, true)) {
            runClaimed(t -> {
                throw new InfrastructureException(InfrastructureException.WORKER_LOST);
            });
        }
    }

    /** The trial could not be handed to Quartz: it fails here, and is not retried. */
    void failUndispatched(RuntimeException cause) {
        if (claimed.compareAndSet(false, true)) {
            try {
                loop.run(trial, t -> {
                    throw new IllegalStateException("could not dispatch the trial: " + cause.getMessage(), cause);
                });
            } finally {
                end();
            }
        }
    }

    void abort(String reason) {
        loop.abort(trial, reason);
    }

    private void runClaimed(Objective objective) {
        try {
            // The scheduler's limit on every trial, or the optimize call's if it is shorter.
            retryIfInfrastructure(loop.run(trial, objective, executor.trialTimeout()));
        } catch (RuntimeException e) {
            LOG.error("{} ended badly: {}", this, e.toString(), e);
        } finally {
            Thread.interrupted(); // a late abort must not leak into the next job on this pooled thread
            end();
        }
    }

    private void end() {
        slot.release();
        scheduler.taskEnded(this);
        run.ended(this);
    }

    private void retryIfInfrastructure(TrialOutcome outcome) {
        if (!Failures.failedForInfrastructure(outcome)) {
            return;
        }
        FrozenTrial failed = outcome.trial();
        int retries = Failures.retriesOf(failed);
        if (retries >= executor.maxRetries()) {
            LOG.warn("{} failed for an infrastructure reason and is not retried: {} retries already", this, retries);
            return;
        }
        if (!run.feeding()) {
            LOG.info("{} failed for an infrastructure reason; not retried, the run is ending", this);
            return;
        }
        FrozenTrial retry = Failures.retry(loop, failed, retries);
        run.retried.set(true);
        LOG.info("{} failed for an infrastructure reason ({}); retried as trial {}", this, failed.reason(), retry.number());
    }

    @Override
    public String toString() {
        return "trial " + trial.number() + " of study '" + loop.study().name() + "' on " + slot.device();
    }
}
