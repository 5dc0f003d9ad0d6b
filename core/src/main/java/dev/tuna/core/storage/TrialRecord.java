package dev.tuna.core.storage;

import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
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
        TrialRecord r = new TrialRecord(study, t.number(), t.state());
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
