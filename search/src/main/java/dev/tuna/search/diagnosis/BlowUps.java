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

    /** A training loss under this fraction of its first value is fitting its data (it fell by a tenth at least). */
    static final double FITTING = 0.9;

    /**
     * {@link #lossAbove} of a validation loss (or a minimised objective), unless the training loss at that step is
     * under {@value #FITTING} of its first value and below the validation loss: a model that goes on fitting its
     * training data while its validation loss rises is overfitting, not diverging (and its objective, an accuracy
     * say, may still be the study's best).
     */
    public static BlowUp validationLossAbove(NavigableMap<Integer, Double> validation,
                                             NavigableMap<Integer, Double> training, double factor) {
        BlowUp blowUp = lossAbove(validation, factor);
        if (blowUp == null || blowUp.notFinite() || training.isEmpty()) {
            return blowUp;
        }
        Map.Entry<Integer, Double> then = training.floorEntry(blowUp.step());
        boolean fitting = then != null && then.getValue() < FITTING * training.firstEntry().getValue()
                && then.getValue() < blowUp.value();
        return fitting ? null : blowUp;
    }

    /**
     * The first value of a loss above {@code factor} times its first (positive) value; or above {@code factor} times its
     * best so far having given back at least half of its progress from the first value to the best on a log scale
     * (above the geometric mean of the two), with the next value no lower: a loss that blew up stays up, one that comes
     * straight back down had a spike, as a warm restart of the learning rate makes (SGDR: a training loss at 0.043 at
     * the end of a cycle, 0.35 at the restart, then 0.3, 0.2, was called diverged); a value above the first needs no
     * next one (all progress lost: 2.3, 0.05, 3.0, 2.9, 2.8 diverged at 3.0); or {@code null}. A spike on the last
     * value is not reported until a next one says whether it stays. The geometric mean keeps a loss that has converged
     * near zero and wobbles there (an MSE going 1.0, 0.0002, 0.0009) from being called diverged: relative to a tiny
     * best, any wobble is a large factor. On a log scale, a first value that was itself a
     * spike (1e6, 1, 1000) does not hide the blow-up after it.
     */
    public static BlowUp lossAbove(NavigableMap<Integer, Double> curve, double factor) {
        if (curve.isEmpty()) {
            return null;
        }
        double first = curve.firstEntry().getValue();
        double best = Double.POSITIVE_INFINITY;
        BlowUp pending = null; // above its best: blown up if the next value is no lower
        for (Map.Entry<Integer, Double> e : curve.entrySet()) {
            double v = e.getValue();
            if (pending != null && v >= pending.value()) {
                return pending;
            }
            if (first > 0 && v > factor * first) {
                return new BlowUp(e.getKey(), v, times(factor, "its first value", v, first));
            }
            pending = null;
            if (best > 0 && best < Double.POSITIVE_INFINITY && v > factor * best
                    && !(first > best && v < Math.sqrt(first * best))) {
                BlowUp blowUp = new BlowUp(e.getKey(), v, times(factor, "its best so far", v, best));
                if (v > first) {
                    return blowUp; // all its progress lost: no restart of the learning rate goes back that far
                }
                pending = blowUp;
            }
            if (Double.isFinite(v)) {
                best = Math.min(best, v);
            }
        }
        return null;
    }

    /** A maximised objective under this fraction of its best so far ... */
    public static final double COLLAPSE_FRACTION = 0.5;
    /** ... for this many steps in a row has collapsed. */
    public static final int COLLAPSE_STEPS = 3;

    /**
     * Where a maximised objective (an accuracy, a score) collapsed: the first of {@value #COLLAPSE_STEPS} values in a
     * row under {@value #COLLAPSE_FRACTION} of its best so far (a positive best); or {@code null}. A learning rate
     * too high to make the loss NaN or blow it up 4x can still wreck a network: its accuracy went 0.615, 0.338,
     * 0.298, 0.175, 0.108, to chance, while the loss rose only to 2.2x its best. The best is that of the means of
     * {@value #COLLAPSE_STEPS} values in a row, not of single values: one lucky early value (an accuracy going 0.10,
     * 0.35, 0.12, 0.13, 0.15, then up) was taken for a level the curve had reached and fallen from.
     */
    public static BlowUp objectiveCollapsed(NavigableMap<Integer, Double> curve) {
        double best = Double.NEGATIVE_INFINITY;
        Map.Entry<Integer, Double> start = null;
        int run = 0;
        List<Double> last = new ArrayList<>(); // the last COLLAPSE_STEPS values, for their mean
        for (Map.Entry<Integer, Double> e : curve.entrySet()) {
            double v = e.getValue();
            if (best > 0 && v < COLLAPSE_FRACTION * best) { // best cannot rise during a run of such values
                if (run++ == 0) {
                    start = e;
                }
                if (run == COLLAPSE_STEPS) {
                    return new BlowUp(start.getKey(), start.getValue(), "under " + format(COLLAPSE_FRACTION)
                            + "x its best so far for " + COLLAPSE_STEPS + " steps: " + format(start.getValue()) + " < "
                            + format(COLLAPSE_FRACTION) + " x " + format(best) + " (a mean of " + COLLAPSE_STEPS
                            + " steps)");
                }
            } else {
                run = 0;
            }
            if (Double.isFinite(v)) {
                last.add(v);
                if (last.size() > COLLAPSE_STEPS) {
                    last.remove(0);
                }
                if (last.size() == COLLAPSE_STEPS) {
                    best = Math.max(best, last.stream().mapToDouble(Double::doubleValue).sum() / COLLAPSE_STEPS);
                }
            }
        }
        return null;
    }

    /**
     * Whether a NaN or infinite value of the metric {@code name} is a sign of divergence: of any metric but a ratio that
     * is 0 / 0, or undefined, in a healthy run (a precision before the model predicts any positive, a recall, an F1, an
     * AUC on a batch of one class: a name holding "precision", "recall", "f1" or "auc").
     */
    public static boolean divergesWhenNotFinite(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !(lower.contains("precision") || lower.contains("recall") || lower.contains("f1") || lower.contains("auc"));
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
        return format(value, 4);
    }

    /** As {@link #format(double)}, with {@code digits} significant digits. */
    public static String format(double value, int digits) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        String s = String.format(Locale.ROOT, "%." + digits + "g", value);
        if (s.contains("e")) {
            return s.replaceAll("\\.?0+e", "e");
        }
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
