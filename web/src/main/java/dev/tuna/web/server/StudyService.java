package dev.tuna.web.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StorageException;
import dev.tuna.core.storage.StudyBoundStorage;
import dev.tuna.core.storage.StudyExistsException;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.core.storage.StudyNotFoundException;
import dev.tuna.search.Objective;
import dev.tuna.search.Study;
import dev.tuna.web.spec.ObjectiveFactory;
import dev.tuna.web.spec.PrunerFactory;
import dev.tuna.web.spec.SamplerFactory;
import dev.tuna.web.spec.SpecException;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.StudySpecParser;
import dev.tuna.worker.dispatch.ScheduledStudy;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs submitted studies: creates them in storage with their spec as the study attribute {@value #ATTR_SPEC},
 * runs their trials through a {@link StudyDispatch} (this process's {@link TrialScheduler}, or a cluster),
 * stops, resumes and deletes them, and on start resumes the unfinished studies a previous process left (storage
 * has marked their running trials FAIL "interrupted"; the study goes on to its number of trials).
 */
public final class StudyService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StudyService.class);
    /** Study attribute: the spec's JSON, as a map. */
    public static final String ATTR_SPEC = "spec";
    /** Study attribute: true while a user has stopped the study. */
    public static final String ATTR_STOPPED = "stopped";
    /**
     * Study attribute: true once a run ended because its spec's timeout ran out. The study is then stopped: a server
     * that starts again does not resume it (its budget would start again), a resume or a submit to go on does.
     */
    public static final String ATTR_TIMED_OUT = "timedOut";
    /** Study attribute: true once a run ended because its sampler had no new point (a grid used up). */
    public static final String ATTR_EXHAUSTED = "samplerExhausted";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a study is doing, as the API reports it. */
    public enum State { RUNNING, SCHEDULED, STOPPED, COMPLETE, IDLE }

    private final Storage storage;
    private final StudyDispatch dispatch;
    private final ObjectiveFactory trainables;
    private final StudySpecParser parser;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
    // Guarded by this: studies whose delete waits for their run to end; a resume then would start a run the delete
    // no longer sees, one that outlived the study and failed the trials of the next study of its name.
    private final Set<String> deleting = new HashSet<>();
    private final ExecutorService runners;
    private volatile Duration storageRetryDelay = Duration.ofSeconds(10);
    /** How long a run's database may fail, with no trial finished in between, before the run gives up. */
    private volatile Duration storageOutageLimit = Duration.ofMinutes(5);

    /** One run of a study: its dispatch's run on a runner thread, or its cron schedule. */
    private static final class Run {
        final Study study;
        /** Counted down by {@link #stop}: a run waiting to try again wakes up at once. */
        final CountDownLatch stopping = new CountDownLatch(1);
        volatile Future<?> future;
        volatile ScheduledStudy scheduled;

        Run(Study study) {
            this.study = study;
        }

        void stop() {
            stopping.countDown();
        }

        boolean stopped() {
            return stopping.getCount() == 0;
        }

        boolean active() {
            return scheduled != null || (future != null && !future.isDone());
        }
    }

    /** Runs the studies' trials on this process's scheduler. */
    public StudyService(Storage storage, TrialScheduler scheduler, ObjectiveFactory trainables) {
        this(storage, StudyDispatch.local(scheduler), trainables);
    }

    public StudyService(Storage storage, StudyDispatch dispatch, ObjectiveFactory trainables) {
        this.storage = storage;
        this.dispatch = dispatch;
        this.trainables = trainables;
        this.parser = new StudySpecParser(trainables);
        AtomicInteger n = new AtomicInteger();
        this.runners = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tuna-study-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public Storage storage() {
        return storage;
    }

    public StudySpecParser parser() {
        return parser;
    }

    /**
     * Creates a study from a checked spec and starts it. The name is claimed by the storage's own create, so that
     * two servers on one database cannot both take it.
     *
     * @throws StudyExistsException if the name is taken
     */
    public synchronized StudyInfo submit(StudySpec spec) {
        dispatch.check(spec);
        Optional<StudyInfo> found = storage.findStudy(spec.name());
        if (found.isPresent() && halfSubmitted(storage, found.get())) {
            storage.deleteStudy(spec.name()); // it would block the name
        }
        // Created with its spec in one write: a kill between the two left a study that showed as complete.
        storage.createStudy(spec.name(), spec.direction(),
                Map.of(ATTR_SPEC, StudySpecParser.toStored(spec)));
        Study study;
        try {
            study = study(spec);
            spec.enqueue().forEach(study::enqueue); // a new study: every point is new, and the parser fit them
        } catch (RuntimeException e) {
            // Not a study that cannot run (or without its points): take it back if we can.
            try {
                storage.deleteStudy(spec.name());
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed); // a submit of the same name clears it, as one that was killed
            }
            throw e;
        }
        start(spec, study);
        LOG.info("study '{}' submitted: {} trials, sampler {}, pruner {}, trainable {}", spec.name(), spec.trials(),
                spec.sampler().type(), spec.pruner().type(), spec.trainable().type());
        return storage.findStudy(spec.name()).orElseThrow();
    }

    /** A study submitted or gone on with, and whether the submit created it. */
    public record Submitted(StudyInfo info, boolean created) {
    }

    /**
     * Submits a spec; when a study of its name was submitted before, goes on with it instead, as Optuna's
     * {@code load_if_exists} and {@code tuna run} do: up to the spec's number of trials (a study never shrinks its
     * budget), with the spec's parallelism and timeout. Its other settings must be the stored spec's
     * ({@link StudySpecParser#KEPT}), else trials of two searches would mix in one study. A running study given a
     * spec that changes nothing of its run (a client's retry) runs on.
     *
     * @throws ApiException 409 if the study was made in code, runs already and the spec would change its run, or was
     *                      submitted with other settings
     */
    public synchronized Submitted submitOrGoOn(StudySpec spec) {
        Optional<StudyInfo> found = storage.findStudy(spec.name());
        if (found.isEmpty() || halfSubmitted(storage, found.get())) {
            return new Submitted(submit(spec), true);
        }
        StudyInfo info = found.get();
        if (!(info.attrs().get(ATTR_SPEC) instanceof Map<?, ?> stored)) {
            throw new ApiException(409, "name", "study '" + spec.name() + "' was made in code, not submitted with a"
                    + " spec: it cannot go on with one; give this study a new name");
        }
        Map<?, ?> given = StudySpecParser.toStored(spec);
        parser.difference(stored, given).ifPresent(d -> {
            throw new ApiException(409, d.path(), "study '" + spec.name() + "' was submitted with another " + d.field()
                    + " (" + d.said() + "): to go on with it, give the same " + d.field() + ", or give this study a new"
                    + " name");
        });
        refuseIfDeleting(spec.name());
        Run run = runs.get(spec.name());
        if (run != null && run.active() && !run.stopped() && run.scheduled == null && asksNothingNew(stored, spec)) {
            // Points new to it join the run, where they fit in what it has left.
            run.study.enqueueIfNew(newPoints(run.study, spec.enqueue(),
                    stored.get("trials") instanceof Number n ? n.intValue() : spec.trials()));
            return new Submitted(info, false); // the same spec again (a client's retry, say): it runs on
        }
        if (run != null && run.active()) {
            String doing = run.scheduled != null ? "is scheduled: stop it, then submit the spec again"
                    : run.stopped() ? "is stopping (its trials are ending): submit the spec again in a moment"
                    : "is running: stop it, or wait until it ends, then submit the spec again";
            throw new ApiException(409, "name", "study '" + spec.name() + "' " + doing + " to go on with it");
        }
        int budget = Math.max(spec.trials(), stored.get("trials") instanceof Number n ? n.intValue() : 0);
        StudySpec goingOn = spec.withTrials(budget);
        dispatch.check(goingOn);
        // Made before anything is written: a spec that cannot run here leaves the study as it was.
        Study study = study(goingOn);
        Objective objective = trainables.create(goingOn);
        List<Map<String, Object>> points = newPoints(study, goingOn.enqueue(), budget);
        storage.setStudyAttr(spec.name(), ATTR_SPEC, StudySpecParser.toStored(goingOn));
        unstop(info);
        StudyInfo now = info(spec.name());
        // One that already has its trials (or used up its grid) stays complete.
        if (storedState(now, Study.counted(storage.trials(now.name()))) != State.COMPLETE) {
            queueGoingOn(study, points, budget);
            start(goingOn, study, objective);
            LOG.info("study '{}' goes on: up to {} trials", spec.name(), budget);
        }
        return new Submitted(info(spec.name()), false);
    }

    /** Whether a spec of the same settings as a stored one would change nothing of its run: trials, parallelism, timeout. */
    private static boolean asksNothingNew(Map<?, ?> stored, StudySpec spec) {
        return stored.get("trials") instanceof Number trials && spec.trials() <= trials.intValue()
                && stored.get("parallelism") instanceof Number parallelism && spec.parallelism() == parallelism.intValue()
                && java.util.Objects.equals(spec.timeoutSeconds(), storedLong(stored, "timeoutSeconds"))
                && java.util.Objects.equals(spec.trialTimeoutSeconds(), storedLong(stored, "trialTimeoutSeconds"));
    }

    private static Long storedLong(Map<?, ?> stored, String field) {
        return stored.get(field) instanceof Number n ? Long.valueOf(n.longValue()) : null;
    }

    /**
     * Whether a study is what a submit of an earlier version, killed between creating it and storing its spec, left:
     * no attributes and no trials. A submit of its name replaces it.
     */
    public static boolean halfSubmitted(Storage storage, StudyInfo info) {
        return info.attrs().isEmpty() && storage.trials(info.name()).isEmpty();
    }

    /** The spec a study was submitted with, if it was submitted (rather than created by user code). */
    public Optional<StudySpec> spec(String name) {
        return spec(info(name));
    }

    private Optional<StudySpec> spec(StudyInfo info) {
        Object raw = info.attrs().get(ATTR_SPEC);
        if (raw == null) {
            return Optional.empty();
        }
        JsonNode node = JSON.valueToTree(raw);
        return Optional.of(parser.parseStored(node));
    }

    /** The study, or {@link StudyNotFoundException}. */
    public StudyInfo info(String name) {
        return storage.findStudy(name).orElseThrow(() -> new StudyNotFoundException(name));
    }

    /** What the study is doing; a stopped study whose interrupted trials are still ending is already stopped. */
    public State state(StudyInfo info, int counted) {
        Run run = runs.get(info.name());
        if (run != null && run.active() && !run.stopped() && run.scheduled == null) {
            return State.RUNNING;
        }
        // A scheduled study, run here or not, is scheduled while its cron expression fires again.
        return storedState(info, counted);
    }

    /** What storage says of a study that no run of this process is running. */
    public static State storedState(StudyInfo info, int counted) {
        if (Boolean.TRUE.equals(info.attrs().get(ATTR_STOPPED))) {
            return State.STOPPED;
        }
        Object spec = info.attrs().get(ATTR_SPEC);
        if (spec instanceof Map<?, ?> m && m.get("cron") instanceof String cron) {
            // Its trials are per firing, and a server schedules it again when it starts, until it never fires again.
            return firesAgain(cron) ? State.SCHEDULED : State.COMPLETE;
        }
        if (spec instanceof Map<?, ?> m && m.get("trials") instanceof Number trials && counted >= trials.intValue()
                || Boolean.TRUE.equals(info.attrs().get(ATTR_EXHAUSTED))) {
            return State.COMPLETE;
        }
        if (Boolean.TRUE.equals(info.attrs().get(ATTR_TIMED_OUT))) {
            return State.STOPPED; // its time ran out before its trials did (others may have run them since)
        }
        return spec == null ? State.COMPLETE : State.IDLE;
    }

    private static boolean firesAgain(String cron) {
        try {
            return new org.quartz.CronExpression(cron).getNextValidTimeAfter(new java.util.Date()) != null;
        } catch (java.text.ParseException e) {
            return false; // refused when submitted: a spec stored by another version, which no server runs
        }
    }

    /** Why the last run of the study ended with an error, if it did. */
    public Optional<String> lastError(String name) {
        return Optional.ofNullable(lastErrors.get(name));
    }

    /**
     * Stops a study: no more trials start, running ones end FAIL "interrupted: the study was stopped" (not
     * counted: a resumed study runs their parameters again first, {@link Study#rerunInterrupted}); it stays stopped
     * across restarts.
     *
     * @throws ApiException (409) if the study is complete: there is nothing to stop
     */
    public synchronized void stop(String name) {
        refuseIfComplete(info(name), "stopped");
        halt(name);
    }

    /** A complete study stays complete: stopping or resuming it would only change what it is shown as. */
    private void refuseIfComplete(StudyInfo info, String what) {
        if (state(info, Study.counted(storage.trials(info.name()))) == State.COMPLETE) {
            throw new ApiException(409, "name", "study '" + info.name() + "' is complete: it cannot be " + what
                    + (info.attrs().containsKey(ATTR_SPEC) ? "; to run more trials, submit its spec again with more, to go on with"
                    + " it (tuna submit --load-if-exists, or POST /api/studies?loadIfExists=true)" : " (it was made in code: the program that made it runs its trials)"));
        }
    }

    /**
     * The spec's points that no trial of the study was given ({@link Study#wasGiven}, as Optuna's
     * {@code enqueue_trial(skip_if_exists=True)} compares them), checked to fit in the trials the study has left after
     * the trials running or waiting and the interrupted ones that run again: a point past its budget was left waiting
     * on a study shown complete.
     *
     * @param total the study's number of trials
     * @throws SpecException (field {@code enqueue}) if they do not fit
     */
    public static List<Map<String, Object>> newPoints(Study study, List<Map<String, Object>> points, int total) {
        if (points.isEmpty()) {
            return List.of();
        }
        List<FrozenTrial> trials = study.trials();
        java.util.Set<Map<String, Object>> given = Study.givenPoints(trials);
        List<Map<String, Object>> fresh = points.stream().filter(p -> !given.contains(Study.pointKey(p))).toList();
        int busy = (int) trials.stream().filter(t -> t.state() == TrialState.RUNNING || t.state() == TrialState.WAITING).count();
        int done = Study.counted(trials);
        int room = Math.max(0, total - done - busy - Study.interruptedToRerun(trials));
        if (fresh.size() > room) {
            throw new SpecException("enqueue", fresh.size() + " point(s) new to study '" + study.name() + "', but it has"
                    + " room for " + room + " more trial(s) (" + done + " of " + total + " done, " + busy + " running or"
                    + " waiting, interrupted ones to run again): give more trials, or fewer points");
        }
        return fresh;
    }

    /**
     * What a study that goes on runs first, before its sampled trials: its interrupted trials' parameters again, then
     * its new points ({@link #newPoints}).
     */
    public static void queueGoingOn(Study study, List<Map<String, Object>> points, int total) {
        study.rerunInterrupted(total - study.countedTrials());
        study.enqueueIfNew(points); // if another server going on with the same spec did not just queue it
    }

    /** Clears what holds a study stopped: a user's stop, or a timeout that ran out. */
    private void unstop(StudyInfo info) {
        storage.setStudyAttr(info.name(), ATTR_STOPPED, false);
        clearTimedOut(storage, info);
    }

    /** Clears a study's {@value #ATTR_TIMED_OUT} mark, if it has one: it goes on, with its timeout again. */
    public static void clearTimedOut(Storage storage, StudyInfo info) {
        if (Boolean.TRUE.equals(info.attrs().get(ATTR_TIMED_OUT))) {
            storage.setStudyAttr(info.name(), ATTR_TIMED_OUT, false);
        }
    }

    private void halt(String name) {
        storage.setStudyAttr(name, ATTR_STOPPED, true);
        Run run = runs.get(name);
        if (run != null) {
            run.stop();
            if (run.scheduled != null) {
                run.scheduled.cancel();
                run.scheduled = null;
            }
        }
        dispatch.stop(name, run != null ? run.study : null);
        LOG.info("study '{}' stopped", name);
    }

    /** Why this server can run no study now, if so ({@link StudyDispatch#failure}). */
    public Optional<String> dispatchFailure() {
        return dispatch.failure();
    }

    /** The dispatch's count of nodes that can run trials ({@link StudyDispatch#workers}). */
    public OptionalInt workers() {
        return dispatch.workers();
    }

    /**
     * Resumes a stopped or idle study up to its number of trials (or its schedule). A study still stopping (its
     * interrupted trials ending) is waited for, up to 30 s; one running already is left to run.
     *
     * @throws ApiException 409 if the study was not submitted with a spec, is still stopping, complete or being
     *                      deleted; 422 if its stored spec cannot run here
     */
    public void resume(String name) {
        refuseIfDeleting(name);
        Run stopping = runs.get(name);
        if (stopping != null && stopping.stopped() && stopping.future != null) {
            try {
                stopping.future.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.debug("study '{}': its stopped run did not end before the resume: {}", name, e.toString());
            }
        }
        resumeNow(name);
    }

    /** {@link #resume} without the wait for a stopping run. */
    synchronized void resumeNow(String name) {
        StudyInfo info = info(name);
        StudySpec spec;
        try {
            spec = spec(info).orElseThrow(() -> new ApiException(409, "name",
                    "study '" + name + "' was not submitted with a spec, so it cannot be resumed here"));
        } catch (SpecException e) {
            throw new ApiException(422, "spec", "the stored spec of study '" + name + "' cannot run here: " + e.getMessage());
        }
        refuseIfDeleting(name);
        Run run = runs.get(name);
        if (run != null && run.active()) {
            if (run.stopped()) {
                throw new ApiException(409, "name", "study '" + name + "' is still stopping (its trials are ending):"
                        + " resume it in a moment");
            }
            return; // running already: nothing to do, as stopping a stopped study does nothing
        }
        refuseIfComplete(info, "resumed");
        dispatch.check(spec);
        unstop(info);
        start(spec, study(spec));
        LOG.info("study '{}' resumed", name);
    }

    private synchronized void refuseIfDeleting(String name) {
        if (deleting.contains(name)) {
            throw new ApiException(409, "name", "study '" + name + "' is being deleted");
        }
    }

    /** Stops a study, waits for its trials to end and deletes it with its trials. */
    public void delete(String name) {
        Run run;
        synchronized (this) {
            info(name); // fails with StudyNotFoundException for an unknown study
            refuseIfDeleting(name);
            halt(name); // may fail (a full disk): then nothing is marked, and a later delete may try again
            deleting.add(name);
            run = runs.get(name);
        }
        try {
            if (run != null && run.future != null) {
                try {
                    run.future.get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.warn("study '{}': run did not end cleanly before delete: {}", name, e.toString());
                }
            }
            synchronized (this) {
                runs.remove(name);
                lastErrors.remove(name);
                storage.deleteStudy(name);
            }
        } finally {
            synchronized (this) {
                deleting.remove(name);
            }
        }
        LOG.info("study '{}' deleted", name);
    }

    /**
     * Resumes the submitted studies a previous process left unfinished (not stopped, fewer finished trials than
     * asked for, or on a schedule). A spec this build cannot run any more is logged and left alone.
     *
     * @return how many studies were resumed
     */
    public synchronized int resumeUnfinished() {
        int resumed = 0;
        for (StudyInfo info : storage.studies()) {
            if (info.attrs().get(ATTR_SPEC) == null || storedState(info, 0) == State.STOPPED) {
                continue;
            }
            try {
                StudySpec spec = spec(info).orElseThrow();
                dispatch.check(spec);
                Study study = study(spec);
                int done = study.countedTrials();
                if (spec.cron() != null || done < spec.trials() && storedState(info, done) != State.COMPLETE) {
                    start(spec, study);
                    resumed++;
                    LOG.info("study '{}' resumed: {} of {} trials done", spec.name(), done, spec.trials());
                }
            } catch (RuntimeException e) {
                LOG.warn("study '{}' not resumed: {}", info.name(), e.getMessage());
                lastErrors.put(info.name(), e.getMessage());
            }
        }
        return resumed;
    }

    private Study study(StudySpec spec) {
        return study(spec, storage);
    }

    /** The study of a spec in a storage (created, or loaded if it is there), with the spec's sampler and pruner. */
    public static Study study(StudySpec spec, Storage storage) {
        return Study.builder(spec.name()).direction(spec.direction())
                .sampler(SamplerFactory.create(spec.sampler(), spec.space(), spec.name()))
                .pruner(PrunerFactory.create(spec.pruner(), "pruner"))
                .diagnoser(PrunerFactory.diagnoser(spec.pruner()))
                .storage(storage).create();
    }

    private void start(StudySpec spec, Study study) {
        start(spec, study, trainables.create(spec));
    }

    private void start(StudySpec spec, Study study, Objective objective) {
        Run run = new Run(study);
        runs.put(spec.name(), run);
        lastErrors.remove(spec.name());
        if (spec.cron() != null) {
            run.scheduled = dispatch.schedule(spec, study, objective);
            return;
        }
        run.future = runners.submit(() -> {
            try {
                Outage outage = new Outage();
                while (!runOnce(spec, study, objective, run, outage)) {
                    // A database that went away for a moment (a restart, a failover) must not end the study for good.
                    try {
                        if (run.stopping.await(storageRetryDelay.toMillis(), TimeUnit.MILLISECONDS)) {
                            return; // stopped, or the server is shutting down: no wait for the next try
                        }
                    } catch (InterruptedException stopping) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            } finally {
                // However the run ended (done, stopped, or given up on its database), none of its trials runs now.
                endLeftRunning(study, false);
            }
        });
    }

    /**
     * Runs the study once on the runner thread. Returns false when the run failed on its database and should be
     * tried again; true when it is over, done or failed for good (the error is kept for the API).
     */
    private boolean runOnce(StudySpec spec, Study study, Objective objective, Run run, Outage outage) {
        long began = System.nanoTime();
        try {
            if (outage.began()) {
                lastErrors.remove(spec.name()); // trying again: the failure is past unless it comes back
            }
            endLeftRunning(study, true);
            long started = System.nanoTime();
            dispatch.run(spec, study, objective, run::stopped);
            if (!run.stopped() && study.isExhausted()) {
                // Fewer trials than the spec asks for, but no new point to try: the study is done. Written through
                // the study's own storage, which refuses it if the study was deleted or replaced meanwhile.
                study.storage().setStudyAttr(spec.name(), ATTR_EXHAUSTED, true);
            } else if (!run.stopped() && spec.ranOutOfTime(started) && study.countedTrials() < spec.trials()) {
                // Its budget of time is spent: held stopped, so that a server started again does not give it another.
                study.storage().setStudyAttr(spec.name(), ATTR_TIMED_OUT, true);
                LOG.info("study '{}': its timeout of {} s ran out; it is stopped (resume it to go on)", spec.name(),
                        spec.timeout().orElseThrow().toSeconds());
            }
            lastErrors.remove(spec.name());
            return true;
        } catch (RuntimeException | Error e) {
            if (gone(study, e)) {
                // Deleted (or replaced) under the run: its name may be another study's now, whose error this is not.
                LOG.info("study '{}' is gone; its run ends", spec.name());
                return true;
            }
            lastErrors.put(spec.name(), String.valueOf(e.getMessage()));
            if (!isDatabaseFailure(e) || run.stopped()) {
                LOG.warn("study '{}' run failed: {}", spec.name(), e.toString());
                return true;
            }
            Duration failing = outage.failed(Duration.ofNanos(System.nanoTime() - began), countedOrUnknown(study),
                    storageOutageLimit);
            if (failing.compareTo(storageOutageLimit) >= 0) {
                LOG.warn("study '{}' run failed: its database has failed for {} s with no trial finished; giving up: {}",
                        spec.name(), failing.toSeconds(), e.toString());
                return true;
            }
            LOG.warn("study '{}': its database failed ({}); trying again in {} s (failing for {} s; the run gives up"
                    + " after {} s with no trial finished)", spec.name(), e.getMessage(), storageRetryDelay.toSeconds(),
                    failing.toSeconds(), storageOutageLimit.toSeconds());
            return false;
        }
    }

    /** The study's counted trials, or -1 while its database cannot say. */
    private static int countedOrUnknown(Study study) {
        try {
            return study.countedTrials();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * How long a run's database has been failing: since the first failure after the study last got on (a trial
     * finished in between, or a try ran as long as the limit before it failed). A study whose database comes and
     * goes is not given up on, however many failures it meets over its life.
     */
    private static final class Outage {
        private long since = -1; // System.nanoTime() of the outage's first failure; -1: none yet
        private int counted = -1; // the study's counted trials when last known; -1: not known yet

        boolean began() {
            return since >= 0;
        }

        /**
         * Notes a failed try that had run for {@code ran}, with the study's counted trials then (-1: unknown);
         * returns how long the outage has lasted.
         */
        Duration failed(Duration ran, int countedNow, Duration limit) {
            long now = System.nanoTime();
            boolean gotOn = (counted >= 0 && countedNow > counted) || ran.compareTo(limit) >= 0;
            if (since < 0 || gotOn) {
                since = now;
            }
            if (countedNow >= 0) {
                counted = Math.max(counted, countedNow); // the first known count is a baseline, not progress
            }
            return Duration.ofNanos(now - since);
        }
    }

    /**
     * Ends the trials of a study that this process's runs left RUNNING because their end could not be saved (none of
     * them runs: a study has one run at a time): they are not counted and are replaced, as a crash's would be. Only
     * where every trial runs in this process; {@code required}: a failure is thrown, else it is only logged.
     */
    private void endLeftRunning(Study study, boolean required) {
        if (!dispatch.runsHereOnly()) {
            return;
        }
        // Through the study's own storage, bound to it: a study of the same name made since is not touched.
        Storage bound = study.storage();
        try {
            for (FrozenTrial t : bound.trials(study.name(), Set.of(TrialState.RUNNING))) {
                bound.finishTrial(study.name(), t.number(), TrialState.FAIL, null,
                        FrozenTrial.REASON_INTERRUPTED + ": its end could not be saved");
            }
        } catch (RuntimeException e) {
            if (required) {
                throw e;
            }
            if (!gone(study, e)) {
                LOG.warn("study '{}': trials left running stay so until the next run or restart: {}", study.name(),
                        e.getMessage());
            }
        }
    }

    /** Whether {@code e} came of the run's study being deleted or replaced. */
    private static boolean gone(Study study, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StudyNotFoundException) {
                return !(study.storage() instanceof StudyBoundStorage bound) || !bound.current();
            }
        }
        return false;
    }

    /** Whether a run failed because its storage or the cluster's job store could not be reached or written. */
    static boolean isDatabaseFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StorageException || t instanceof java.sql.SQLException
                    || t instanceof org.quartz.JobPersistenceException) {
                return true;
            }
        }
        return false;
    }

    /** How long a run waits before trying again after its database failed (tests shorten it). */
    void storageRetryDelay(Duration delay) {
        this.storageRetryDelay = delay;
    }

    /** For tests: how long a run's database may fail with no trial finished before the run gives up. */
    void storageOutageLimit(Duration limit) {
        this.storageOutageLimit = limit;
    }

    /**
     * The finished trials as a summary line says them: {@code "7 complete, 13 pruned, 1 failed, 2 interrupted"}, the
     * trials Tuna interrupted (a kill, a stop) apart from those that failed: they do not count, and run again.
     */
    public static String outcomes(Collection<FrozenTrial> trials) {
        long interrupted = trials.stream().filter(FrozenTrial::wasInterrupted).count();
        Map<TrialState, Long> counts = counts(trials);
        return String.format(Locale.ROOT, "%d complete, %d pruned, %d failed", counts.get(TrialState.COMPLETE),
                counts.get(TrialState.PRUNED), counts.get(TrialState.FAIL) - interrupted)
                + (interrupted > 0 ? ", " + interrupted + " interrupted" : "");
    }

    /** Counts of a study's trials by state. */
    public static Map<TrialState, Long> counts(Iterable<FrozenTrial> trials) {
        Map<TrialState, Long> counts = new java.util.EnumMap<>(TrialState.class);
        for (TrialState s : TrialState.values()) {
            counts.put(s, 0L);
        }
        trials.forEach(t -> counts.merge(t.state(), 1L, Long::sum));
        return counts;
    }

    /**
     * Stops every run and the runners, as for a process that ends: the dispatch shuts down first, so trials running
     * here end as interrupted by the shutdown (not counted, replaced on resume), and the study is not marked stopped
     * as a user's stop marks it.
     */
    @Override
    public void close() {
        dispatch.shutdown();
        runs.values().forEach(r -> {
            r.stop();
            r.study.stop();
        });
        runners.shutdown();
        try {
            runners.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
