package dev.tuna.worker.dispatch;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.Study;
import dev.tuna.worker.device.Device;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.device.SlotPool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's dispatcher: our one facade over a Quartz {@link Scheduler} (in-memory job store, a thread pool
 * sized to the devices' slots). Every trial runs as a Quartz job (recovery requested) on a device slot, through
 * the study's one trial code path; studies may also be scheduled to re-run on a cron expression.
 *
 * <pre>{@code
 * Devices devices = Devices.discover(3, () -> Engine.getInstance().getGpuCount());
 * try (TrialScheduler scheduler = TrialScheduler.builder(devices).trialTimeout(Duration.ofMinutes(30)).build()) {
 *     study.optimize(objective, OptimizeOptions.builder().optTrials(50).optExecutor(scheduler.on(devices)).build());
 *     scheduler.schedule(new StudyRun(study, objective, OptimizeOptions.trials(10)), "0 0 * * * ?");
 * }
 * }</pre>
 *
 * <p>Per trial: a timeout (the trial ends FAIL "timeout after Ns"); {@code study.stop()} aborts the running
 * trials (FAIL "interrupted: the study was stopped", not counted); a trial that failed for an infrastructure
 * reason ({@link Failures#isInfrastructure}) is retried as a new trial with the same parameters (system attribute {@value #ATTR_RETRY_OF}) up to
 * {@code maxRetries} times; a trial whose objective raised an ordinary error is never retried. Aborting
 * interrupts the thread that runs the objective; an objective that ignores interrupts keeps its slot until it
 * returns.
 */
public final class TrialScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrialScheduler.class);

    /** System attribute of a retry: the number of the failed trial it repeats. */
    public static final String ATTR_RETRY_OF = Study.ATTR_RETRY_OF;
    /** System attribute of a retry: how many retries of the original trial it makes, from 1. */
    public static final String ATTR_RETRIES = "retries";
    /**
     * The reason of trials aborted by {@code study.stop()}: an interruption, so they do not count towards the
     * study's trials and a study resumed to its total runs their parameters again (a stop and resume used up the
     * budget).
     */
    public static final String REASON_STOPPED = FrozenTrial.REASON_INTERRUPTED + ": the study was stopped";
    /** The reason of trials still running when a shutdown's grace period ran out. */
    public static final String REASON_SHUTDOWN = FrozenTrial.REASON_INTERRUPTED + ": the worker shut down";

    static final String TRIALS = "tuna-trials";
    static final String STUDIES = "tuna-studies";
    /** How long a shutdown waits for aborted trials to end before it leaves them. */
    private static final Duration ABORT_WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Devices devices;
    private final Duration trialTimeout;
    private final int maxRetries;
    private final Duration shutdownGrace;
    private final Scheduler quartz;
    private final SlotPool pool;
    private final Map<String, TrialTask> tasks = new ConcurrentHashMap<>();
    private final Map<JobKey, ScheduledStudy> scheduled = new ConcurrentHashMap<>();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final DeviceExecutor executor;

    private TrialScheduler(Builder b) {
        this.devices = b.devices;
        this.trialTimeout = b.trialTimeout;
        this.maxRetries = b.maxRetries;
        this.shutdownGrace = b.shutdownGrace;
        this.pool = new SlotPool(devices);
        String name = "tuna-" + INSTANCES.incrementAndGet();
        Properties p = new Properties();
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, name);
        p.setProperty(StdSchedulerFactory.PROP_SCHED_MAKE_SCHEDULER_THREAD_DAEMON, "true");
        p.setProperty(StdSchedulerFactory.PROP_JOB_STORE_CLASS, "org.quartz.simpl.RAMJobStore");
        p.setProperty(StdSchedulerFactory.PROP_THREAD_POOL_CLASS, "org.quartz.simpl.SimpleThreadPool");
        // One thread per slot, so that every dispatched trial starts at once, plus threads for scheduled studies.
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(devices.totalSlots() + b.studyThreads));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", name + "-worker");
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        try {
            quartz = new StdSchedulerFactory(p).getScheduler();
            quartz.setJobFactory((bundle, s) -> bundle.getJobDetail().getJobClass() == TrialJob.class
                    ? new TrialJob(this) : new StudyRunJob(this));
            quartz.start();
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not start the Quartz scheduler: " + e.getMessage(), e);
        }
        executor = new DeviceExecutor(this, devices, trialTimeout, maxRetries);
        LOG.info("trial scheduler {} on {}", name, devices);
    }

    /** Starts building a scheduler for these devices. */
    public static Builder builder(Devices devices) {
        return new Builder(devices);
    }

    /** The devices whose slots the trial threads are sized to. */
    public Devices devices() {
        return devices;
    }

    /** An executor that runs a study's trials on the scheduler's devices, with its timeout and retries. */
    public DeviceExecutor executor() {
        return executor;
    }

    /**
     * An executor that runs a study's trials on these devices only (e.g. the GPUs of the scheduler's devices),
     * with the scheduler's timeout and retries. Slots are the scheduler's: every executor of this scheduler takes
     * them from one pool, so that a device never runs more trials than it has slots, whoever dispatches them.
     *
     * @throws IllegalArgumentException if a device is not one of the scheduler's, or has other slots there
     */
    public DeviceExecutor on(Devices devices) {
        for (Device device : devices.devices()) {
            if (this.devices.slots(device) != devices.slots(device)) {
                throw new IllegalArgumentException(this.devices.slots(device) == 0
                        ? "devices: " + device + " is not one of this scheduler's devices (" + this.devices + ")"
                        : "devices: " + device + " has " + devices.slots(device) + " slot(s) here but "
                                + this.devices.slots(device) + " in this scheduler (" + this.devices + ")");
            }
        }
        return devices.equals(this.devices) ? executor : new DeviceExecutor(this, devices, trialTimeout, maxRetries);
    }

    /**
     * Runs a study each time the cron expression fires (Quartz syntax with seconds, e.g. {@code "0 0 * * * ?"}
     * hourly). A run still going when the next fire comes delays it (runs never overlap).
     *
     * @throws IllegalArgumentException if the expression is invalid or the study is scheduled already
     */
    public ScheduledStudy schedule(StudyRun run, String cron) {
        checkOpen();
        if (cron == null) {
            throw new IllegalArgumentException("cron: must not be null");
        }
        try {
            CronExpression.validateExpression(cron);
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("cron: '" + cron + "' is not a valid Quartz cron expression: " + e.getMessage());
        }
        JobKey key = JobKey.jobKey(run.study().name(), STUDIES);
        ScheduledStudy handle = new ScheduledStudy(this, run, cron, key);
        if (scheduled.putIfAbsent(key, handle) != null) {
            throw new IllegalArgumentException("study '" + run.study().name() + "' is scheduled already");
        }
        JobDetail job = JobBuilder.newJob(StudyRunJob.class).withIdentity(key).requestRecovery(true)
                .withDescription("scheduled runs of study '" + run.study().name() + "'").build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(key.getName(), STUDIES)
                .withSchedule(CronScheduleBuilder.cronSchedule(cron).withMisfireHandlingInstructionDoNothing()).build();
        try {
            quartz.scheduleJob(job, trigger);
        } catch (SchedulerException e) {
            scheduled.remove(key);
            throw new IllegalStateException("could not schedule study '" + run.study().name() + "': " + e.getMessage(), e);
        }
        LOG.info("study '{}' scheduled on '{}'", run.study().name(), cron);
        return handle;
    }

    /** The studies scheduled now. */
    public List<ScheduledStudy> scheduled() {
        return List.copyOf(scheduled.values());
    }

    /** Whether {@link #shutdown} has begun: no trial or scheduled run starts any more. */
    public boolean isShuttingDown() {
        return shuttingDown.get();
    }

    /** Shuts down with the builder's grace period. */
    @Override
    public void close() {
        shutdown(shutdownGrace);
    }

    /**
     * Shuts down gracefully: starts no more trials or scheduled runs, waits up to {@code grace} for the running
     * trials to end, then aborts those left (FAIL "{@value #REASON_SHUTDOWN}") and stops Quartz. Calling it
     * again does nothing.
     */
    public void shutdown(Duration grace) {
        if (!shuttingDown.compareAndSet(false, true)) {
            return;
        }
        LOG.info("trial scheduler shutting down: {} trial(s) running, grace {}", tasks.size(), grace);
        for (JobKey key : scheduled.keySet()) {
            unschedule(key);
        }
        pool.wakeUp();
        if (!awaitNoTasks(grace)) {
            LOG.warn("{} trial(s) still running after the grace period of {}; aborting them", tasks.size(), grace);
            tasks.values().forEach(t -> t.abort(REASON_SHUTDOWN));
            if (!awaitNoTasks(ABORT_WAIT)) {
                LOG.warn("{} trial(s) ignore their interrupt; leaving them", tasks.size());
            }
        }
        try {
            quartz.shutdown(false);
        } catch (SchedulerException e) {
            LOG.warn("Quartz did not shut down cleanly: {}", e.getMessage());
        }
        // Jobs Quartz never started: end their trials here (aborted before they ran, the objective is not called).
        for (TrialTask task : List.copyOf(tasks.values())) {
            task.abort(REASON_SHUTDOWN);
            task.runIfUnclaimed();
        }
    }

    private boolean awaitNoTasks(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!tasks.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return tasks.isEmpty();
            }
        }
        return tasks.isEmpty();
    }

    // ---------------------------------------------------------------- for the executors and jobs

    SlotPool pool() {
        return pool;
    }


    void checkOpen() {
        if (shuttingDown.get()) {
            throw new IllegalStateException("the trial scheduler is shut down");
        }
    }

    /** Queues a trial's job in Quartz; it runs on a free worker thread at once. */
    void submit(TrialTask task) {
        String id = UUID.randomUUID().toString();
        task.id(id);
        tasks.put(id, task);
        JobDetail job = JobBuilder.newJob(TrialJob.class).withIdentity(id, TRIALS).requestRecovery(true)
                .withDescription(task.toString()).build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(id, TRIALS).startNow()
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow()).build();
        try {
            quartz.scheduleJob(job, trigger);
        } catch (SchedulerException | RuntimeException e) {
            tasks.remove(id);
            throw new IllegalStateException("could not dispatch " + task + ": " + e.getMessage(), e);
        }
    }

    TrialTask task(String id) {
        return tasks.get(id);
    }

    void taskEnded(TrialTask task) {
        if (task.id() != null) {
            tasks.remove(task.id());
        }
    }

    ScheduledStudy scheduledStudy(JobKey key) {
        return scheduled.get(key);
    }

    void unschedule(JobKey key) {
        scheduled.remove(key);
        try {
            quartz.unscheduleJob(TriggerKey.triggerKey(key.getName(), STUDIES));
        } catch (SchedulerException e) {
            LOG.warn("could not unschedule study '{}': {}", key.getName(), e.getMessage());
        }
    }

    java.util.Date nextFireTime(JobKey key) {
        try {
            Trigger t = quartz.getTrigger(TriggerKey.triggerKey(key.getName(), STUDIES));
            return t == null ? null : t.getNextFireTime();
        } catch (SchedulerException e) {
            return null;
        }
    }

    /** Builds a {@link TrialScheduler}. */
    public static final class Builder {
        private final Devices devices;
        private Duration trialTimeout;
        private int maxRetries = 2;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private int studyThreads = 2;

        private Builder(Devices devices) {
            if (devices == null) {
                throw new IllegalArgumentException("devices must not be null");
            }
            this.devices = devices;
        }

        /** A trial running longer than this is aborted and ends FAIL "timeout after Ns" (default: no limit). */
        public Builder trialTimeout(Duration timeout) {
            this.trialTimeout = DeviceExecutor.checkTimeout(timeout);
            return this;
        }

        /** How many times a trial failed for an infrastructure reason is retried (default 2). */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = DeviceExecutor.checkRetries(maxRetries);
            return this;
        }

        /** How long {@link #close()} waits for running trials before it aborts them (default 30 s). */
        public Builder shutdownGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must not be negative, got " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        /** How many scheduled studies may run at once (default 2); each holds a thread while it runs. */
        public Builder studyThreads(int studyThreads) {
            if (studyThreads < 1) {
                throw new IllegalArgumentException("studyThreads must be at least 1, got " + studyThreads);
            }
            this.studyThreads = studyThreads;
            return this;
        }

        /** Starts the scheduler. */
        public TrialScheduler build() {
            return new TrialScheduler(this);
        }
    }
}
