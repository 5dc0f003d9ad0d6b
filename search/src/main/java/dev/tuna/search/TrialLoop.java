package dev.tuna.search;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.Storage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link TrialExecutor} is given to run one {@link Study#optimize} call: the next trial to run (within the
 * call's trial budget and timeout, until stopped), the one code path that runs a trial, and the means to stop,
 * abort and retry. Thread-safe.
 */
public final class TrialLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrialLoop.class);
    private final Study study;
    private final Objective objective;
    private final OptimizeOptions options;
    private final long deadline;
    private int budget; // guarded by this
    private int started; // guarded by this
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private final List<Runnable> stopListeners = new CopyOnWriteArrayList<>();
    private final Map<Integer, TrialAbort> aborts = new ConcurrentHashMap<>();
    private volatile Predicate<Throwable> recoverable = e -> false;

    TrialLoop(Study study, Objective objective, OptimizeOptions options, int budget) {
        this.study = study;
        this.objective = objective;
        this.options = options;
        this.budget = budget;
        this.deadline = deadline(options.timeout());
    }

    /** The study being optimised. */
    public Study study() {
        return study;
    }

    /** The objective given to {@code optimize}. */
    public Objective objective() {
        return objective;
    }

    /** The options given to {@code optimize}. */
    public OptimizeOptions options() {
        return options;
    }

    /** How many trials the caller asked to run at once. */
    public int parallelism() {
        return options.parallelism();
    }

    /** When a timeout ends the run; none for no timeout, or one too long to count in nanoseconds (292 years). */
    private static long deadline(Duration timeout) {
        if (timeout == null) {
            return Long.MAX_VALUE;
        }
        try {
            return Math.addExact(System.nanoTime(), timeout.toNanos());
        } catch (ArithmeticException forever) {
            return Long.MAX_VALUE; // it overflowed: ChronoUnit.FOREVER threw, and a timeout near it wrapped to no trial
        }
    }

    /** Whether trials may still start: not stopped and before the timeout. The budget is checked by {@link #nextTrial()}. */
    public boolean isActive() {
        return !stopped.get() && System.nanoTime() < deadline;
    }

    /**
     * Starts the next trial, or returns empty when the loop is stopped, timed out, out of budget, or the sampler
     * is used up. A sampler's failure stops the loop (optimize rethrows it) and returns empty.
     */
    public Optional<Trial> nextTrial() {
        if (Thread.currentThread().isInterrupted()) {
            stop(); // the thread was asked to stop, as by Ctrl-C in Optuna: no trial starts after it
            return Optional.empty();
        }
        try {
            Optional<Trial> trial = study.nextTrial(this);
            trial.ifPresent(t -> aborts.put(t.number(), new TrialAbort()));
            return trial;
        } catch (RuntimeException | Error e) {
            failWith(e);
            return Optional.empty();
        }
    }

    /** Called by the study under its ask lock: takes one trial from the budget if any is left. */
    synchronized boolean takeFromBudget() {
        if (started >= budget) {
            return false;
        }
        started++;
        return true;
    }

    /**
     * Runs a started trial: evaluates the objective, tells the study the outcome (complete, pruned or failed),
     * then tells the options' callbacks. An executor may pass an objective of its own that calls
     * {@link #objective()} with resources it bound (a device, for one). Never throws: an error that ends the run
     * (an {@link Error}, an objective's exception under {@code stopOnError}, a callback's or storage's failure)
     * stops the loop and is rethrown by optimize. A trial still running after the options' trial timeout is aborted.
     */
    public TrialOutcome run(Trial trial, Objective objective) {
        return run(trial, objective, null);
    }

    /**
     * As {@link #run(Trial, Objective)}, the trial aborted after the shorter of the options' trial timeout and
     * {@code executorLimit}, an executor's own limit on every trial it runs (a scheduler's, a cluster node's; null:
     * none).
     */
    public TrialOutcome run(Trial trial, Objective objective, Duration executorLimit) {
        TrialAbort abort = aborts.computeIfAbsent(trial.number(), n -> new TrialAbort());
        Duration limit = options.trialTimeout() == null || executorLimit != null
                && executorLimit.compareTo(options.trialTimeout()) < 0 ? executorLimit : options.trialTimeout();
        ScheduledFuture<?> timer = null;
        TrialOutcome outcome;
        try {
            timer = Timeouts.abortAfter(limit, abort);
            outcome = study.run(objective, trial, abort);
        } catch (RuntimeException | Error e) {
            Optional<FrozenTrial> ended = endedElsewhere(trial, e);
            if (ended.isEmpty()) {
                failWith(e);
                return new TrialOutcome(null, e);
            }
            // The objective told the study itself, or another process took this one for dead (a long pause) and
            // ended its trial: the result here is refused, and the run goes on with its next trial rather than
            // stopping; callbacks hear of the trial as it ended.
            FrozenTrial other = ended.get();
            LOG.warn("trial {} of study '{}' was ended as {}{} while its objective ran (by the objective's own tell, or"
                    + " by another process that took this one for dead); the objective's result is dropped",
                    trial.number(), study.name(), other.state(), other.reason() != null ? " (" + other.reason() + ")"
                            : other.value() != null ? " with the value " + other.value() : "");
            outcome = new TrialOutcome(ended.get(), null);
        } finally {
            aborts.remove(trial.number());
            if (timer != null) {
                timer.cancel(false);
            }
        }
        Throwable stopWith = null;
        Throwable error = outcome.error();
        if (Study.stopsTheStudy(error) || (error != null && options.stopOnError() && !recoverable.test(error))) {
            stopWith = error;
        }
        try {
            for (TrialCallback callback : options.callbacks()) {
                callback.onTrialFinished(study, outcome.trial());
            }
        } catch (RuntimeException | Error e) {
            stopWith = stopWith != null ? stopWith : e;
        }
        if (stopWith != null) {
            failWith(stopWith);
        } else if (error instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
            stop();
        }
        return outcome;
    }

    /** The reason of a trial aborted by its timeout: "timeout after Ns" (fractional seconds if need be). */
    public static String timeoutReason(Duration timeout) {
        String seconds = timeout.toMillis() % 1000 == 0 ? String.valueOf(timeout.toSeconds())
                : String.valueOf(timeout.toMillis() / 1000.0);
        return "timeout after " + seconds + "s";
    }

    /** The one thread that aborts trials past their time limit, made when first needed. */
    private static final class Timeouts {
        /** Beyond this a limit is none: its nanoseconds would not fit a long. */
        private static final Duration LONGEST = Duration.ofDays(100 * 365);
        private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tuna-trial-timeouts");
            t.setDaemon(true);
            return t;
        });

        static {
            TIMER.setRemoveOnCancelPolicy(true); // a trial that ends in time leaves nothing queued behind it
        }

        /** Aborts the trial once {@code limit} has passed; {@code null} (no timer) for no limit. */
        static ScheduledFuture<?> abortAfter(Duration limit, TrialAbort abort) {
            if (limit == null || limit.compareTo(LONGEST) > 0) {
                return null;
            }
            return TIMER.schedule(() -> abort.abort(timeoutReason(limit)), limit.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The trial as stored, if {@code e} is the refusal to change it because it had already ended. */
    private Optional<FrozenTrial> endedElsewhere(Trial trial, Throwable e) {
        if (!(e instanceof IllegalStateException)) {
            return Optional.empty();
        }
        try {
            FrozenTrial stored = study.storage().trial(study.name(), trial.number());
            return stored.isFinished() ? Optional.of(stored) : Optional.empty();
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * Aborts a started trial: it ends FAIL with this reason (the thread running its objective is interrupted; an
     * objective that ignores interrupts keeps its thread until it returns). Returns false if the trial is not
     * running in this loop or has already ended or been aborted.
     */
    public boolean abort(Trial trial, String reason) {
        Objects.requireNonNull(reason, "reason");
        TrialAbort abort = aborts.get(trial.number());
        return abort != null && abort.abort(reason);
    }

    /**
     * Errors an executor retries itself (infrastructure failures): under {@code stopOnError} they do not stop
     * the run.
     */
    public void recoverableErrors(Predicate<Throwable> recoverable) {
        this.recoverable = Objects.requireNonNull(recoverable, "recoverable");
    }

    /**
     * Enqueues a new trial with the parameters of a failed one (the ones it was given and the ones it
     * suggested), sets the given system attributes on it, and adds one trial to this loop's budget so that the
     * retry runs in this call.
     *
     * @return the waiting trial
     */
    public FrozenTrial retry(FrozenTrial failed, Map<String, Object> systemAttrs) {
        Storage storage = study.storage();
        FrozenTrial queued = storage.enqueueTrial(study.name(), Study.paramsOf(failed));
        systemAttrs.forEach((key, value) -> storage.setSystemAttr(study.name(), queued.number(), key, value));
        synchronized (this) {
            if (budget != Integer.MAX_VALUE) {
                budget++;
            }
        }
        return queued;
    }

    /**
     * Starts no more trials and tells the stop listeners (an executor may abort its running trials there).
     * {@link Study#stop()} calls this.
     */
    public void stop() {
        if (stopped.compareAndSet(false, true)) {
            stopListeners.forEach(Runnable::run);
        }
    }

    /** Called once when the loop is stopped by {@link #stop()}; at once if it already is. */
    public void onStop(Runnable listener) {
        stopListeners.add(listener);
        if (stopped.get() && stopListeners.remove(listener)) {
            listener.run();
        }
    }

    /** Whether {@link #stop()} was called or an error ended the run. */
    public boolean isStopped() {
        return stopped.get();
    }

    /** Ends the run with this error: no more trials start; optimize rethrows the first such error. */
    private void failWith(Throwable error) {
        firstError.compareAndSet(null, error);
        stopped.set(true); // without the listeners: trials in flight finish, as optimize documents
    }

    Throwable firstError() {
        return firstError.get();
    }
}
