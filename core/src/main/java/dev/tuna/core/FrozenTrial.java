package dev.tuna.core;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable snapshot of a trial, as storage returns it. Unlike the live {@code Trial} handle it never changes:
 * read it again from storage to see later reports.
 *
 * @param number             the trial's number in its study, from 0
 * @param state              where the trial is in its life cycle
 * @param params             the suggested values in their external form, in the order they were suggested
 * @param distributions      the distribution of each parameter
 * @param value              the objective's final value; {@code null} until it completes (for a pruned trial,
 *                           its last intermediate value)
 * @param intermediateValues the objective's value at each reported step
 * @param metrics            other named curves: metric name to step to value
 * @param userAttrs          attributes the objective set
 * @param systemAttrs        attributes Tuna set (enqueued parameters, stack trace of a failure, ...)
 * @param start              when it started running; {@code null} while waiting
 * @param end                when it finished; {@code null} until then
 * @param reason             why it was pruned or failed, in words a person reads; {@code null} otherwise
 */
public record FrozenTrial(
        int number,
        TrialState state,
        Map<String, Object> params,
        Map<String, Distribution> distributions,
        Double value,
        NavigableMap<Integer, Double> intermediateValues,
        Map<String, NavigableMap<Integer, Double>> metrics,
        Map<String, Object> userAttrs,
        Map<String, Object> systemAttrs,
        Instant start,
        Instant end,
        String reason) {

    /** The reason given to trials that were running when their process died. */
    public static final String REASON_INTERRUPTED = "interrupted";
    /** System attribute: the parameters given to {@code enqueue}, used in place of sampling. */
    public static final String ATTR_FIXED_PARAMS = "fixed_params";
    /** System attribute: the stack trace of the exception that failed the trial. */
    public static final String ATTR_STACK_TRACE = "stack_trace";

    public FrozenTrial {
        Objects.requireNonNull(state, "state");
        params = frozen(params);
        distributions = frozen(distributions);
        intermediateValues = Collections.unmodifiableNavigableMap(new TreeMap<>(intermediateValues == null ? Map.of() : intermediateValues));
        Map<String, NavigableMap<Integer, Double>> curves = new LinkedHashMap<>();
        if (metrics != null) {
            metrics.forEach((name, curve) -> curves.put(name, Collections.unmodifiableNavigableMap(new TreeMap<>(curve))));
        }
        metrics = Collections.unmodifiableMap(curves);
        userAttrs = frozen(userAttrs);
        systemAttrs = frozen(systemAttrs);
    }

    private static <V> Map<String, V> frozen(Map<String, V> map) {
        return map == null || map.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** Whether the trial has reached COMPLETE, PRUNED or FAIL. */
    @JsonIgnore
    public boolean isFinished() {
        return state.isFinished();
    }

    /** The last step reported with an intermediate value, or -1 if none was. */
    public int lastStep() {
        return intermediateValues.isEmpty() ? -1 : intermediateValues.lastKey();
    }

    /** The intermediate value at the last reported step, or {@code null}. */
    public Double lastIntermediateValue() {
        return intermediateValues.isEmpty() ? null : intermediateValues.lastEntry().getValue();
    }

    /** The curve of one named metric (empty if it was never reported). */
    public NavigableMap<Integer, Double> metric(String name) {
        return metrics.getOrDefault(name, Collections.emptyNavigableMap());
    }

    /** How long it ran (until now while it is running), or {@link Duration#ZERO} if it never started. */
    public Duration duration() {
        if (start == null) {
            return Duration.ZERO;
        }
        return Duration.between(start, end == null ? Instant.now() : end);
    }

    /** The parameters given to {@code enqueue} for this trial, or an empty map. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> fixedParams() {
        Object fixed = systemAttrs.get(ATTR_FIXED_PARAMS);
        return fixed instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /**
     * True when this trial failed because its process died or shut down while it ran (reason
     * {@value #REASON_INTERRUPTED}, or that followed by ": " and details): it did not fail on its own merits, so
     * it does not count towards a study's total and its parameters may run again.
     */
    public boolean wasInterrupted() {
        return state == TrialState.FAIL && readsAsInterrupted(reason);
    }

    /** Whether a failure reason is {@value #REASON_INTERRUPTED}, or that followed by ": " and details. */
    public static boolean readsAsInterrupted(String reason) {
        return reason != null && (reason.equals(REASON_INTERRUPTED) || reason.startsWith(REASON_INTERRUPTED + ": "));
    }
}
