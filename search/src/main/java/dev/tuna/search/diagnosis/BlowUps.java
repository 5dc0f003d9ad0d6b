package dev.tuna.search.diagnosis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Where a curve first blew up: the checks that {@link Diagnoser} (which names the finding) and the
 * {@code DivergencePruner} (which stops the trial on it) share, so both see divergence the same way.
 */
public final class BlowUps {
    /** How many earlier gradient norms a median needs before a norm can be called exploding. */
    static final int GRAD_HISTORY = 3;

    private BlowUps() {
    }

    /**
     * A value that blew up.
     *
     * @param step       where
     * @param value      the value there
     * @param comparison what it was compared with, e.g. "over 4x its first value: 8.1 &gt; 4 x 2", or its value
     *                   when it is not finite
     */
    public record BlowUp(int step, double value, String comparison) {
        /** Whether the value itself is NaN or infinite. */
        public boolean notFinite() {
            return !Double.isFinite(value);
        }
    }

    /** The first NaN or infinite value of a curve, or {@code null}. */
    public static BlowUp notFinite(NavigableMap<Integer, Double> curve) {
        for (Map.Entry<Integer, Double> e : curve.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                return new BlowUp(e.getKey(), e.getValue(), Double.toString(e.getValue()));
            }
        }
        return null;
    }

    /**
     * The first value of a loss above {@code factor} times its first (positive) value, or above {@code factor} times
     * its best so far having given back at least half of its progress from the first value to the best on a log
     * scale (above the geometric mean of the two); or {@code null}. The second condition keeps a loss that has
     * converged near zero and wobbles there (an MSE going 1.0, 0.0002, 0.0009) from being called diverged: relative
     * to a tiny best, any wobble is a large factor. On a log scale, a first value that was itself a spike (1e6, 1,
     * 1000) does not hide the blow-up after it.
     */
    public static BlowUp lossAbove(NavigableMap<Integer, Double> curve, double factor) {
        if (curve.isEmpty()) {
            return null;
        }
        double first = curve.firstEntry().getValue();
        double best = Double.POSITIVE_INFINITY;
        for (Map.Entry<Integer, Double> e : curve.entrySet()) {
            double v = e.getValue();
            if (first > 0 && v > factor * first) {
                return new BlowUp(e.getKey(), v, times(factor, "its first value", v, first));
            }
            if (best > 0 && best < Double.POSITIVE_INFINITY && v > factor * best
                    && !(first > best && v < Math.sqrt(first * best))) {
                return new BlowUp(e.getKey(), v, times(factor, "its best so far", v, best));
            }
            if (Double.isFinite(v)) {
                best = Math.min(best, v);
            }
        }
        return null;
    }

    /**
     * The first gradient norm above {@code factor} times the median of its earlier finite values (once there are
     * {@value #GRAD_HISTORY}), or above {@code ceiling}; or {@code null}.
     */
    public static BlowUp gradientAbove(NavigableMap<Integer, Double> curve, double factor, double ceiling) {
        List<Double> earlier = new ArrayList<>();
        for (Map.Entry<Integer, Double> e : curve.entrySet()) {
            double v = e.getValue();
            if (v > ceiling) {
                return new BlowUp(e.getKey(), v, "over its ceiling: " + format(v) + " > " + format(ceiling));
            }
            if (earlier.size() >= GRAD_HISTORY) {
                double median = median(earlier);
                if (median > 0 && v > factor * median) {
                    return new BlowUp(e.getKey(), v, times(factor, "its median so far", v, median));
                }
            }
            if (Double.isFinite(v)) {
                earlier.add(v);
            }
        }
        return null;
    }

    private static String times(double factor, String what, double value, double reference) {
        return "over " + format(factor) + "x " + what + ": " + format(value) + " > " + format(factor) + " x " + format(reference);
    }

    static double median(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    /** A value as a person reads it: four significant digits, no trailing zeros. */
    public static String format(double value) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        String s = String.format(Locale.ROOT, "%.4g", value);
        if (s.contains("e")) {
            return s.replaceAll("\\.?0+e", "e");
        }
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
