package dev.tuna.worker.cluster;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.device.SlotPool;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.DefaultThreadExecutor;
import org.quartz.impl.DirectSchedulerFactory;
import org.quartz.impl.jdbcjobstore.InvalidConfigurationException;
import org.quartz.impl.jdbcjobstore.JobStoreTX;
import org.quartz.impl.jdbcjobstore.PostgreSQLDelegate;
import org.quartz.simpl.SimpleThreadPool;
import org.quartz.utils.HikariCpPoolingConnectionProvider;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node of a Tuna cluster: our one small facade over a clustered Quartz scheduler (JDBC job store on
 * PostgreSQL). Every trial is a Quartz job in the shared database ("run one trial of study S"); whichever node
 * has a free slot claims the next one, and a node that dies mid-trial has its job recovered by another node
 * after the cluster check-in interval (plus Quartz's fixed 7.5 s grace), which, once the storage also takes the
 * node's process for dead (its heartbeat silent for its {@code staleAfter}: Quartz alone can be wrong after a
 * database outage), fails the lost trial and runs a retry of it with the same parameters. No trial completes
 * twice: a finished trial is read-only.
 *
 * <pre>{@code
 * // a worker process: runs trials of any study, as long as it lives
 * ClusterNode worker = ClusterNode.builder(url, user, password)
 *         .optDevices(Devices.discover(2)).optStudies(studies).build();
 * // the coordinator: queues a study's trials and waits for them
 * try (ClusterNode coordinator = ClusterNode.builder(url, user, password).build()) {
 *     coordinator.runStudy(study, 100, 8, () -> false);
 * }
 * }</pre>
 *
 * <p>A node without devices is a coordinator: its scheduler is never started (it claims no job and takes no
 * part in recovery), but it queues jobs. Every trial a node runs carries the system attributes
 * {@code device}, {@value #ATTR_NODE} and {@value #ATTR_CLUSTER_JOB}.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    /** System attribute: the name of the node that ran the trial. */
    public static final String ATTR_NODE = "node";
    /** System attribute: the name of the Quartz job that ran the trial (a recovering node finds the trial by it). */
    public static final String ATTR_CLUSTER_JOB = "cluster_job";
    /** The reason of a trial whose node was lost while running it (another node recovered its job). */
    public static final String REASON_WORKER_LOST = FrozenTrial.REASON_INTERRUPTED + ": the worker was lost";
    /** The reason of a trial whose node lost the database while running it (ended once the database answered). */
    public static final String REASON_DATABASE_LOST = FrozenTrial.REASON_INTERRUPTED + ": the database could not be reached";
    /** Quartz's scheduler name: every node of a cluster shares it (the SCHED_NAME of the QRTZ_ tables). */
    static final String SCHEDULER_NAME = "tuna-cluster";
    /** The longest study name a job group holds (QRTZ_JOB_DETAILS.JOB_GROUP is VARCHAR(200)). */
    static final int MAX_STUDY_NAME = 200;

    private static final Duration ABORT_WAIT = Duration.ofSeconds(10);
    /** Quartz's fixed allowance beyond a node's check-in interval before it takes the node for dead. */
    private static final long CHECKIN_GRACE_MILLIS = 7_500;
    private static final long POLL_MILLIS = 10;
    /** How often an idle node looks for jobs queued by other nodes. */
    private static final Duration IDLE_WAIT = Duration.ofMillis(50);
    /** How long a job a node could not run waits before another node (or the same) tries it again. */
    private static final Duration PASS_ON_DELAY = Duration.ofSeconds(2);
    private static final long RECOUNT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Quartz's misfire threshold: a queued trial may wait for a free slot for hours, and should then simply run;
     * past the threshold Quartz would only rewrite its fire time again and again.
     */
    private static final Duration MISFIRE_THRESHOLD = Duration.ofDays(7);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Set<String> NAMES_IN_USE = ConcurrentHashMap.newKeySet();
    private static final Object QUARTZ_CREATION = new Object();

    private final String nodeName;
    private final Devices devices; // null: a coordinator
    private final Duration shutdownGrace;
    private final Scheduler quartz;
    private final String dataSource;
    private final ScheduledExecutorService watchdog;
    private final ClusterTrialRunner runner; // null: a coordinator
    private final AtomicBoolean closed = new AtomicBoolean();
    private final BooleanSupplier mayQueue;

    private ClusterNode(Builder b) {
        this.devices = b.devices;
        this.mayQueue = b.mayQueue;
        this.shutdownGrace = b.shutdownGrace;
        this.nodeName = b.nodeName != null ? b.nodeName : defaultName();
        if (!NAMES_IN_USE.add(nodeName)) {
            throw new IllegalArgumentException("nodeName: '" + nodeName + "' is already a node of this process");
        }
        int instance = INSTANCES.incrementAndGet();
        this.dataSource = "tunaCluster" + instance;
        try {
            createTables(b);
            this.quartz = newScheduler(b, instance);
        } catch (RuntimeException e) {
            NAMES_IN_USE.remove(nodeName);
            throw e;
        }
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tuna-cluster-" + instance + "-watchdog");
            t.setDaemon(true);
            return t;
        });
        if (devices == null) {
            runner = null;
            LOG.info("cluster node {} joined as a coordinator (no devices: it runs no trial)", nodeName);
            return;
        }
        runner = new ClusterTrialRunner(nodeName, new SlotPool(devices), b.studies, b.trialTimeout, b.maxRetries,
                study -> schedule(study, PASS_ON_DELAY));
        watchdog.scheduleWithFixedDelay(runner::abortStopped, 1, 1, TimeUnit.SECONDS);
        try {
            quartz.setJobFactory((bundle, scheduler) -> new ClusterTrialJob(runner));
            quartz.start();
        } catch (SchedulerException e) {
            shutdownQuartz(false);
            watchdog.shutdownNow();
            NAMES_IN_USE.remove(nodeName);
            throw new IllegalStateException("could not start the Quartz scheduler of node " + nodeName + ": " + e.getMessage(), e);
        }
        LOG.info("cluster node {} joined with {}", nodeName, devices);
    }

    /** Starts building a node of the cluster whose database is {@code jdbcUrl} ({@code jdbc:postgresql://host:port/db}). */
    public static Builder builder(String jdbcUrl, String user, String password) {
        return new Builder(jdbcUrl, user, password);
    }

    /** The node's name; also Quartz's instance id. */
    public String nodeName() {
        return nodeName;
    }

    /**
     * Runs a study until it has totalTrials counted trials ({@link Study#countedTrials()}), keeping at most
     * maxConcurrent of its trials queued or running across the cluster; any node with a free slot claims the next
     * one. Blocks until done or until stopped.getAsBoolean() turns true (then it stops the study: {@link #stopStudy}).
     * An interrupted trial (its node lost, or shut down) does not count, so another job is queued in its place;
     * a retry waiting for a trial that failed for an infrastructure reason gets a job too. Returns once the
     * study's jobs have all ended, or when its sampler has no point left.
     *
     * @throws IllegalArgumentException if an argument is null, totalTrials is negative or maxConcurrent below 1
     */
    public void runStudy(Study study, int totalTrials, int maxConcurrent, BooleanSupplier stopped) {
        if (study == null) {
            throw new IllegalArgumentException("study: must not be null");
        }
        if (totalTrials < 0) {
            throw new IllegalArgumentException("totalTrials: must not be negative, got " + totalTrials);
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent: must be at least 1, got " + maxConcurrent);
        }
        if (stopped == null) {
            throw new IllegalArgumentException("stopped: must not be null");
        }
        String name = checkStudyName(study.name());
        checkOpen();
        LOG.info("running study '{}' on the cluster: {} trial(s), at most {} at once", name, totalTrials, maxConcurrent);
        study.rerunInterrupted(totalTrials - study.countedTrials()); // as a local run to a total does
        int scheduled = 0;
        int expected = -1; // the outstanding jobs if none ended since the last count
        int counted = 0;
        int waitingRetries = 0;
        long countedAt = 0;
        Boolean exhausted = null; // whether the sampler is used up, asked at most once per count
        boolean held = false; // whether the last queueing was held back (optMayQueue)
        while (true) {
            if (stopped.getAsBoolean()) {
                LOG.info("study '{}' stopped", name);
                stopStudy(name);
                return;
            }
            // Outstanding first: a job's trial ends before its job is deleted, so a trial missed by the count
            // is still outstanding (the other order could miss it twice and queue one trial too many).
            int outstanding = outstanding(name);
            // Counting reads every finished trial: do it only when a job ended (or now and then, for trials
            // run from elsewhere).
            if (outstanding != expected || System.nanoTime() - countedAt > RECOUNT_NANOS) {
                counted = study.countedTrials();
                waitingRetries = waitingRetries(study);
                countedAt = System.nanoTime();
                exhausted = null;
            }
            // A retry of a trial that failed for an infrastructure reason waits for a job even past the total
            // (the failed trial counted), as the local dispatcher runs its retries within the same call.
            int wanted = Math.max(totalTrials - counted, waitingRetries);
            if (wanted <= 0 && outstanding == 0) {
                break;
            }
            int room = Math.min(wanted - outstanding, maxConcurrent - outstanding);
            if (room > 0 && exhausted == null) {
                exhausted = study.isExhausted(); // a scan of the trials too: once per count
            }
            if (room > 0 && exhausted) {
                if (outstanding == 0) {
                    LOG.info("study '{}': its sampler has no point left; {} counted trial(s) of {}", name, counted, totalTrials);
                    return;
                }
                room = 0;
            }
            if (room > 0 && !mayQueue.getAsBoolean()) {
                if (!held) {
                    LOG.warn("study '{}': this node may not queue its trials now (the database is away, or another"
                            + " server coordinates the cluster); it queues none until it may", name);
                }
                held = true;
                room = 0;
            } else if (room > 0) {
                held = false;
            }
            for (int i = 0; i < room; i++) {
                schedule(name, Duration.ZERO);
                scheduled++;
            }
            expected = outstanding + Math.max(0, room);
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.info("study '{}': the caller was interrupted; stopping it", name);
                stopStudy(name);
                return;
            }
        }
        LOG.info("study '{}' has its {} trial(s) ({} job(s) queued by this run)", name, totalTrials, scheduled);
    }

    /**
     * Deletes the study's queued trial jobs; nodes abort its running trials (FAIL "interrupted: the study was
     * stopped") within about a second.
     */
    public void stopStudy(String study) {
        String name = checkStudyName(study);
        int deleted = 0;
        try {
            for (JobKey key : quartz.getJobKeys(GroupMatcher.jobGroupEquals(name))) {
                if (deleteJob(key)) {
                    deleted++;
                }
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not delete the jobs of study '" + name + "': " + e.getMessage(), e);
        }
        LOG.info("study '{}': {} job(s) deleted", name, deleted);
    }

    /**
     * Deletes a job; a job that ends meanwhile (Quartz deletes a finished trial's job itself, maybe on another node)
     * makes Quartz's delete fail half-way: that is no error, once the job is gone.
     */
    private boolean deleteJob(JobKey key) throws SchedulerException {
        for (int attempt = 1; ; attempt++) {
            try {
                return quartz.deleteJob(key);
            } catch (SchedulerException e) {
                if (!quartz.checkExists(key)) {
                    return false;
                }
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** The study's trial jobs queued or running, cluster-wide. */
    public int outstanding(String study) {
        String name = checkStudyName(study);
        try {
            return quartz.getJobKeys(GroupMatcher.jobGroupEquals(name)).size();
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not count the jobs of study '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * The nodes that run trials and are alive by Quartz's own rule: each checked in within its check-in interval plus
     * Quartz's 7.5 s grace (by this machine's clock: Quartz's clustering wants the nodes' clocks in step), this one
     * among them if it has devices. A coordinator never starts its scheduler, so never appears; a node that left
     * (Quartz keeps its last check-in) stops appearing once that time has passed.
     *
     * @throws IllegalStateException if the database cannot be read
     */
    public List<String> workers() {
        try (Connection c = DBConnectionManager.getInstance().getConnection(dataSource);
             PreparedStatement ps = c.prepareStatement("SELECT instance_name FROM qrtz_scheduler_state"
                     + " WHERE sched_name = ? AND last_checkin_time + checkin_interval + ? >= ? ORDER BY instance_name")) {
            ps.setString(1, SCHEDULER_NAME);
            ps.setLong(2, CHECKIN_GRACE_MILLIS);
            ps.setLong(3, System.currentTimeMillis());
            List<String> names = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the cluster's nodes: " + e.getMessage(), e);
        }
    }

    /**
     * Leaves the cluster gracefully: no new trials, waits the grace for running ones, then aborts them (FAIL
     * {@value TrialScheduler#REASON_SHUTDOWN}). A trial that ignores its interrupt is left to the cluster: its job
     * is recovered by another node. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean idle = true;
        try {
            if (runner != null) {
                quartz.standby(); // claims no more jobs
                runner.closing();
                if (!awaitIdle(shutdownGrace)) {
                    LOG.warn("node {}: {} trial(s) still running after the grace of {}; aborting them",
                            nodeName, runner.running(), shutdownGrace);
                    runner.abortAll(TrialScheduler.REASON_SHUTDOWN);
                    idle = awaitIdle(ABORT_WAIT);
                    if (!idle) {
                        LOG.warn("node {}: {} trial(s) ignore their interrupt; leaving them to the cluster", nodeName, runner.running());
                    }
                }
            }
        } catch (SchedulerException e) {
            LOG.warn("node {}: could not put Quartz on standby: {}", nodeName, e.getMessage());
        } finally {
            // With no trial left, wait for Quartz to record the last jobs' ends (they are deleted then); with a
            // trial that ignores its interrupt, do not wait: its job is recovered by another node.
            shutdownQuartz(idle);
            watchdog.shutdownNow();
            NAMES_IN_USE.remove(nodeName);
            LOG.info("cluster node {} left", nodeName);
        }
    }

    @Override
    public String toString() {
        return "ClusterNode[" + nodeName + (devices == null ? ", coordinator" : ", " + devices) + "]";
    }

    // ---------------------------------------------------------------- internals

    private void schedule(String study, Duration delay) {
        String id = UUID.randomUUID().toString();
        JobDetail job = JobBuilder.newJob(ClusterTrialJob.class).withIdentity(id, study)
                .usingJobData(ClusterTrialJob.STUDY, study).requestRecovery(true).storeDurably(false)
                .withDescription("one trial of study '" + abbreviate(study) + "'").build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(id, study)
                .startAt(new Date(System.currentTimeMillis() + delay.toMillis()))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow()).build();
        try {
            quartz.scheduleJob(job, trigger);
        } catch (SchedulerException e) {
            throw new IllegalStateException("could not queue a trial of study '" + study + "': " + e.getMessage(), e);
        }
    }

    private static int waitingRetries(Study study) {
        return (int) study.trials(TrialState.WAITING).stream()
                .filter(t -> t.systemAttrs().containsKey(TrialScheduler.ATTR_RETRY_OF)).count();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private boolean awaitIdle(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!idle() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return idle();
            }
        }
        return idle();
    }

    private boolean idle() {
        try {
            return runner.running() == 0 && quartz.getCurrentlyExecutingJobs().isEmpty();
        } catch (SchedulerException e) {
            return runner.running() == 0;
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("cluster node " + nodeName + " is closed");
        }
    }

    private static String checkStudyName(String study) {
        if (study == null || study.isBlank()) {
            throw new IllegalArgumentException("study: must not be blank, got " + (study == null ? "null" : "'" + study + "'"));
        }
        if (study.length() > MAX_STUDY_NAME) {
            throw new IllegalArgumentException("study: a cluster runs studies of names up to " + MAX_STUDY_NAME
                    + " characters, got " + study.length());
        }
        return study;
    }

    private void shutdownQuartz(boolean waitForJobs) {
        // Quartz's shutdown takes the cluster's name out of its registry: not while another node is being made.
        try {
            synchronized (QUARTZ_CREATION) {
                quartz.shutdown(waitForJobs);
            }
        } catch (SchedulerException e) {
            LOG.warn("node {}: Quartz did not shut down cleanly: {}", nodeName, e.getMessage());
        }
    }

    private static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        // Host and process id, and a random tag: two containers with one host name, each with its java as process
        // 1, had one name, so Quartz took them for one node and never recovered the jobs of one that died.
        String name = host + ":" + ProcessHandle.current().pid() + "-"
                + String.format("%04x", java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000));
        // Several nodes in one process (tests, a server that also runs trials): keep names unique.
        return NAMES_IN_USE.contains(name) ? name + "-" + (INSTANCES.get() + 1) : name;
    }

    private static void createTables(Builder b) {
        try (Connection c = DriverManager.getConnection(b.jdbcUrl, b.user, b.password)) {
            QuartzTables.createIfMissing(c);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the Quartz tables in " + b.jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    /**
     * The node's Quartz scheduler, built from Quartz's own parts (DirectSchedulerFactory), because the properties
     * route refuses an idle wait under a second: an idle node would then see a job queued by another node up to a
     * second late, and with no job waiting beyond the free slots, every trial would wait that long.
     */
    private Scheduler newScheduler(Builder b, int instance) {
        int slots = devices == null ? 0 : devices.totalSlots();
        try {
            // Quartz's own threads (scheduler, check-in, misfires) and one per slot's trial job.
            HikariCpPoolingConnectionProvider pool = new HikariCpPoolingConnectionProvider(
                    "org.postgresql.Driver", b.jdbcUrl, b.user, b.password, slots + 4, null);
            pool.getDataSource().setMinimumIdle(1); // many nodes on one database: open connections as needed
            pool.getDataSource().setPoolName("tuna-cluster-" + instance);
            DBConnectionManager.getInstance().addConnectionProvider(dataSource, pool);
            JobStoreTX store = new JobStoreTX();
            store.setDataSource(dataSource);
            store.setDriverDelegateClass(PostgreSQLDelegate.class.getName());
            store.setTablePrefix("QRTZ_");
            store.setIsClustered(true);
            store.setClusterCheckinInterval(b.checkinInterval.toMillis());
            store.setUseProperties("true"); // job data are strings (the study's name)
            store.setMisfireThreshold(MISFIRE_THRESHOLD.toMillis());
            store.setMakeThreadsDaemons(true);
            // One thread per slot: Quartz acquires a job only when a thread, hence a slot, is free.
            SimpleThreadPool threads = new SimpleThreadPool(Math.max(1, slots), Thread.NORM_PRIORITY);
            threads.setThreadNamePrefix("tuna-cluster-" + instance + "-trial");
            threads.setMakeThreadsDaemons(true);
            synchronized (QUARTZ_CREATION) {
                DirectSchedulerFactory.getInstance().createScheduler(SCHEDULER_NAME, nodeName, threads,
                        new DefaultThreadExecutor(), store, Map.of(), null, 0, IDLE_WAIT.toMillis(), -1, false, null,
                        1, 0, true);
                // Quartz keeps schedulers by name in one registry per JVM; every node shares the cluster's name,
                // so take this one out, or the next node of this process could not be created.
                Scheduler scheduler = SchedulerRepository.getInstance().lookup(SCHEDULER_NAME);
                SchedulerRepository.getInstance().remove(SCHEDULER_NAME);
                return scheduler;
            }
        } catch (SchedulerException | SQLException | InvalidConfigurationException e) {
            try {
                DBConnectionManager.getInstance().shutdown(dataSource); // the pool, if it was made
            } catch (SQLException | RuntimeException ignored) {
                // it was not
            }
            throw new IllegalStateException("could not create the Quartz scheduler of node " + nodeName + ": " + e.getMessage(), e);
        }
    }

    /** Builds a {@link ClusterNode} (setX required, optX optional). */
    public static final class Builder {
        private final String jdbcUrl;
        private final String user;
        private final String password;
        private Devices devices;
        private ClusterStudies studies;
        private Duration checkinInterval = Duration.ofSeconds(5);
        private String nodeName;
        private Duration trialTimeout;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private int maxRetries = 2;
        private BooleanSupplier mayQueue = () -> true;

        private Builder(String jdbcUrl, String user, String password) {
            if (jdbcUrl == null || jdbcUrl.isBlank()) {
                throw new IllegalArgumentException("jdbcUrl: must not be blank, got " + (jdbcUrl == null ? "null" : "'" + jdbcUrl + "'"));
            }
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("jdbcUrl: expected jdbc:postgresql://host:port/database, got " + jdbcUrl);
            }
            this.jdbcUrl = jdbcUrl;
            this.user = user;
            this.password = password;
        }

        /** The slots this node runs trials on; without it the node runs no trial (a coordinator: it only queues jobs). */
        public Builder optDevices(Devices devices) {
            if (devices == null) {
                throw new IllegalArgumentException("devices: must not be null");
            }
            this.devices = devices;
            return this;
        }

        /** How the node finds a study and its objective by name; required when the node has devices. */
        public Builder optStudies(ClusterStudies studies) {
            if (studies == null) {
                throw new IllegalArgumentException("studies: must not be null");
            }
            this.studies = studies;
            return this;
        }

        /**
         * Quartz's cluster check-in interval (default 5 s): a dead node's trial is recovered by another node after
         * about this long plus Quartz's fixed grace of 7.5 s.
         */
        public Builder optCheckinInterval(Duration interval) {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("checkinInterval: must be positive, got " + interval);
            }
            this.checkinInterval = interval;
            return this;
        }

        /** The node's name (default "&lt;host&gt;:&lt;pid&gt;"), unique in the cluster; also Quartz's instance id. */
        public Builder optNodeName(String nodeName) {
            if (nodeName == null || nodeName.isBlank()) {
                throw new IllegalArgumentException("nodeName: must not be blank, got " + (nodeName == null ? "null" : "'" + nodeName + "'"));
            }
            if (nodeName.length() > 200) {
                throw new IllegalArgumentException("nodeName: at most 200 characters, got " + nodeName.length());
            }
            this.nodeName = nodeName;
            return this;
        }

        /** A trial running longer than this is aborted and ends FAIL "timeout after Ns" (default: no limit). */
        public Builder optTrialTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("trialTimeout: must be positive, got " + timeout);
            }
            this.trialTimeout = timeout;
            return this;
        }

        /** How long {@link #close()} waits for running trials before it aborts them (default 30 s). */
        public Builder optShutdownGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace: must not be negative, got " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * How many times an interrupted trial (its node lost) or one failed for an infrastructure reason is retried
         * with the same parameters (default 2).
         */
        public Builder optMaxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries: must not be negative, got " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * Asked before {@link #runStudy} queues trials: whether this node may queue them now (a server, while it holds
         * its cluster's coordinator lock; default: always). While it may not, the run queues none and waits, its
         * study's queued jobs left as they are: another server that took over queues them, and two queueing at once
         * ran more trials than asked.
         */
        public Builder optMayQueue(BooleanSupplier mayQueue) {
            if (mayQueue == null) {
                throw new IllegalArgumentException("mayQueue: must not be null");
            }
            this.mayQueue = mayQueue;
            return this;
        }

        /** Joins the cluster: creates the Quartz tables if missing and, on a node with devices, starts claiming trials. */
        public ClusterNode build() {
            if (devices != null && studies == null) {
                throw new IllegalArgumentException("studies: required when the node has devices (optStudies)");
            }
            return new ClusterNode(this);
        }
    }
}
