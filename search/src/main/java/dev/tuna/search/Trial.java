package dev.tuna.search;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.InvalidParameterException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live handle of a running trial, given to the objective: it suggests hyperparameters (define-by-run),
 * reports intermediate values and metrics, and asks whether to stop early. Everything goes to the study's
 * storage at once; {@link #snapshot()} reads it back as a {@link FrozenTrial}.
 *
 * <p>Suggesting the same name again with the same distribution returns the same value; with a different
 * distribution it throws {@link InvalidParameterException}. A range with {@code low == high} (or a single choice)
 * holds the parameter at that value, as in Optuna: the sampler is not asked and leaves it out of its model. A
 * step that does not divide {@code high - low} is refused with an error naming the parameter, where Optuna
 * lowers {@code high} to the last step and warns.
 */
public final class Trial {
    private static final Logger LOG = LoggerFactory.getLogger(Trial.class);

    private record Suggestion(Distribution distribution, double internal, Object value) {
    }

    private final Study study;
    private final int number;
    private final Map<String, Object> fixedParams;
    private final Map<String, Object> relative;
    private final Map<String, Suggestion> suggested = new LinkedHashMap<>();
    private final Set<Integer> reportedSteps = new HashSet<>();
    private volatile String pruneReason;
    private volatile boolean finished;

    Trial(Study study, FrozenTrial started, Map<String, Object> relative) {
        this.study = study;
        this.number = started.number();
        this.fixedParams = started.fixedParams();
        this.relative = relative;
    }

    /** The trial's number in its study, from 0. */
    public int number() {
        return number;
    }

    /** The study this trial belongs to. */
    public Study study() {
        return study;
    }

    /** A value from {@code [low, high]}, uniform on a linear scale. */
    public double suggestFloat(String name, double low, double high) {
        return suggestFloat(name, low, high, false);
    }

    /** A value from {@code [low, high]}, on a log scale when {@code log} is true. */
    public double suggestFloat(String name, double low, double high, boolean log) {
        return (Double) suggest(name, Distribution.validated(name, () -> new FloatDistribution(low, high, log, null)), null);
    }

    /** A value from the grid {@code low, low + step, ..., high}. */
    public double suggestFloat(String name, double low, double high, double step) {
        return (Double) suggest(name, Distribution.validated(name, () -> new FloatDistribution(low, high, false, step)), null);
    }

    /** An integer from {@code [low, high]}. */
    public int suggestInt(String name, int low, int high) {
        return suggestInt(name, low, high, false);
    }

    /** An integer from {@code [low, high]}, on a log scale when {@code log} is true. */
    public int suggestInt(String name, int low, int high, boolean log) {
        return (Integer) suggest(name, Distribution.validated(name, () -> new IntDistribution(low, high, log, 1)), null);
    }

    /** An integer from {@code low, low + step, ..., high}. */
    public int suggestInt(String name, int low, int high, int step) {
        return (Integer) suggest(name, Distribution.validated(name, () -> new IntDistribution(low, high, false, step)), null);
    }

    /**
     * One of the choices (strings, numbers or booleans); the very object from the list is returned, from this call's
     * list when the trial suggested the parameter before.
     */
    @SuppressWarnings("unchecked")
    public <T> T suggestCategorical(String name, List<T> choices) {
        CategoricalDistribution d = Distribution.validated(name, () -> CategoricalDistribution.of(choices));
        return (T) suggest(name, d, choices);
    }

    /** Suggests a value for a distribution built elsewhere (a search space read from a spec, say). */
    public Object suggest(String name, Distribution distribution) {
        return suggest(name, distribution, null);
    }

    private synchronized Object suggest(String name, Distribution d, List<?> userChoices) {
        checkRunning();
        if (name == null || name.isBlank()) {
            // A blank name reaches no grid, spec or dashboard column; the grid sampler refused it, suggest took it.
            throw new IllegalArgumentException("a parameter needs a name, got " + (name == null ? "null" : "'" + name + "'"));
        }
        Suggestion previous = suggested.get(name);
        if (previous != null) {
            if (!previous.distribution().equals(d)) {
                throw new InvalidParameterException(name, "suggested again as " + d + " but was " + previous.distribution());
            }
            // The choice from this call's list: an equal one of the first list may be of another type (1L for 1).
            return userChoices != null ? userChoices.get((int) previous.internal()) : previous.value();
        }
        double internal;
        if (fixedParams.containsKey(name)) {
            internal = internalOf(name, d, fixedParams.get(name), "the enqueued value");
        } else if (d.single()) {
            internal = d.toInternal(d.fromUnit(0)); // nothing to choose: the sampler is not asked
        } else if (relative.containsKey(name) && fits(d, relative.get(name))) {
            internal = d.toInternal(relative.get(name));
        } else {
            Object value = study.sampler().sampleIndependent(study, snapshot(), name, d);
            internal = internalOf(name, d, value, "the sampler's value");
        }
        study.storage().setParam(study.name(), number, name, d, internal);
        Object value = userChoices != null ? userChoices.get((int) internal) : d.toExternal(internal);
        suggested.put(name, new Suggestion(d, internal, value));
        return value;
    }

    private static double internalOf(String name, Distribution d, Object value, String what) {
        try {
            return d.toInternal(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException(name, what + " does not fit: " + e.getMessage());
        }
    }

    private static boolean fits(Distribution d, Object value) {
        try {
            d.toInternal(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Reports the objective's intermediate value at a step (an epoch). A step reported twice keeps its first
     * value, as in Optuna.
     *
     * @throws IllegalArgumentException if the step is negative (Optuna refuses it too)
     */
    public void report(int step, double value) {
        checkRunning();
        checkStep(step);
        synchronized (this) {
            if (!reportedSteps.add(step)) {
                LOG.warn("trial {}: step {} was already reported; the value {} is ignored", number, step, value);
                return;
            }
        }
        study.storage().report(study.name(), number, step, value, Map.of());
    }

    /**
     * Reports other named metrics at a step ({@code train_loss}, {@code val_loss}, {@code grad_norm}, ...). A metric
     * reported again at the same step replaces its value there. NaN and infinities are kept (they are how a
     * diverging run shows itself); a missing value is refused.
     *
     * @throws IllegalArgumentException if the step is negative, the map is null, or a metric's name or value is null
     */
    public void report(int step, Map<String, Double> metrics) {
        checkRunning();
        checkStep(step);
        if (metrics == null) {
            throw new IllegalArgumentException("trial " + number + ": the metrics reported at step " + step + " are null");
        }
        metrics.forEach((name, value) -> {
            if (name == null) {
                throw new IllegalArgumentException("trial " + number + ": a metric reported at step " + step
                        + " has no name");
            }
            if (value == null) {
                throw new IllegalArgumentException("trial " + number + ": metric '" + name + "' at step " + step
                        + " is null; report a number (NaN for a value that is not one)");
            }
        });
        study.storage().report(study.name(), number, step, null, metrics);
    }

    /**
     * Asks the study's pruner whether this trial should stop now. When it says yes, throw
     * {@link TrialPrunedException}: the trial then ends PRUNED with the pruner's reason.
     */
    public boolean shouldPrune() {
        checkRunning();
        PruneDecision decision = study.pruner().prune(study, snapshot());
        if (decision.prune()) {
            pruneReason = decision.reason();
        }
        return decision.prune();
    }

    /** Sets an attribute of the trial, a JSON-like value (string, number, boolean, list or map of those). */
    public void setUserAttr(String key, Object value) {
        checkRunning();
        if (key == null || key.isEmpty()) { // as the study's own user attributes
            throw new IllegalArgumentException("a trial user attribute needs a name, got " + (key == null ? "null" : "''"));
        }
        study.storage().setUserAttr(study.name(), number, key, value);
    }

    /** The parameters suggested so far, in their external form. */
    public synchronized Map<String, Object> params() {
        Map<String, Object> params = new LinkedHashMap<>();
        suggested.forEach((name, s) -> params.put(name, s.value()));
        return Collections.unmodifiableMap(params);
    }

    /** The trial as storage holds it now. */
    public FrozenTrial snapshot() {
        return study.storage().trial(study.name(), number);
    }

    /** The reason the pruner gave when {@link #shouldPrune()} last said yes, or {@code null}. */
    String pruneReason() {
        return pruneReason;
    }

    void markFinished() {
        finished = true;
    }

    private static void checkStep(int step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must not be negative, got " + step);
        }
    }

    private void checkRunning() {
        if (finished) {
            throw new IllegalStateException("trial " + number + " has finished and cannot be changed");
        }
    }
}
