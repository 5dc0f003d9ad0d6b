package dev.tuna.search;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How long and how wide {@link Study#optimize(Objective, OptimizeOptions)} runs. With neither a trial count nor a
 * timeout it runs until {@link Study#stop()} is called (or the sampler is used up).
 */
public final class OptimizeOptions {
    private final Integer trials;
    private final Integer totalTrials;
    private final Duration timeout;
    private final Duration trialTimeout;
    private final int parallelism;
    private final boolean stopOnError;
    private final List<TrialCallback> callbacks;
    private final TrialExecutor executor;

    private OptimizeOptions(Builder b) {
        this.trials = b.trials;
        this.totalTrials = b.totalTrials;
        this.timeout = b.timeout;
        this.trialTimeout = b.trialTimeout;
        this.parallelism = b.parallelism;
        this.stopOnError = b.stopOnError;
        this.callbacks = List.copyOf(b.callbacks);
        this.executor = b.executor;
    }

    /** Options that run {@code trials} new trials, one at a time. */
    public static OptimizeOptions trials(int trials) {
        return builder().optTrials(trials).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** New trials to run in this call, or {@code null} for no limit. */
    public Integer trials() {
        return trials;
    }

    /** Run until the study holds this many finished trials (interrupted ones do not count), or {@code null}. */
    public Integer totalTrials() {
        return totalTrials;
    }

    /** No trial starts after this much time has passed, or {@code null}. Running trials finish. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * A trial still running after this much time is aborted: it ends FAIL with the reason
     * {@link TrialLoop#timeoutReason "timeout after Ns"}, and the run goes on. {@code null}: no limit.
     */
    public Duration trialTimeout() {
        return trialTimeout;
    }

    /** How many trials run at once, each in its own thread. */
    public int parallelism() {
        return parallelism;
    }

    /** Whether an objective's exception stops the run (it is rethrown) instead of failing only its trial. */
    public boolean stopOnError() {
        return stopOnError;
    }

    /** Told of each finished trial. */
    public List<TrialCallback> callbacks() {
        return callbacks;
    }

    /** What runs the trials: {@link TrialExecutor#threads()} unless another was given. */
    public TrialExecutor executor() {
        return executor;
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.trials = trials;
        b.totalTrials = totalTrials;
        b.timeout = timeout;
        b.trialTimeout = trialTimeout;
        b.parallelism = parallelism;
        b.stopOnError = stopOnError;
        b.callbacks.addAll(callbacks);
        b.executor = executor;
        return b;
    }

    /** Builds {@link OptimizeOptions}; every value is optional. */
    public static final class Builder {
        private Integer trials;
        private Integer totalTrials;
        private Duration timeout;
        private Duration trialTimeout;
        private int parallelism = 1;
        private boolean stopOnError;
        private final List<TrialCallback> callbacks = new ArrayList<>();
        private TrialExecutor executor = TrialExecutor.threads();

        private Builder() {
        }

        /** Runs this many new trials in this call. */
        public Builder optTrials(int trials) {
            if (trials < 0) {
                throw new IllegalArgumentException("trials must not be negative, got " + trials);
            }
            this.trials = trials;
            return this;
        }

        /**
         * Runs until the study holds this many finished trials, not counting those interrupted by a crash: a
         * study resumed after a crash goes on to the number it was asked for.
         */
        public Builder optTotalTrials(int totalTrials) {
            if (totalTrials < 0) {
                throw new IllegalArgumentException("totalTrials must not be negative, got " + totalTrials);
            }
            this.totalTrials = totalTrials;
            return this;
        }

        /** Starts no trial once this much time has passed. */
        public Builder optTimeout(Duration timeout) {
            if (timeout == null) {
                throw new IllegalArgumentException("timeout must not be null (leave it out for no time limit)");
            }
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Aborts a trial still running after this much time (its objective's thread is interrupted): it ends FAIL,
         * "timeout after Ns", and the run goes on (Ray Tune's per-trial time limit; Optuna has none).
         */
        public Builder optTrialTimeout(Duration trialTimeout) {
            if (trialTimeout == null || trialTimeout.isNegative() || trialTimeout.isZero()) {
                throw new IllegalArgumentException("trialTimeout must be positive, got " + trialTimeout
                        + " (leave it out for no limit)");
            }
            this.trialTimeout = trialTimeout;
            return this;
        }

        /**
         * Runs this many trials at once (default 1) with the default executor; another executor may decide for
         * itself (the worker's device dispatcher runs as many as the devices have free slots).
         */
        public Builder optParallelism(int parallelism) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
            }
            this.parallelism = parallelism;
            return this;
        }

        /** Rethrows the first exception an objective raises (default: fail that trial and go on). */
        public Builder optStopOnError(boolean stopOnError) {
            this.stopOnError = stopOnError;
            return this;
        }

        /** Adds a callback told of each finished trial. */
        public Builder optCallback(TrialCallback callback) {
            if (callback == null) {
                throw new IllegalArgumentException("callback must not be null");
            }
            callbacks.add(callback);
            return this;
        }

        /**
         * Runs the trials with this executor (default {@link TrialExecutor#threads()}), e.g. the worker's Quartz
         * dispatcher on the machine's devices.
         */
        public Builder optExecutor(TrialExecutor executor) {
            if (executor == null) {
                throw new IllegalArgumentException("executor must not be null");
            }
            this.executor = executor;
            return this;
        }

        public OptimizeOptions build() {
            return new OptimizeOptions(this);
        }
    }
}
