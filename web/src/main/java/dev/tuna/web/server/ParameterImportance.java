package dev.tuna.web.server;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How much of the spread of a study's values each parameter explains on its own, by fANOVA (Hutter, Hoos and
 * Leyton-Brown 2014) on a random forest, as Optuna's default importance evaluator does: a forest of
 * {@value #TREES} regression trees is fitted to the completed trials' values; for each tree, a parameter's share
 * is the variance of the tree's marginal function of that parameter (the tree averaged over all the others, across
 * the whole search space) over the tree's total variance; the shares are averaged over the trees and scaled to sum
 * to 1.
 * <p>
 * Parameters are measured as their distributions are: a log-scaled one by its logarithm, a categorical one by its
 * choices (each as wide as the others). Only the parameters every completed trial has are compared (a
 * conditional parameter, absent from some trials, is left out), and the most recent {@value #MAX_TRIALS} completed
 * trials are used.
 */
public final class ParameterImportance {
    /** The fewest completed trials worth an estimate. */
    public static final int MIN_TRIALS = 4;
    /** The name of the method, as the API reports it. */
    public static final String METHOD = "fANOVA on a random forest of the completed trials' values";
    static final int TREES = 64;
    static final int MAX_TRIALS = 2000;
    private static final long SEED = 0x7e57ab1eL;

    private ParameterImportance() {
    }

    /**
     * The importance of each parameter, most important first; empty when fewer than {@value #MIN_TRIALS} trials
     * completed with a finite value or the values do not vary.
     */
    public static Map<String, Double> of(List<FrozenTrial> trials) {
        List<FrozenTrial> done = trials.stream()
                .filter(t -> t.state() == TrialState.COMPLETE && t.value() != null && Double.isFinite(t.value())).toList();
        if (done.size() > MAX_TRIALS) {
            done = done.subList(done.size() - MAX_TRIALS, done.size());
        }
        if (done.size() < MIN_TRIALS) {
            return Map.of();
        }
        List<FrozenTrial> used = done;
        Map<String, Distribution> params = new LinkedHashMap<>();
        used.get(0).distributions().forEach((name, d) -> {
            if (used.stream().allMatch(t -> t.params().containsKey(name)) && width(d) > 0) {
                params.put(name, d);
            }
        });
        if (params.isEmpty()) {
            return Map.of();
        }
        List<String> names = List.copyOf(params.keySet());
        int dims = names.size();
        double[] low = new double[dims];
        double[] high = new double[dims];
        for (int j = 0; j < dims; j++) {
            double[] bounds = bounds(params.get(names.get(j)));
            low[j] = bounds[0];
            high[j] = bounds[1];
        }
        double[][] x = new double[used.size()][dims];
        double[] y = new double[used.size()];
        for (int i = 0; i < used.size(); i++) {
            FrozenTrial t = used.get(i);
            for (int j = 0; j < dims; j++) {
                x[i][j] = Math.min(high[j], Math.max(low[j], encode(params.get(names.get(j)), t.params().get(names.get(j)))));
            }
            y[i] = t.value();
        }
        // Shares do not change with the values' scale, but variances of values near 1e308 overflow to infinity, and
        // then nothing explained anything: the values are divided by their largest magnitude first.
        double scale = Arrays.stream(y).map(Math::abs).max().orElse(1);
        if (scale > 0) {
            for (int i = 0; i < y.length; i++) {
                y[i] /= scale;
            }
        }
        double[] shares = fanova(RegressionForest.fit(x, y, low, high, TREES, 1, SEED), low, high);
        double sum = Arrays.stream(shares).sum();
        if (!(sum > 0)) {
            return Map.of();
        }
        Map<String, Double> raw = new LinkedHashMap<>();
        for (int j = 0; j < dims; j++) {
            raw.put(names.get(j), shares[j] / sum);
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        raw.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Each dimension's first-order variance share, averaged over the trees whose values vary. */
    static double[] fanova(RegressionForest forest, double[] low, double[] high) {
        int dims = low.length;
        double[] shares = new double[dims];
        int counted = 0;
        for (List<RegressionForest.Leaf> leaves : forest.trees()) {
            int n = leaves.size();
            double[][] width = new double[n][dims];
            double[] volume = new double[n];
            double mean = 0;
            for (int l = 0; l < n; l++) {
                RegressionForest.Leaf leaf = leaves.get(l);
                volume[l] = 1;
                for (int j = 0; j < dims; j++) {
                    width[l][j] = (leaf.high()[j] - leaf.low()[j]) / (high[j] - low[j]);
                    volume[l] *= width[l][j];
                }
                mean += volume[l] * leaf.value();
            }
            double total = 0;
            for (int l = 0; l < n; l++) {
                double d = leaves.get(l).value() - mean;
                total += volume[l] * d * d;
            }
            if (!(total > 0)) {
                continue;
            }
            counted++;
            for (int j = 0; j < dims; j++) {
                shares[j] += Math.min(1, marginalVariance(leaves, width, volume, j, mean, low[j], high[j]) / total);
            }
        }
        if (counted > 0) {
            for (int j = 0; j < dims; j++) {
                shares[j] /= counted;
            }
        }
        return shares;
    }

    /**
     * The variance over dimension {@code j} of the tree averaged over the other dimensions: a step function whose
     * steps are the leaves' bounds on {@code j}; each leaf adds its value, weighted by its volume in the other
     * dimensions, over its extent in {@code j} (a difference array over the steps).
     */
    private static double marginalVariance(List<RegressionForest.Leaf> leaves, double[][] width, double[] volume,
                                           int j, double mean, double low, double high) {
        double[] cuts = leaves.stream().flatMapToDouble(l -> Arrays.stream(new double[] {l.low()[j], l.high()[j]}))
                .distinct().sorted().toArray();
        double[] delta = new double[cuts.length];
        for (int l = 0; l < leaves.size(); l++) {
            RegressionForest.Leaf leaf = leaves.get(l);
            double others = width[l][j] > 0 ? volume[l] / width[l][j] : 0;
            double add = leaf.value() * others;
            delta[Arrays.binarySearch(cuts, leaf.low()[j])] += add;
            delta[Arrays.binarySearch(cuts, leaf.high()[j])] -= add;
        }
        double variance = 0;
        double level = 0;
        for (int k = 0; k < cuts.length - 1; k++) {
            level += delta[k];
            double d = level - mean;
            variance += (cuts[k + 1] - cuts[k]) / (high - low) * d * d;
        }
        return variance;
    }

    private static double width(Distribution d) {
        double[] b = bounds(d);
        return b[1] - b[0];
    }

    /** The interval a distribution's values are measured on. */
    private static double[] bounds(Distribution d) {
        if (d instanceof CategoricalDistribution c) {
            // Each choice as wide as the others; a single choice has no width.
            return c.choices().size() < 2 ? new double[] {0, 0} : new double[] {-0.5, c.choices().size() - 0.5};
        }
        if (d instanceof FloatDistribution f) {
            return f.log() ? new double[] {Math.log(f.low()), Math.log(f.high())} : new double[] {f.low(), f.high()};
        }
        IntDistribution i = (IntDistribution) d;
        return i.log() ? new double[] {Math.log(i.low()), Math.log(i.high())} : new double[] {i.low(), i.high()};
    }

    private static double encode(Distribution d, Object value) {
        if (d instanceof CategoricalDistribution c) {
            return c.indexOf(value);
        }
        double v = ((Number) value).doubleValue();
        boolean log = d instanceof FloatDistribution f && f.log() || d instanceof IntDistribution i && i.log();
        return log ? Math.log(v) : v;
    }
}
