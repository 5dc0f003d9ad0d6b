package dev.tuna.web.server;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The learning curves the study page draws: one curve (the objective's intermediate values, or a named metric) of a
 * few trials, picked here so that the page need not read every trial's curves (a study of 2,000 trials that reported
 * 7 curves at each of up to 100 epochs sent the page 18 MB, 5.4 MB compressed, and took it seconds to read).
 */
final class LearningCurves {
    /** The curve of the objective's intermediate values; any other name is a metric's. */
    static final String VALUE = "value";
    /** Trials shown for {@link Of#LATEST} and {@link Of#BEST}. */
    static final int SHOWN = 60;
    /** Running trials shown at most for {@link Of#RUNNING}. */
    static final int SHOWN_RUNNING = 200;

    /** Which trials: the latest that reported, the best, or the running ones. */
    enum Of {
        LATEST, BEST, RUNNING;

        /** The query's word for it, as the API writes it. */
        String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The choice a query's word names, {@link #LATEST} when it gives none; empty for an unknown word. */
        static Optional<Of> parse(String word) {
            return word == null || word.isEmpty() ? Optional.of(LATEST)
                    : Arrays.stream(values()).filter(o -> o.word().equals(word)).findFirst();
        }
    }

    private LearningCurves() {
    }

    /**
     * The chosen trials' curves, from {@code trials} in number order (as storage gives them), as {@code {"metric",
     * "of", "metrics", "reported", "running", "trials"}}: the names of every metric the study's trials reported, how
     * many trials have this curve, how many run, and the chosen trials in number order (each a trial row with its
     * {@code "curve"}, step to value). Unless none was chosen, the study's best trial comes first when it has this
     * curve and the choice left it out, so that the page can always draw it.
     *
     * <ul>
     *   <li>{@link Of#LATEST}: the last {@link #SHOWN} trials (by number) that have the curve;</li>
     *   <li>{@link Of#BEST}: the {@link #SHOWN} best that did not fail, by their value, or the last intermediate value
     *       they reported while they run or after they were pruned (ties by number);</li>
     *   <li>{@link Of#RUNNING}: the last {@link #SHOWN_RUNNING} running trials that have the curve.</li>
     * </ul>
     */
    static Map<String, Object> view(List<FrozenTrial> trials, Direction direction, String metric, Of of) {
        List<FrozenTrial> reported = trials.stream().filter(t -> !curve(t, metric).isEmpty()).toList();
        List<FrozenTrial> shown = new ArrayList<>(switch (of) {
            case LATEST -> last(reported, SHOWN);
            case RUNNING -> last(reported.stream().filter(t -> t.state() == TrialState.RUNNING).toList(), SHOWN_RUNNING);
            case BEST -> reported.stream().filter(t -> t.state() != TrialState.FAIL)
                    .sorted(Comparator.comparingDouble(t -> score(t, direction))).limit(SHOWN)
                    .sorted(Comparator.comparingInt(FrozenTrial::number)).toList();
        });
        Optional<FrozenTrial> best = Views.best(trials, direction);
        best.filter(b -> !shown.isEmpty() && reported.contains(b) && !shown.contains(b)).ifPresent(b -> shown.add(0, b));
        TreeSet<String> metrics = new TreeSet<>();
        trials.forEach(t -> metrics.addAll(t.metrics().keySet()));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("metric", metric);
        view.put("of", of.word());
        view.put("metrics", metrics);
        view.put("reported", reported.size());
        view.put("running", trials.stream().filter(t -> t.state() == TrialState.RUNNING).count());
        view.put("trials", shown.stream().map(t -> {
            Map<String, Object> row = Views.trialRow(t);
            row.put("curve", curve(t, metric));
            return row;
        }).toList());
        return view;
    }

    private static NavigableMap<Integer, Double> curve(FrozenTrial t, String metric) {
        return metric.equals(VALUE) ? t.intermediateValues() : t.metric(metric);
    }

    private static List<FrozenTrial> last(List<FrozenTrial> trials, int n) {
        return trials.subList(Math.max(0, trials.size() - n), trials.size());
    }

    /** Lower is better: the value, or the last intermediate value, for minimisation; last when it has neither. */
    private static double score(FrozenTrial t, Direction direction) {
        Double v = t.value() != null ? t.value() : t.lastIntermediateValue();
        return v == null || !Double.isFinite(v) ? Double.POSITIVE_INFINITY : direction.toMinimization(v);
    }
}
