package dev.tuna.core.storage;

import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.InvalidParameterException;
import dev.tuna.core.TrialState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** The mutable state of one trial inside a storage; hands out a cached immutable snapshot until it changes. */
final class TrialRecord {
    final String study;
    final int number;
    TrialState state;
    final Map<String, Double> params = new LinkedHashMap<>();
    final Map<String, Distribution> distributions = new LinkedHashMap<>();
    Double value;
    final TreeMap<Integer, Double> intermediateValues = new TreeMap<>();
    final Map<String, NavigableMap<Integer, Double>> metrics = new LinkedHashMap<>();
    final Map<String, Object> userAttrs = new LinkedHashMap<>();
    final Map<String, Object> systemAttrs = new LinkedHashMap<>();
    Instant start;
    Instant end;
    String reason;
    private FrozenTrial snapshot;

    TrialRecord(String study, int number, TrialState state) {
        this.study = study;
        this.number = number;
        this.state = state;
    }

    static TrialRecord of(String study, FrozenTrial t) {
        return of(study, t.number(), t);
    }

    /**
     * A finished trial that ran elsewhere, checked ({@link Storage#addTrial}), as trial {@code number} of the study.
     */
    static TrialRecord added(String study, int number, FrozenTrial t) {
        if (!t.isFinished()) {
            throw new IllegalArgumentException("a trial to add must be finished (COMPLETE, PRUNED or FAIL), got "
                    + t.state());
        }
        checkFinish(t.state(), t.value());
        if (t.state() == TrialState.COMPLETE && t.value().isNaN()) {
            throw new IllegalArgumentException("a COMPLETE trial's value cannot be NaN (a trial whose objective gave"
                    + " NaN failed)");
        }
        if (t.state() == TrialState.FAIL && t.value() != null) {
            throw new IllegalArgumentException("a FAIL trial has no value, got " + t.value());
        }
        if (t.start() != null && t.end() != null && t.end().isBefore(t.start())) {
            throw new IllegalArgumentException("a trial to add cannot end (" + t.end() + ") before it starts ("
                    + t.start() + ")");
        }
        if (!t.params().keySet().equals(t.distributions().keySet())) {
            throw new IllegalArgumentException("a trial to add needs a distribution for each parameter and no other: "
                    + "parameters " + t.params().keySet() + ", distributions " + t.distributions().keySet());
        }
        t.distributions().forEach((name, d) -> {
            try {
                d.toInternal(t.params().get(name));
            } catch (IllegalArgumentException e) {
                throw new InvalidParameterException(name, e.getMessage());
            }
        });
        TrialRecord r = of(study, number, t);
        // A time not given is the other one, else the present: never an end before the start.
        Instant now = Instant.now();
        r.start = t.start() != null ? t.start() : t.end() != null ? t.end() : now;
        r.end = t.end() != null ? t.end() : t.start() != null && t.start().isAfter(now) ? t.start() : now;
        return r;
    }

    private static TrialRecord of(String study, int number, FrozenTrial t) {
        TrialRecord r = new TrialRecord(study, number, t.state());
        t.distributions().forEach((name, d) -> {
            r.distributions.put(name, d);
            r.params.put(name, d.toInternal(t.params().get(name)));
        });
        r.value = t.value();
        r.intermediateValues.putAll(t.intermediateValues());
        t.metrics().forEach((name, curve) -> r.metrics.put(name, new TreeMap<>(curve)));
        t.userAttrs().forEach((k, v) -> r.userAttrs.put(k, ImmutableValues.copyOf(v)));
        t.systemAttrs().forEach((k, v) -> r.systemAttrs.put(k, ImmutableValues.copyOf(v)));
        r.start = t.start();
        r.end = t.end();
        r.reason = t.reason();
        return r;
    }

    /** Call before any change: finished trials are read-only. */
    void checkMutable(boolean waitingAllowed) {
        if (state.isFinished() || (state == TrialState.WAITING && !waitingAllowed)) {
            throw new IllegalStateException("trial " + number + " of study '" + study + "' is " + state + " and cannot be changed");
        }
        snapshot = null;
    }

    // The rules of each change, shared by every storage: what may change, and how.

    /** Starts this trial now: a WAITING one becomes RUNNING (one created RUNNING stays so). */
    void start() {
        checkMutable(true);
        state = TrialState.RUNNING;
        start = Instant.now();
    }

    void setParam(String name, Distribution distribution, double internalValue) {
        checkMutable(false);
        if (params.containsKey(name)) {
            throw new IllegalStateException("parameter '" + name + "' of trial " + number + " is already set");
        }
        if (!distribution.containsInternal(internalValue)) {
            // The internal value itself: an invalid one may have no external form (a categorical index past the end).
            throw new InvalidParameterException(name, "internal value " + internalValue + " is outside " + distribution);
        }
        distributions.put(name, distribution);
        params.put(name, internalValue);
    }

    void report(int step, Double value, Map<String, Double> stepMetrics) {
        checkMutable(false);
        if (value != null) {
            intermediateValues.put(step, value);
        }
        stepMetrics.forEach((name, v) -> metrics.computeIfAbsent(name, k -> new TreeMap<>()).put(step, v));
    }

    void setUserAttr(String key, Object value) {
        checkMutable(false);
        userAttrs.put(key, ImmutableValues.attribute("user attribute", key, value));
    }

    void setSystemAttr(String key, Object value) {
        checkMutable(true);
        systemAttrs.put(key, ImmutableValues.attribute("system attribute", key, value));
    }

    /** Checks the arguments of a finish before the trial is looked up. */
    static void checkFinish(TrialState state, Double value) {
        if (!state.isFinished()) {
            throw new IllegalArgumentException("a trial finishes as COMPLETE, PRUNED or FAIL, not " + state);
        }
        if (state == TrialState.COMPLETE && value == null) {
            throw new IllegalArgumentException("a COMPLETE trial needs a value");
        }
        if (state == TrialState.PRUNED && value != null && value.isNaN()) {
            // What a study stores for a pruned trial whose last value was NaN: no value (the trial diverged).
            throw new IllegalArgumentException("a PRUNED trial's value cannot be NaN: leave it out (null)");
        }
    }

    void finish(TrialState finalState, Double finalValue, String why) {
        checkFinish(finalState, finalValue);
        checkMutable(false);
        state = finalState;
        value = finalValue;
        reason = why;
        end = Instant.now();
    }

    /** Undoes {@link #finish}: back to RUNNING, with no value. */
    void unfinish() {
        state = TrialState.RUNNING;
        value = null;
        reason = null;
        end = null;
        snapshot = null;
    }

    FrozenTrial snapshot() {
        FrozenTrial s = snapshot;
        if (s == null) {
            Map<String, Object> external = new LinkedHashMap<>();
            params.forEach((name, internal) -> external.put(name, distributions.get(name).toExternal(internal)));
            s = new FrozenTrial(number, state, external, distributions, value, intermediateValues, metrics,
                    userAttrs, systemAttrs, start, end, reason);
            snapshot = s;
        }
        return s;
    }
}
