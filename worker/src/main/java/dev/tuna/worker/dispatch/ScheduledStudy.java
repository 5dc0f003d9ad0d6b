package dev.tuna.worker.dispatch;

import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.TrialExecutor;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.JobKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A study that a {@link TrialScheduler} re-runs on a cron expression. */
public final class ScheduledStudy {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledStudy.class);

    private final TrialScheduler scheduler;
    private final StudyRun run;
    private final String cron;
    private final JobKey key;
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger failedRuns = new AtomicInteger();

    ScheduledStudy(TrialScheduler scheduler, StudyRun run, String cron, JobKey key) {
        this.scheduler = scheduler;
        this.run = run;
        this.cron = cron;
        this.key = key;
    }

    public Study study() {
        return run.study();
    }

    public String cron() {
        return cron;
    }

    /** How many runs have ended so far. */
    public int runs() {
        return runs.get();
    }

    /** How many of them ended with an exception (logged). */
    public int failedRuns() {
        return failedRuns.get();
    }

    /** When the next run starts, if it is still scheduled. */
    public Optional<Instant> nextFireTime() {
        Date next = scheduler.nextFireTime(key);
        return Optional.ofNullable(next).map(Date::toInstant);
    }

    /** Starts no more runs; a run in progress goes on (stop it with {@code study().stop()}). */
    public void cancel() {
        scheduler.unschedule(key);
    }

    /** One run, on the scheduler's devices unless the options name an executor of their own. */
    void fire() {
        if (scheduler.isShuttingDown()) {
            return;
        }
        OptimizeOptions options = run.options().executor() == TrialExecutor.threads()
                ? run.options().toBuilder().optExecutor(scheduler.executor()).build()
                : run.options();
        try {
            LOG.info("scheduled run of study '{}' starts", run.study().name());
            run.study().optimize(run.objective(), options);
        } catch (RuntimeException | Error e) {
            failedRuns.incrementAndGet();
            LOG.warn("scheduled run of study '{}' failed: {}", run.study().name(), e.toString());
        } finally {
            runs.incrementAndGet();
        }
    }

    @Override
    public String toString() {
        return "study '" + run.study().name() + "' on '" + cron + "'";
    }
}
