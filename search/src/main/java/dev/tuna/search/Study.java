package dev.tuna.search;

import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.InvalidParameterException;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StorageException;
import dev.tuna.core.storage.StorageUnavailableException;
import dev.tuna.core.storage.StudyBoundStorage;
import dev.tuna.core.storage.StudyExistsException;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.core.storage.StudyNotFoundException;
import dev.tuna.core.storage.TrialNotFoundException;
import dev.tuna.search.diagnosis.Diagnoser;
import dev.tuna.search.diagnosis.Diagnosis;
import dev.tuna.search.pruner.NopPruner;
import dev.tuna.search.sampler.AutoSampler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tuning job: a name, a direction, a sampler, a pruner and a storage. Run it with {@link #optimize}, or drive
 * it yourself with {@link #ask()} and {@link #tell(Trial, double)}.
 *
 * <pre>{@code
 * Study study = Study.builder("branin").sampler(new SobolSampler(42)).create();
 * study.optimize(trial -> branin(trial.suggestFloat("x1", -5, 10), trial.suggestFloat("x2", 0, 15)), 60);
 * System.out.println(study.bestValue() + " at " + study.bestParams());
 * }</pre>
 *
 * <p>Thread-safe: {@link #optimize} with parallelism runs several trials at once, and several threads may ask
 * and tell. Asking is serialised within a study, so that each sampler call sees every trial started before it.
 */
public final class Study {
    /**
     * The study attribute a study made by {@link Builder#create()} gets: the simple class names of the sampler and
     * pruner that made it ({@code {"sampler": "GpSampler", "pruner": "NopPruner"}}).
     */
    public static final String ATTR_MADE_IN_CODE = "madeInCode";
    /** System attribute of a trial that {@link #rerunInterrupted} enqueued: the number of the trial it runs again. */
    public static final String ATTR_RERUN_OF = "rerun_of";
    /** System attribute of such a trial: how many times the parameters of its first trial have run again, from 1. */
    public static final String ATTR_RERUNS = "reruns";
    /** System attribute of a retry an executor enqueued for a trial that failed for an infrastructure reason. */
    public static final String ATTR_RETRY_OF = "retry_of";
    /** How many times {@link #rerunInterrupted} runs one trial's parameters again (a trial that kills its process). */
    static final int MAX_RERUNS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(Study.class);
    private static final EnumSet<TrialState> FINISHED = EnumSet.of(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL);

    private final String name;
    private final Direction direction;
    private final Sampler sampler;
    private final Pruner pruner;
    private final Storage storage;
    private final Diagnoser diagnoser; // null: no diagnoses
    /**
     * The ask lock of each study in this process, by its storage (the one under any {@link StudyBoundStorage}) and name:
     * one per study, not per {@code Study} object, so that two objects of one study (a thread each, as Optuna's
     * {@code load_study} habit goes) ask one at a time too. With a lock per object they ran grid points twice on MapDB.
     */
    private static final Map<Storage, Map<String, ReentrantLock>> ASK_LOCKS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final ReentrantLock askLock;
    private final Set<TrialLoop> loops = ConcurrentHashMap.newKeySet();

    private Study(String name, Direction direction, Sampler sampler, Pruner pruner, Storage storage, Diagnoser diagnoser) {
        this.name = name;
        this.direction = direction;
        this.sampler = sampler;
        this.pruner = pruner;
        this.storage = storage;
        this.diagnoser = diagnoser;
        this.askLock = ASK_LOCKS.computeIfAbsent(underlying(storage), k -> new ConcurrentHashMap<>())
                .computeIfAbsent(name, k -> new ReentrantLock());
    }

    /** Starts building the study of this name. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public Direction direction() {
        return direction;
    }

    public Sampler sampler() {
        return sampler;
    }

    public Pruner pruner() {
        return pruner;
    }

    public Storage storage() {
        return storage;
    }

    // ---------------------------------------------------------------- running

    /** Runs {@code trials} new trials, one at a time. */
    public void optimize(Objective objective, int trials) {
        optimize(objective, OptimizeOptions.trials(trials));
    }

    /**
     * Runs trials until the options' trial count or timeout is reached, the sampler is used up, or
     * {@link #stop()} is called. An objective's exception fails its trial and the run goes on, unless
     * {@link OptimizeOptions#stopOnError()} is set: then it is rethrown once the trials in flight end
     * (a checked exception wrapped in {@link ObjectiveException}). The options' {@link TrialExecutor} runs the
     * trials (default: {@link OptimizeOptions#parallelism()} threads of this call).
     *
     * <p>An interrupt ends the run as a stop does: a thread running trials that is interrupted starts no more, an
     * objective that throws {@link InterruptedException} ends FAIL "interrupted: ..." (not counted towards
     * {@link OptimizeOptions#totalTrials()}), and the calling thread returns with its interrupt status set.
     */
    public void optimize(Objective objective, OptimizeOptions options) {
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(options, "options");
        if (options.totalTrials() != null) {
            // A study run to its total goes on: with the trials it had begun first.
            rerunInterrupted(Math.min(options.totalTrials() - countedTrials(),
                    options.trials() == null ? Integer.MAX_VALUE : options.trials()));
        }
        TrialLoop loop = new TrialLoop(this, objective, options, budget(options));
        loops.add(loop);
        try {
            options.executor().execute(loop);
        } finally {
            loops.remove(loop);
        }
        Throwable error = loop.firstError();
        if (error instanceof RuntimeException e) {
            throw e;
        }
        if (error instanceof Error e) {
            throw e;
        }
        if (error != null) {
            throw new ObjectiveException(error);
        }
    }

    private int budget(OptimizeOptions options) {
        int budget = options.trials() == null ? Integer.MAX_VALUE : options.trials();
        if (options.totalTrials() != null) {
            budget = Math.min(budget, Math.max(0, options.totalTrials() - countedTrials()));
        }
        return budget;
    }

    /**
     * The finished trials that count towards {@link OptimizeOptions#totalTrials()}: all but those interrupted by
     * the death of their process.
     */
    public int countedTrials() {
        return counted(storage.trials(name, FINISHED));
    }

    /** How many of {@code trials} count towards a study's total, by the rule of {@link #countedTrials()}. */
    public static int counted(Collection<FrozenTrial> trials) {
        return (int) trials.stream().filter(t -> t.isFinished() && !t.wasInterrupted()).count();
    }

    /**
     * Whether the study holds {@link OptimizeOptions#totalTrials()} counted trials: other processes on the same
     * storage (Optuna-style distributed optimisation) fill the total too, so it is read again at each trial rather
     * than only when optimize starts. Trials running elsewhere when the total is reached still finish, so the study
     * may end a few over it, as with Optuna's {@code MaxTrialsCallback}. A waiting trial (a retry that a failure
     * for an infrastructure reason enqueued, within the loop's budget) still runs.
     */
    private boolean totalReached(OptimizeOptions options) {
        return options.totalTrials() != null && countedTrials() >= options.totalTrials() && nothingWaiting();
    }

    /** Whether no enqueued trial waits to start. */
    private boolean nothingWaiting() {
        return storage.trials(name, EnumSet.of(TrialState.WAITING)).isEmpty();
    }

    /** The next trial of a loop, if it may start one; asking is serialised with {@link #ask()}. */
    Optional<Trial> nextTrial(TrialLoop loop) {
        return underAskLock(() -> {
            if (!loop.isActive() || isExhausted() || totalReached(loop.options()) || !loop.takeFromBudget()) {
                return Optional.<Trial>empty();
            }
            return Optional.of(startTrial());
        });
    }

    /**
     * Runs {@code action} under this study's ask lock and the storage's lock of the study, so that asks, and changes
     * that must not interleave with them, go one at a time, across processes sharing the storage too (see
     * {@link Storage#exclusively}).
     */
    private <T> T underAskLock(java.util.function.Supplier<T> action) {
        askLock.lock();
        try {
            return storage.exclusively(name, action);
        } finally {
            askLock.unlock();
        }
    }

    /**
     * Asks every running {@link #optimize} of this study to start no more trials. With the default executor the
     * trials in flight finish; an executor may abort them (the worker's Quartz dispatcher does: they end FAIL
     * "interrupted: the study was stopped", and do not count).
     */
    public void stop() {
        loops.forEach(TrialLoop::stop);
    }

    /**
     * Runs one trial from start to end: asks for it, evaluates the objective and tells the outcome. It takes the
     * same code path as the trials of {@link #optimize}.
     *
     * @return the finished trial
     */
    public FrozenTrial runTrial(Objective objective) {
        TrialOutcome outcome = run(objective, ask(), new TrialAbort());
        if (stopsTheStudy(outcome.error())) {
            throw (Error) outcome.error();
        }
        return outcome.trial();
    }

    /**
     * Whether an objective's failure ends the study's run, not only its trial: an {@link Error} (out of memory, a
     * linkage error), but for an {@link AssertionError}, which a failed {@code assert} or test-style check in the
     * objective throws (Python's counterpart is an exception, which fails only its trial in Optuna).
     */
    static boolean stopsTheStudy(Throwable error) {
        return error instanceof Error && !(error instanceof AssertionError);
    }

    /**
     * The one code path every trial takes, whoever starts it: evaluate the objective, then tell the study how it
     * ended (complete, pruned, failed, or failed with the abort reason when its executor aborted it).
     */
    TrialOutcome run(Objective objective, Trial trial, TrialAbort abort) {
        String abortedBefore = abort.begin();
        if (abortedBefore != null) {
            abort.end();
            return new TrialOutcome(finish(trial, TrialState.FAIL, null, abortedBefore), null);
        }
        double value = Double.NaN;
        Throwable error = null;
        try {
            value = objective.evaluate(trial);
        } catch (Throwable e) {
            error = unwrapped(e);
        }
        String aborted = abort.end();
        if (aborted != null) {
            Thread.interrupted(); // the interrupt was ours, and is consumed here
            LOG.info("trial {} of study '{}' aborted: {}", trial.number(), name, aborted);
            return new TrialOutcome(finish(trial, TrialState.FAIL, null, aborted), null);
        }
        if (error == null) {
            try {
                return new TrialOutcome(tell(trial, value), null);
            } catch (StorageException e) {
                // Said here, or the value it computed (minutes of training, maybe) is gone without a trace.
                LOG.warn("trial {} of study '{}' returned {}, which could not be stored: {}", trial.number(), name, value,
                        e.getMessage());
                throw e;
            }
        }
        if (error instanceof TrialPrunedException e) {
            String reason = e.getMessage() != null ? e.getMessage() : trial.pruneReason() != null ? trial.pruneReason() : "pruned by the objective";
            return new TrialOutcome(finish(trial, TrialState.PRUNED, prunedValue(trial.number()), reason), null);
        }
        String reason = describe(error);
        StorageUnavailableException storageFailed = StorageUnavailableException.in(error);
        if (error instanceof InterruptedException) {
            // Someone wants this thread to stop: the trial did not fail on its merits, so it does not count.
            Thread.currentThread().interrupt();
            reason = FrozenTrial.REASON_INTERRUPTED + ": " + reason;
        } else if (storageFailed != null) {
            // Its storage failed under it (a report to a database out of reach): nor did this one, and it counted as
            // failed once the database was back, its parameters never run again.
            reason = FrozenTrial.REASON_INTERRUPTED + ": its storage failed: " + storageFailed.getMessage();
        }
        LOG.warn("trial {} of study '{}' failed: {}", trial.number(), name, reason);
        StringWriter stack = new StringWriter();
        error.printStackTrace(new PrintWriter(stack));
        storage.setSystemAttr(name, trial.number(), FrozenTrial.ATTR_STACK_TRACE, stack.toString());
        return new TrialOutcome(finish(endHandle(trial), TrialState.FAIL, null, reason, error), error);
    }

    /**
     * What an objective threw, without the wrappers of Java's concurrency ({@link CompletionException},
     * {@link ExecutionException}) around an exception: a {@link TrialPrunedException} thrown in a future pruned its
     * trial. An {@link Error} stays wrapped: it failed the trial in a future, and fails only the trial still.
     */
    private static Throwable unwrapped(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() instanceof Exception) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable e) {
        if (e instanceof TrialFailedException && e.getMessage() != null) {
            // A reason of the objective's own that reads as Tuna's "interrupted" would not count, and run again.
            String reason = e.getMessage();
            return FrozenTrial.readsAsInterrupted(reason) ? "failed: " + reason : reason;
        }
        return e.getMessage() == null ? e.getClass().getName() : e.getClass().getName() + ": " + e.getMessage();
    }

    // ---------------------------------------------------------------- ask and tell

    /**
     * Starts a trial (the oldest enqueued one, if any) and returns its live handle.
     *
     * @throws IllegalStateException if the sampler has no point left to propose
     */
    public Trial ask() {
        return underAskLock(() -> {
            if (isExhausted()) {
                throw new IllegalStateException("the sampler of study '" + name + "' has no point left to propose");
            }
            return startTrial();
        });
    }

    /**
     * Whether no trial can start: the sampler is used up (a grid) and no enqueued trial waits (one brings its own
     * parameters, so it runs even after a grid is used up).
     */
    public boolean isExhausted() {
        return sampler.isExhausted(this) && nothingWaiting();
    }

    /** Called under the ask lock. */
    private Trial startTrial() {
        FrozenTrial started = storage.startTrial(name);
        Map<String, Object> relative;
        try {
            relative = sampler.sampleRelative(this, started);
        } catch (RuntimeException e) {
            storage.finishTrial(name, started.number(), TrialState.FAIL, null, "the sampler failed: " + describe(e));
            throw e;
        }
        return new Trial(this, started, relative);
    }

    /**
     * Completes a trial with its final value; a NaN fails it instead (an infinity completes it, as in Optuna).
     *
     * @return the finished trial
     */
    public FrozenTrial tell(Trial trial, double value) {
        return complete(endHandle(Objects.requireNonNull(trial, "trial")), value);
    }

    /**
     * As {@link #tell(Trial, double)}, for a running trial known by its number: one asked by another process or
     * another {@code Study} object on this storage (Optuna's {@code study.tell(trial_number, value)}).
     *
     * @throws IllegalStateException if the trial is not running
     */
    public FrozenTrial tell(int number, double value) {
        return complete(running(number), value);
    }

    /**
     * Ends a trial as PRUNED (with its last intermediate value and the pruner's reason) or FAIL.
     *
     * @return the finished trial
     */
    public FrozenTrial tell(Trial trial, TrialState state) {
        checkEndState(state); // before the handle is marked finished: a refused call changes nothing
        return end(endHandle(Objects.requireNonNull(trial, "trial")), state, trial.pruneReason());
    }

    /**
     * As {@link #tell(Trial, TrialState)}, for a running trial known by its number.
     *
     * @throws IllegalStateException if the trial is not running
     */
    public FrozenTrial tell(int number, TrialState state) {
        checkEndState(state);
        return end(running(number), state, null);
    }

    private static void checkEndState(TrialState state) {
        if (state != TrialState.PRUNED && state != TrialState.FAIL) {
            throw new IllegalArgumentException("tell takes PRUNED or FAIL without a value, not " + state);
        }
    }

    private FrozenTrial complete(int number, double value) {
        // As in Optuna: NaN fails a trial, an infinity completes it (a broken constraint, returned as +inf when
        // minimising, is a value the samplers learn from: a failed trial teaches them nothing).
        if (Double.isNaN(value)) {
            LOG.warn("trial {} of study '{}' failed: the value is NaN", number, name); // as an exception's failure is
            return finish(number, TrialState.FAIL, null, "the value is NaN");
        }
        return finish(number, TrialState.COMPLETE, value, null);
    }

    private FrozenTrial end(int number, TrialState state, String pruneReason) {
        return switch (state) {
            case PRUNED -> finish(number, state, prunedValue(number), pruneReason != null ? pruneReason : "pruned by the caller");
            case FAIL -> finish(number, state, null, "failed by the caller");
            default -> throw new IllegalStateException("checked by checkEndState: " + state);
        };
    }

    /** A pruned trial's value: its last intermediate value, unless that is NaN (then none, as in Optuna). */
    private Double prunedValue(int number) {
        Double last = storage.trial(name, number).lastIntermediateValue();
        return last == null || Double.isNaN(last) ? null : last;
    }

    /**
     * Checks that this study, or another handle of it on the same storage, asked for the trial; marks the handle
     * finished and returns the trial's number.
     */
    private int endHandle(Trial trial) {
        Study owner = trial.study();
        if (owner != this && !(owner.name.equals(name) && underlying(owner.storage) == underlying(storage))) {
            throw new IllegalArgumentException("trial " + trial.number() + " belongs to study '" + owner.name
                    + "', not to study '" + name + "'" + (owner.name.equals(name) ? " on another storage" : ""));
        }
        trial.markFinished();
        return trial.number();
    }

    private static Storage underlying(Storage storage) {
        while (storage instanceof StudyBoundStorage bound) {
            storage = bound.delegate();
        }
        return storage;
    }

    private int running(int number) {
        FrozenTrial t = storage.trial(name, number);
        if (t.state() != TrialState.RUNNING) {
            throw new IllegalStateException("trial " + number + " of study '" + name + "' is " + t.state() + ", not running");
        }
        return number;
    }

    private FrozenTrial finish(Trial trial, TrialState state, Double value, String reason) {
        return finish(endHandle(trial), state, value, reason);
    }

    private FrozenTrial finish(int number, TrialState state, Double value, String reason) {
        return finish(number, state, value, reason, null);
    }

    /** Ends a trial, its diagnoses stored first; {@code failure} is what failed it, or null. */
    private FrozenTrial finish(int number, TrialState state, Double value, String reason, Throwable failure) {
        storeDiagnoses(number, failure);
        return storage.finishTrial(name, number, state, value, reason);
    }

    /** Stores what the diagnoser finds on a trial, while it can still be changed. */
    private void storeDiagnoses(int number, Throwable failure) {
        if (diagnoser == null) {
            return;
        }
        try {
            FrozenTrial trial = storage.trial(name, number);
            if (trial.state() != TrialState.RUNNING) {
                return; // ended already (told twice): the finish that follows says so, not a failed diagnosis's warning
            }
            List<Diagnosis> found = diagnoser.diagnose(trial, direction, failure);
            if (!found.isEmpty()) {
                storage.setSystemAttr(name, number, Diagnosis.ATTR, found.stream().map(Diagnosis::toMap).toList());
            }
        } catch (StudyNotFoundException | TrialNotFoundException e) {
            // deleted under its trials: the finish that follows says so; one warning per trial of it was noise
            LOG.debug("trial {} of study '{}': not diagnosed, the study is gone", number, name);
        } catch (RuntimeException e) {
            // a finding is worth less than the trial's outcome: never let it stop the trial from finishing
            LOG.warn("trial {} of study '{}': diagnosing its curves failed: {}", number, name, describe(e));
        }
    }

    /**
     * Sets an attribute of the study (Optuna's {@code study.set_user_attr}): what the dataset, code version or
     * purpose of the search was. A JSON-like value (string, number, boolean, null, list or map of those); it is
     * stored at once and shown by the API and dashboard.
     *
     * @throws IllegalArgumentException if the key is null or empty, or the value is not JSON-like
     */
    public void setUserAttr(String key, Object value) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a study user attribute needs a name, got " + (key == null ? "null" : "''"));
        }
        storage.setStudyAttr(name, StudyInfo.USER_ATTR_PREFIX + key, value);
    }

    /** The study's user attributes, as stored now. */
    public Map<String, Object> userAttrs() {
        return storage.findStudy(name).map(StudyInfo::userAttrs).orElse(Map.of());
    }

    /**
     * Adds a trial that ran elsewhere (Optuna's {@code add_trial}), so that the samplers learn from it: a finished
     * trial as given (its parameters with their distributions, its value, curves and attributes), numbered after the
     * study's last trial. A start or end not given is the other one, else the present time.
     *
     * @return the trial as stored
     * @throws IllegalArgumentException if it is not finished, its value does not fit its state (a COMPLETE trial
     *                                  needs one that is not NaN, a FAIL one has none), it ends before it starts, or
     *                                  its parameters do not fit their distributions
     *                                  ({@link dev.tuna.core.InvalidParameterException}, naming the parameter)
     */
    public FrozenTrial addTrial(FrozenTrial trial) {
        Objects.requireNonNull(trial, "trial: the trial to add");
        return storage.addTrial(name, trial);
    }

    /**
     * Adds a completed trial that ran elsewhere with these parameters and this value: Optuna's
     * {@code add_trial(create_trial(params=..., distributions=..., value=...))}, to seed a study with results known
     * already.
     *
     * @see #addTrial(FrozenTrial)
     */
    public FrozenTrial addTrial(Map<String, ?> params, Map<String, ? extends Distribution> distributions,
                                double value) {
        Objects.requireNonNull(params, "params: the trial's parameters");
        Objects.requireNonNull(distributions, "distributions: each parameter's distribution");
        return addTrial(new FrozenTrial(0, TrialState.COMPLETE, new LinkedHashMap<>(params),
                new LinkedHashMap<>(distributions), value, null, null, null, null, null, null, null));
    }

    /**
     * Queues a trial with the given parameters: the next trial to start uses them instead of sampling (warm
     * start). Parameters the objective suggests that are not given here are sampled as usual. A value outside
     * the distribution the objective suggests fails that trial with an error naming the parameter (Optuna uses
     * it anyway and warns).
     *
     * @throws InvalidParameterException if a value is not a string, number or boolean (what a parameter can be)
     */
    public void enqueue(Map<String, ?> params) {
        storage.enqueueTrial(name, checkedPoint(params));
    }

    /**
     * As {@link #enqueue}, unless a trial of the study was already given these parameters (Optuna's
     * {@code skip_if_exists}; see {@link #wasGiven}). The check and the enqueue are one step under the study's ask
     * lock in this process and the storage's lock of the study ({@link Storage#exclusively}: across processes on PostgreSQL), so that
     * two callers cannot both queue the point, in one process (two {@code Study} objects of the study too) and across
     * processes.
     *
     * @return whether the point was queued
     * @throws InvalidParameterException if a value is not a string, number or boolean (what a parameter can be)
     */
    public boolean enqueueIfNew(Map<String, ?> params) {
        return enqueueIfNew(List.of(params)) == 1;
    }

    /**
     * As {@link #enqueueIfNew(Map)} for each point in turn (a point given twice is queued once), comparing them with the
     * study's trials once, not once per point: a resubmitted spec of 10,000 points on a study of 10,000 trials took
     * nearly 2 minutes, and held its server's changes that long.
     *
     * @return how many points were queued
     * @throws InvalidParameterException if a value is not a string, number or boolean (nothing is queued then)
     */
    public int enqueueIfNew(List<? extends Map<String, ?>> points) {
        List<Map<String, Object>> checked = points.stream().map(Study::checkedPoint).toList();
        return underAskLock(() -> {
            Set<Map<String, Object>> given = givenPoints(storage.trials(name));
            int queued = 0;
            for (Map<String, Object> point : checked) {
                if (given.add(pointKey(point))) {
                    storage.enqueueTrial(name, point);
                    queued++;
                }
            }
            return queued;
        });
    }

    /** The {@link #pointKey keys} of the points the trials were given ({@link #wasGiven}), to look points up in. */
    public static Set<Map<String, Object>> givenPoints(List<FrozenTrial> trials) {
        Set<Map<String, Object>> given = new HashSet<>();
        for (FrozenTrial t : trials) {
            given.add(pointKey(givenPoint(t)));
        }
        return given;
    }

    /** The point a trial was given: its enqueued values where it had some, else its parameters. */
    private static Map<String, Object> givenPoint(FrozenTrial trial) {
        return trial.fixedParams().isEmpty() ? trial.params() : trial.fixedParams();
    }

    /**
     * Whether a trial was given a point, as Optuna's {@code skip_if_exists} compares them: the same parameters, no
     * more and no fewer, with the same values (numbers by value, so 2 and 2.0 are one); the trial's enqueued values
     * where it had some, else its parameters.
     */
    public static boolean wasGiven(FrozenTrial trial, Map<String, ?> point) {
        return samePoint(givenPoint(trial), point);
    }

    /** Whether two points are one: the same parameters with the same values (see {@link #pointKey}). */
    public static boolean samePoint(Map<String, ?> a, Map<String, ?> b) {
        return pointKey(a).equals(pointKey(b));
    }

    /**
     * A point as a key that is equal for the same point: numbers by value (2 and 2.0 are one, and so are -0.0 and
     * 0.0), other values as they are.
     */
    public static Map<String, Object> pointKey(Map<String, ?> point) {
        Map<String, Object> key = new HashMap<>();
        point.forEach((name, v) -> key.put(name, v instanceof Number n ? (Object) (n.doubleValue() + 0.0) : v));
        return key;
    }

    /** A copy of a point to enqueue, its values checked. */
    private static Map<String, Object> checkedPoint(Map<String, ?> params) {
        Objects.requireNonNull(params, "params: the values to enqueue");
        Map<String, Object> copy = new LinkedHashMap<>();
        params.forEach((parameter, value) -> {
            Objects.requireNonNull(parameter, "an enqueued parameter's name is null");
            if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                throw new InvalidParameterException(parameter, "an enqueued value must be a string, number "
                        + "or boolean, got " + (value == null ? "null" : value.getClass().getName()));
            }
            if (value instanceof Double || value instanceof Float) {
                double v = ((Number) value).doubleValue();
                if (!Double.isFinite(v)) {
                    // No distribution holds one: the trial would fail when it suggests the parameter.
                    throw new InvalidParameterException(parameter, "an enqueued value must be finite, got " + v);
                }
            }
            copy.put(parameter, value);
        });
        return copy;
    }

    /**
     * Enqueues again the parameters of each trial Tuna interrupted (its process killed, its study stopped, its
     * storage out of reach) that no trial runs again yet, as Ray Tune restores an experiment's unfinished trials: a
     * study that goes on runs the configurations it had begun instead of leaving them untried (a kill -9 lost the
     * demo's best configuration this way). The new trials start before any sampled one (after those already waiting),
     * marked {@value #ATTR_RERUN_OF}; one trial's parameters run again at most {@value #MAX_RERUNS} times.
     * {@link #optimize} calls this when it runs to a total of trials ({@link OptimizeOptions#totalTrials()}), as a
     * resumed study does, with the trials that total still lacks as {@code room}.
     *
     * @param room the trials still to run: those already waiting (enqueued points, retries) take their places first,
     *             and the rest, the oldest interrupted first, are the most this enqueues
     * @return how many trials it enqueued
     */
    public int rerunInterrupted(int room) {
        if (room <= 0) {
            return 0;
        }
        // Under the ask lock too: a trial of this study that started between the enqueue and its mark would run
        // unmarked, and be enqueued again by the next call.
        return underAskLock(() -> {
            List<FrozenTrial> all = storage.trials(name);
            int free = room - (int) all.stream().filter(t -> t.state() == TrialState.WAITING).count();
            List<FrozenTrial> again = toRerun(all);
            again = again.subList(0, Math.max(0, Math.min(free, again.size())));
            for (FrozenTrial t : again) {
                FrozenTrial rerun = storage.enqueueTrial(name, paramsOf(t));
                int reruns = t.systemAttrs().get(ATTR_RERUNS) instanceof Number n ? n.intValue() : 0;
                storage.setSystemAttrs(name, rerun.number(), Map.of(ATTR_RERUN_OF, t.number(), ATTR_RERUNS, reruns + 1));
            }
            if (!again.isEmpty()) {
                LOG.info("study '{}': {} interrupted trial(s) run again with their parameters", name, again.size());
            }
            return again.size();
        });
    }

    /** How many of these trials of a study {@link #rerunInterrupted} would run again, given room for all. */
    public static int interruptedToRerun(List<FrozenTrial> trials) {
        return toRerun(trials).size();
    }

    /** The interrupted trials not run again yet (by a rerun or an executor's retry) nor too often, oldest first. */
    private static List<FrozenTrial> toRerun(List<FrozenTrial> all) {
        Set<Integer> runAgain = new HashSet<>();
        for (FrozenTrial t : all) {
            for (String attr : List.of(ATTR_RERUN_OF, ATTR_RETRY_OF)) {
                if (t.systemAttrs().get(attr) instanceof Number n) {
                    runAgain.add(n.intValue());
                }
            }
        }
        return all.stream().filter(t -> t.wasInterrupted() && !runAgain.contains(t.number()) && !paramsOf(t).isEmpty()
                && !(t.systemAttrs().get(ATTR_RERUNS) instanceof Number n && n.intValue() >= MAX_RERUNS)).toList();
    }

    /** The values a trial ran with: those it was given and those it suggested (what a rerun or retry is given). */
    static Map<String, Object> paramsOf(FrozenTrial t) {
        Map<String, Object> params = new LinkedHashMap<>(t.fixedParams());
        params.putAll(t.params());
        return params;
    }

    // ---------------------------------------------------------------- results

    /** Every trial, in the order of their numbers. */
    public List<FrozenTrial> trials() {
        return storage.trials(name);
    }

    /** The trials in the given states. */
    public List<FrozenTrial> trials(TrialState first, TrialState... rest) {
        return storage.trials(name, EnumSet.of(Objects.requireNonNull(first, "state"), rest));
    }

    /** The completed trial with the best value, if any trial has completed. */
    public Optional<FrozenTrial> findBestTrial() {
        FrozenTrial best = null;
        for (FrozenTrial t : storage.trials(name, EnumSet.of(TrialState.COMPLETE))) {
            if (best == null || direction.isBetter(t.value(), best.value())) {
                best = t;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The completed trial with the best value; throws {@link NoSuchElementException} if none has completed. */
    public FrozenTrial bestTrial() {
        return findBestTrial().orElseThrow(() -> new NoSuchElementException("study '" + name + "' has no completed trial yet"));
    }

    /** The best value so far. */
    public double bestValue() {
        return bestTrial().value();
    }

    /**
     * The parameters of the best trial, as storage keeps them: a categorical choice that is a number comes back in
     * {@link dev.tuna.core.CategoricalDistribution}'s normal form (a {@code Long}, {@code Short} or {@code Byte} as
     * an {@link Integer} where it fits, a {@code Float} as a {@link Double}), whatever type the objective's list held.
     */
    public Map<String, Object> bestParams() {
        return bestTrial().params();
    }

    @Override
    public String toString() {
        return "Study[" + name + ", " + direction + "]";
    }

    // ---------------------------------------------------------------- builder

    /** Builds a study, or loads it when the storage already holds one of that name. */
    public static final class Builder {
        private final String name;
        private Direction direction;
        private Sampler sampler;
        private Pruner pruner = new NopPruner();
        private Storage storage;
        private Diagnoser diagnoser = new Diagnoser();

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a study needs a name");
            }
            if (name.equals(".") || name.equals("..")) {
                // URLs drop such path segments, so neither the REST API nor the dashboard could ever reach the study.
                throw new IllegalArgumentException("a study cannot be named '" + name + "': a URL cannot address it");
            }
            this.name = name;
        }

        /** Minimise (the default) or maximise. A loaded study must have been created with the same direction. */
        public Builder direction(Direction direction) {
            this.direction = Objects.requireNonNull(direction, "direction");
            return this;
        }

        /**
         * How parameters are proposed; default an {@link AutoSampler} with a random seed (a Gaussian process for
         * small numeric spaces, TPE otherwise). Give a seeded sampler for reproducible suggestions.
         */
        public Builder sampler(Sampler sampler) {
            this.sampler = Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        /** How trials are stopped early; default {@link NopPruner}. */
        public Builder pruner(Pruner pruner) {
            this.pruner = Objects.requireNonNull(pruner, "pruner");
            return this;
        }

        /**
         * What finds diagnoses (diverged, overfitting, ...) on a trial's curves when it finishes, stored as its
         * system attribute {@value Diagnosis#ATTR}; default a {@link Diagnoser} with its defaults, {@code null} for none.
         */
        public Builder diagnoser(Diagnoser diagnoser) {
            this.diagnoser = diagnoser;
            return this;
        }

        /** Where trials are kept; default a new {@link InMemoryStorage}. */
        public Builder storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /** Creates the study, or loads it if the storage already has a study of this name. */
        public Study create() {
            Storage s = storage != null ? storage : new InMemoryStorage();
            Direction wanted = direction != null ? direction : Direction.MINIMIZE;
            Sampler chosen = sampler != null ? sampler : new AutoSampler(System.nanoTime());
            StudyInfo info = s.findStudy(name).orElseGet(() -> {
                StudyInfo made;
                try {
                    made = s.createStudy(name, wanted);
                } catch (StudyExistsException raced) {
                    return s.findStudy(name).orElseThrow(() -> raced);
                }
                // Says what made it, for readers (the dashboard) and so that it does not look like a submit killed
                // before it stored its spec, which a submit of its name would replace.
                s.setStudyAttr(name, ATTR_MADE_IN_CODE, Map.of("sampler", chosen.getClass().getSimpleName(),
                        "pruner", pruner.getClass().getSimpleName()));
                return made;
            });
            if (direction != null && info.direction() != direction) {
                throw new IllegalArgumentException("study '" + name + "' exists with direction " + info.direction()
                        + ", not " + direction);
            }
            // Bound to this study as it is now: once it is deleted, what its trials still write is refused, also
            // when a new study has taken the name (another process on a shared database may do both).
            Storage bound = s instanceof StudyBoundStorage b && b.bindsTo(name, info.created()) ? s
                    : new StudyBoundStorage(s, name, info.created());
            return new Study(name, info.direction(), chosen, pruner, bound, diagnoser);
        }
    }
}
