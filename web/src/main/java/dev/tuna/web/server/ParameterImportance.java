package dev.tuna.web.server;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How much of the spread of a study's values each parameter explains on its own: its first-order (main-effect)
 * variance share, estimated from the completed trials. A parameter's trials are grouped (by choice for a
 * categorical, into equal-count bins of its value, on a log scale where its distribution has one, otherwise), and
 * its share is the variance of the groups' means, weighted by their sizes, over the variance of all values, less
 * what that grouping explains of pure noise on average ({@code (groups - 1) / (n - 1)}). The shares are then
 * scaled to sum to 1, as Optuna reports importances.
 */
public final class ParameterImportance {
    /** The fewest completed trials worth an estimate. */
    public static final int MIN_TRIALS = 4;
    private static final int MAX_BINS = 10;
    private static final int PER_BIN = 5;

    private ParameterImportance() {
    }

    /**
     * The importance of each parameter, most important first; empty when fewer than {@value #MIN_TRIALS} trials
     * completed with a finite value or the values do not vary.
     */
    public static Map<String, Double> of(List<FrozenTrial> trials) {
        List<FrozenTrial> done = trials.stream()
                .filter(t -> t.state() == TrialState.COMPLETE && t.value() != null && Double.isFinite(t.value())).toList();
        if (done.size() < MIN_TRIALS) {
            return Map.of();
        }
        Map<String, Distribution> params = new LinkedHashMap<>();
        done.forEach(t -> t.distributions().forEach(params::putIfAbsent));
        Map<String, Double> raw = new LinkedHashMap<>();
        for (Map.Entry<String, Distribution> p : params.entrySet()) {
            List<FrozenTrial> with = done.stream().filter(t -> t.params().containsKey(p.getKey())).toList();
            if (with.size() >= MIN_TRIALS) {
                raw.put(p.getKey(), mainEffect(p.getKey(), p.getValue(), with));
            }
        }
        double sum = raw.values().stream().mapToDouble(Double::doubleValue).sum();
        if (!(sum > 0)) {
            return Map.of();
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        raw.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> shares.put(e.getKey(), e.getValue() / sum));
        return shares;
    }

    private static double mainEffect(String name, Distribution d, List<FrozenTrial> trials) {
        int n = trials.size();
        double mean = trials.stream().mapToDouble(FrozenTrial::value).average().orElse(0);
        double total = trials.stream().mapToDouble(t -> (t.value() - mean) * (t.value() - mean)).sum();
        if (!(total > 0)) {
            return 0;
        }
        List<List<Double>> groups = groups(name, d, trials);
        double between = 0;
        for (List<Double> g : groups) {
            double m = g.stream().mapToDouble(Double::doubleValue).average().orElse(mean);
            between += g.size() * (m - mean) * (m - mean);
        }
        double noise = (groups.size() - 1.0) / (n - 1.0);
        return Math.max(0, between / total - noise);
    }

    private static List<List<Double>> groups(String name, Distribution d, List<FrozenTrial> trials) {
        if (d instanceof CategoricalDistribution) {
            Map<Object, List<Double>> byChoice = new LinkedHashMap<>();
            trials.forEach(t -> byChoice.computeIfAbsent(t.params().get(name), k -> new ArrayList<>()).add(t.value()));
            return new ArrayList<>(byChoice.values());
        }
        boolean log = d instanceof FloatDistribution f && f.log() || d instanceof IntDistribution i && i.log();
        Map<FrozenTrial, Double> x = new HashMap<>();
        trials.forEach(t -> {
            double v = ((Number) t.params().get(name)).doubleValue();
            x.put(t, log ? Math.log(v) : v);
        });
        List<FrozenTrial> sorted = new ArrayList<>(trials);
        sorted.sort(Comparator.comparingDouble(x::get));
        int bins = Math.max(2, Math.min(MAX_BINS, sorted.size() / PER_BIN));
        List<List<Double>> groups = new ArrayList<>();
        List<Double> current = new ArrayList<>();
        double lastX = Double.NaN;
        for (int i = 0; i < sorted.size(); i++) {
            FrozenTrial t = sorted.get(i);
            double xi = x.get(t);
            // A new bin at each quantile boundary, but never between equal values (an int's repeated values).
            boolean boundary = !current.isEmpty() && groups.size() < bins - 1
                    && i >= (long) (groups.size() + 1) * sorted.size() / bins && xi != lastX;
            if (boundary) {
                groups.add(current);
                current = new ArrayList<>();
            }
            current.add(t.value());
            lastX = xi;
        }
        groups.add(current);
        return groups;
    }
}
