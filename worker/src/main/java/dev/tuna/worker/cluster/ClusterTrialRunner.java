package dev.tuna.worker.cluster;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StorageException;
import dev.tuna.core.storage.StorageUnavailableException;
import dev.tuna.core.storage.StudyBoundStorage;
import dev.tuna.core.storage.StudyNotFoundException;
import dev.tuna.core.storage.TrialNotFoundException;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.TrialLoop;
import dev.tuna.search.TrialOutcome;
import dev.tuna.worker.device.Device;
import dev.tuna.worker.device.DeviceObjective;
import dev.tuna.worker.device.SlotPool;
import dev.tuna.worker.device.SlotPool.Slot;
import dev.tuna.worker.dispatch.Failures;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does with one trial job: takes a slot, resolves the study, and runs one trial through the study's
 * normal code path ({@code study.optimize} with an executor that runs its one trial on this thread), with the
 * node's timeout and stop; a recovered job first settles the trial its dead node left (see {@link #run}).
 */
final class ClusterTrialRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterTrialRunner.class);

    /** Where a job this node cannot run goes: back to the cluster's queue. */
    @FunctionalInterface
    interface Jobs {
        /** Queues a new job of the study, to fire a little later. */
        void passOn(String study);
    }

    private final String nodeName;
    private final SlotPool pool;
    private final ClusterStudies studies;
    private final Duration trialTimeout; // null: none
    private final int maxRetries;
    private final Jobs jobs;
    private final Set<Running> running = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    /** How long a trial whose end could not be written waits before trying again (see {@link #failOnceReachable}). */
    volatile Duration databaseRetry = Duration.ofSeconds(10);
    /** How often a recovered job looks whether the trial of a node still alive has ended (see {@link #awaitLiveNode}). */
    volatile Duration liveNodePoll = Duration.ofSeconds(2);

    ClusterTrialRunner(String nodeName, SlotPool pool, ClusterStudies studies, Duration trialTimeout, int maxRetries,
                       Jobs jobs) {
        this.jobs = jobs;
        this.nodeName = nodeName;
        this.pool = pool;
        this.studies = studies;
        this.trialTimeout = trialTimeout;
        this.maxRetries = maxRetries;
    }

    /**
     * Runs the job "one trial of {@code studyName}". A recovered job ({@code recovering}: the node that ran it
     * died) first looks for the last trial carrying its job name ({@value ClusterNode#ATTR_CLUSTER_JOB}):
     * <ul>
     *   <li>none: the node died before starting it; one trial runs as usual;</li>
     *   <li>RUNNING in a process still alive (Quartz took a live node for dead: see {@link #awaitLiveNode}): the job
     *       waits for it to end, then goes on as below;</li>
     *   <li>RUNNING: it fails ({@value ClusterNode#REASON_WORKER_LOST}), then is handled as below;</li>
     *   <li>FAIL interrupted: a retry with the same parameters is enqueued and runs in this job (up to the
     *       node's retries; system attributes {@value TrialScheduler#ATTR_RETRY_OF} and
     *       {@value TrialScheduler#ATTR_RETRIES});</li>
     *   <li>otherwise (COMPLETE, PRUNED, an ordinary FAIL): it has ended on its own, nothing runs.</li>
     * </ul>
     * (A recovered job passed on because this node cannot resolve its study leaves the lost trial to the
     * storage's stale-owner sweep, which fails it as interrupted; the job passed on runs a fresh trial.)
     * A study this node cannot resolve is passed on (see {@link #resolve}). Never throws: a failure is logged, and
     * the job ends.
     */
    void run(String studyName, String jobName, boolean recovering) {
        if (closing) {
            LOG.info("node {} is shutting down; job {} of study '{}' not run", nodeName, jobName, studyName);
            return;
        }
        try {
            Optional<ClusterStudy> resolved = resolve(studyName, jobName);
            if (resolved.isEmpty()) {
                return;
            }
            if (recovering && !awaitLiveNode(resolved.get().study(), jobName)) {
                return; // this node closes: the trial is left to its live node, or to another node's recovery
            }
            Optional<Slot> slot = pool.tryAcquire();
            if (slot.isEmpty()) {
                // Quartz runs at most one job per slot; wait for a slot freed late (its trial still unwinding).
                slot = pool.acquire(() -> closing);
            }
            if (slot.isEmpty()) {
                return;
            }
            try {
                ClusterStudy target = resolved.get();
                OneTrial one = new OneTrial(jobName, recovering, slot.get());
                OptimizeOptions.Builder options = OptimizeOptions.builder().optTrials(1).optStopOnError(false)
                        .optExecutor(one);
                if (target.trialTimeout() != null) {
                    options.optTrialTimeout(target.trialTimeout());
                }
                target.study().optimize(target.objective(), options.build());
            } finally {
                slot.get().release();
            }
        } catch (InterruptedException e) {
            LOG.info("job {} of study '{}' interrupted before its trial started", jobName, studyName);
        } catch (StudyNotFoundException | TrialNotFoundException e) {
            // Deleted while its trial ran here (perhaps with a new study under its name, which this job must not
            // touch): an ordinary end, not an error.
            LOG.info("job {}: study '{}' was deleted while its trial ran; the trial is gone with it", jobName, studyName);
        } catch (StorageException e) {
            // The database went away (a trial whose end was lost has been failed: see failOnceReachable); a stack
            // trace would say no more.
            LOG.warn("job {} of study '{}' ended after a database failure: {}", jobName, studyName, e.getMessage());
        } catch (IllegalStateException e) {
            // Most likely the cluster believed this node lost (a long pause) and another node ended its trial:
            // a finished trial is read-only, so this late result is refused and nothing completes twice.
            LOG.warn("job {} of study '{}': its trial could not be finished here: {}", jobName, studyName, e.getMessage());
            LOG.debug("job {}: the refusal", jobName, e);
        } catch (RuntimeException e) {
            LOG.error("job {} of study '{}' ended badly: {}", jobName, studyName, e.toString(), e);
        } finally {
            Thread.interrupted(); // a late abort must not leak into the next job on this pooled thread
        }
    }

    /**
     * Waits while the trial a recovered job's node left still runs in a live process ({@link
     * Storage#runningInLiveProcess}): Quartz judges nodes by their check-ins, which a database outage stops too, so a
     * node that joins right after an outage longer than the check-in grace takes every other node for dead and
     * recovers their jobs, trials still running. Failing such a trial threw its work away (its node's result then
     * refused). The job waits rather than ending, so that the coordinator still counts it outstanding (holding its
     * Quartz thread, one of the node's per slot, but no device); once the trial has ended, or its owner stopped
     * beating, {@link OneTrial} settles it as before. Returns false, settling nothing, when this node closes meanwhile.
     */
    private boolean awaitLiveNode(Study study, String jobName) throws InterruptedException {
        Optional<FrozenTrial> last = lastTrialOf(study, jobName);
        if (last.isEmpty()) {
            return true;
        }
        int number = last.get().number();
        boolean logged = false;
        while (!closing) {
            String why;
            try {
                if (!study.storage().runningInLiveProcess(study.name(), number)) {
                    return true;
                }
                why = "the process running its trial " + number + " still beat recently";
            } catch (StorageUnavailableException e) {
                why = "the database does not say whether the process running its trial " + number + " lives ("
                        + e.getMessage() + ")";
            }
            if (!logged) {
                // Warned: either Quartz took a live node for dead, or the node died and its heartbeat is not yet old.
                LOG.warn("job {} of study '{}' recovered, but {}; waiting until the trial ends, or its process is silent"
                        + " for its interval", jobName, study.name(), why);
                logged = true;
            }
            Thread.sleep(liveNodePoll.toMillis());
        }
        return false;
    }

    /**
     * The study of a job. A study this node cannot build (or could not reach) that is not stopped or gone is
     * passed on: a new job of it is queued, to run a little later on whichever node, rather than the trial being
     * dropped here; a job of a stopped or deleted study just ends.
     */
    private Optional<ClusterStudy> resolve(String studyName, String jobName) {
        String why;
        try {
            Optional<ClusterStudy> resolved = studies.resolve(studyName);
            if (resolved.isPresent()) {
                return resolved;
            }
            why = "this node cannot build it";
        } catch (RuntimeException e) {
            why = "resolving it failed: " + e;
        }
        boolean ended;
        try {
            ended = studies.stopped(studyName);
        } catch (RuntimeException e) {
            ended = false;
        }
        if (ended) {
            LOG.info("job {}: study '{}' is stopped or gone; nothing to run", jobName, studyName);
            return Optional.empty();
        }
        try {
            jobs.passOn(studyName);
            LOG.warn("job {} of study '{}' passed on to the cluster: {}", jobName, studyName, why);
        } catch (RuntimeException e) {
            LOG.error("job {} of study '{}' could not be passed on ({}): {}", jobName, studyName, why, e.toString());
        }
        return Optional.empty();
    }

    /** Stops starting trials (jobs that fire from now on end at once, their trial not started). */
    void closing() {
        closing = true;
        pool.wakeUp();
    }

    /** How many trials run on this node now. */
    int running() {
        return running.size();
    }

    /** Aborts every trial running on this node. */
    void abortAll(String reason) {
        running.forEach(r -> r.abort(reason));
    }

    /**
     * Aborts the running trials of the studies a user stopped ({@link ClusterStudies#stopped}): FAIL "interrupted:
     * the study was stopped"; and those of studies deleted since they started, even when a new study has taken the
     * name (their writes are refused by then: see {@link StudyBoundStorage}).
     */
    void abortStopped() {
        Map<String, Boolean> stopped = new HashMap<>();
        Map<Storage, Boolean> replaced = new HashMap<>(); // by the storage its study is bound to: one read each
        for (Running r : List.copyOf(running)) {
            boolean isStopped = stopped.computeIfAbsent(r.study, name -> {
                try {
                    return studies.stopped(name);
                } catch (RuntimeException e) {
                    LOG.warn("could not tell whether study '{}' is stopped: {}", name, e.toString());
                    return false;
                }
            });
            if (isStopped || replaced.computeIfAbsent(r.loop().study().storage(), ClusterTrialRunner::replaced)) {
                r.abort(TrialScheduler.REASON_STOPPED);
            }
        }
    }

    /** Whether a failure is the database's (a study or trial not found is the study's deletion, not that). */
    private static boolean databaseLost(Throwable e) {
        return e instanceof StorageException && !(e instanceof StudyNotFoundException || e instanceof TrialNotFoundException);
    }

    /** The last trial of the study that a job started (its {@value ClusterNode#ATTR_CLUSTER_JOB} attribute). */
    static Optional<FrozenTrial> lastTrialOf(Study study, String jobName) {
        FrozenTrial last = null;
        for (FrozenTrial t : study.trials()) {
            if (jobName.equals(t.systemAttrs().get(ClusterNode.ATTR_CLUSTER_JOB))
                    && (last == null || t.number() > last.number())) {
                last = t;
            }
        }
        return Optional.ofNullable(last);
    }

    /** A trial running on this node, for stops, timeouts and shutdown. */
    private record Running(String study, TrialLoop loop, Trial trial) {
        void abort(String reason) {
            loop.abort(trial, reason);
        }
    }

    /** Whether the study a storage is bound to was deleted, or deleted and created again, since it was bound. */
    private static boolean replaced(Storage storage) {
        try {
            return storage instanceof StudyBoundStorage bound && !bound.current();
        } catch (RuntimeException e) {
            return false; // the database cannot tell now; the next check will
        }
    }

    /** The executor of a job's optimize call: one trial, on this thread, on the job's slot. */
    private final class OneTrial implements dev.tuna.search.TrialExecutor {
        private final String jobName;
        private final boolean recovering;
        private final Slot slot;

        OneTrial(String jobName, boolean recovering, Slot slot) {
            this.jobName = jobName;
            this.recovering = recovering;
            this.slot = slot;
        }

        @Override
        public void execute(TrialLoop loop) {
            Study study = loop.study();
            loop.recoverableErrors(Failures::isInfrastructure);
            boolean stopped = studies.stopped(study.name());
            // Under the study's ask lock, on every node (Storage#exclusively): the lost trial's point is free again
            // once it fails, and its retry should be the next trial started, before a sampler hands that point to
            // another trial.
            if (recovering && !study.storage().exclusively(study.name(), () -> settleLostTrial(loop, stopped))) {
                return;
            }
            if (stopped) {
                LOG.info("job {}: study '{}' is stopped; no trial started", jobName, study.name());
                return;
            }
            Optional<Trial> next = loop.nextTrial(); // the study takes its ask lock itself
            if (next.isEmpty()) {
                return;
            }
            Trial trial = next.get();
            // A recovering node finds the trial by its job name; one call, so one transaction on a database.
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put(ClusterNode.ATTR_CLUSTER_JOB, jobName);
            attrs.put(ClusterNode.ATTR_NODE, nodeName);
            attrs.put(Device.ATTR_DEVICE, slot.device().id());
            try {
                study.storage().setSystemAttrs(study.name(), trial.number(), attrs);
            } catch (StorageException e) {
                if (!databaseLost(e)) {
                    throw e;
                }
                failOnceReachable(loop, trial.number(), e); // started, but the database went away
                return;
            }
            Running r = new Running(study.name(), loop, trial);
            running.add(r);
            try {
                if (closing) {
                    r.abort(TrialScheduler.REASON_SHUTDOWN); // the node began to close while this trial started
                }
                // The node's limit on every trial, or the study's if it is shorter.
                TrialOutcome outcome = loop.run(trial, DeviceObjective.on(loop.objective(), slot.device()), trialTimeout);
                if (outcome.trial() == null && databaseLost(outcome.error())) {
                    failOnceReachable(loop, trial.number(), (StorageException) outcome.error());
                    return;
                }
                retryIfInfrastructure(loop, outcome);
            } finally {
                running.remove(r);
            }
        }

        /**
         * A trial whose end could not be written (the database went away under it) would stay RUNNING for as long as
         * this node lives, its node's heartbeat renewed once the database is back: a grid point held for ever, and
         * a study that ended short. So it fails as interrupted ({@value ClusterNode#REASON_DATABASE_LOST}; it does
         * not count) once the database answers, tried every {@link #databaseRetry}, and its parameters are retried
         * by a later job, as a trial lost with its node is (its result, if the objective had returned one, is not
         * known here any more); meanwhile this job goes on, so that the coordinator still counts it outstanding. A
         * node that closes first leaves it to the storage's stale-owner sweep.
         */
        private void failOnceReachable(TrialLoop loop, int number, StorageException cause) {
            Study study = loop.study();
            LOG.warn("trial {} of study '{}': its end could not be written ({}); it fails as interrupted once the"
                    + " database answers", number, study.name(), cause.getMessage());
            while (!closing) {
                try {
                    Thread.sleep(databaseRetry.toMillis());
                    FrozenTrial failed = study.storage().finishTrial(study.name(), number, TrialState.FAIL, null,
                            ClusterNode.REASON_DATABASE_LOST);
                    LOG.warn("trial {} of study '{}' failed ({})", number, study.name(), ClusterNode.REASON_DATABASE_LOST);
                    if (!studies.stopped(study.name())) {
                        retried(loop, failed);
                    }
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (IllegalStateException | StudyNotFoundException | TrialNotFoundException e) {
                    return; // it ended meanwhile (another node took this one for lost), or its study is gone
                } catch (StorageException e) {
                    LOG.info("trial {} of study '{}': the database still does not answer ({})", number, study.name(),
                            e.getMessage());
                }
            }
        }

        /**
         * Settles the trial the dead node left; returns whether this job then runs a trial (a retry, or a fresh
         * one if the dead node had started none).
         */
        private boolean settleLostTrial(TrialLoop loop, boolean stopped) {
            Study study = loop.study();
            Optional<FrozenTrial> found = lastTrialOf(study, jobName);
            if (found.isEmpty()) {
                LOG.info("job {} of study '{}' recovered; its node had started no trial", jobName, study.name());
                return true;
            }
            FrozenTrial lost = found.get();
            if (lost.state() == TrialState.RUNNING) {
                try {
                    lost = study.storage().finishTrial(study.name(), lost.number(), TrialState.FAIL, null,
                            ClusterNode.REASON_WORKER_LOST);
                    LOG.warn("trial {} of study '{}': its node was lost; failed ({})", lost.number(), study.name(),
                            ClusterNode.REASON_WORKER_LOST);
                } catch (IllegalStateException e) {
                    lost = study.storage().trial(study.name(), lost.number()); // it ended meanwhile: read how
                }
            }
            if (!lost.wasInterrupted()) {
                LOG.info("job {} of study '{}' recovered; its trial {} had ended {}; nothing to run", jobName,
                        study.name(), lost.number(), lost.state());
                return false;
            }
            if (stopped) {
                return false;
            }
            return retried(loop, lost);
        }

        /**
         * Queues the parameters of a trial that failed for no fault of its own (its node or database lost, a device
         * out of memory) as a new trial for this job or a later one, unless it has had its {@code maxRetries} or a
         * retry of it is queued already: its live node retries a trial it failed once the database was back
         * ({@link #failOnceReachable}), while a job recovered from it may be waiting to settle the same trial.
         */
        private boolean retried(TrialLoop loop, FrozenTrial failed) {
            Optional<FrozenTrial> queued = loop.study().trials().stream().filter(t -> t.systemAttrs()
                    .get(TrialScheduler.ATTR_RETRY_OF) instanceof Number n && n.intValue() == failed.number()).findFirst();
            if (queued.isPresent()) {
                LOG.info("trial {} of study '{}' ended {} ({}); trial {} retries it already", failed.number(),
                        loop.study().name(), failed.state(), failed.reason(), queued.get().number());
                return false;
            }
            int retries = Failures.retriesOf(failed);
            if (retries >= maxRetries) {
                LOG.warn("trial {} of study '{}' ({}) is not retried: {} retries already", failed.number(),
                        loop.study().name(), failed.reason(), retries);
                return false;
            }
            FrozenTrial retry = Failures.retry(loop, failed, retries);
            LOG.info("trial {} of study '{}' ended {} ({}); trial {} retries its parameters", failed.number(),
                    loop.study().name(), failed.state(), failed.reason(), retry.number());
            return true;
        }

        /**
         * A trial that failed for an infrastructure reason (a device out of memory), or that this node's shutdown
         * interrupted (its grace ran out), is retried by a later job, on whichever node: else its parameters, an
         * enqueued point's say, never ran, as they do when a node is lost.
         */
        private void retryIfInfrastructure(TrialLoop loop, TrialOutcome outcome) {
            FrozenTrial trial = outcome.trial();
            boolean shutDown = trial != null && TrialScheduler.REASON_SHUTDOWN.equals(trial.reason())
                    && !studies.stopped(loop.study().name());
            if (Failures.failedForInfrastructure(outcome) || shutDown) {
                retried(loop, trial);
            }
        }
    }
}
