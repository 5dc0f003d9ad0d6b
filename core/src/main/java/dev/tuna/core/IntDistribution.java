package dev.tuna.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An integer range {@code [low, high]}, optionally on a log scale or with a step.
 *
 * @param low  the lowest value
 * @param high the highest value, at least {@code low} (equal to it for a parameter held at one value)
 * @param log  sample in log space; needs {@code low >= 1} and step 1
 * @param step the spacing of allowed values (default 1); must divide {@code high - low}
 */
public record IntDistribution(int low, int high, boolean log, int step) implements Distribution {

    public IntDistribution {
        if (low > high) {
            throw new IllegalArgumentException("low (" + low + ") must not be greater than high (" + high + ")");
        }
        if (log && low <= 0) {
            throw new IllegalArgumentException("a log scale needs low > 0, got low=" + low);
        }
        if (step <= 0) {
            throw new IllegalArgumentException("step must be positive, got " + step);
        }
        if (log && step != 1) {
            throw new IllegalArgumentException("step cannot be combined with a log scale");
        }
        if (((long) high - low) % step != 0) {
            throw new IllegalArgumentException("step (" + step + ") does not divide the range [" + low + ", " + high + "]");
        }
    }

    /** Every integer in {@code [low, high]}. */
    public IntDistribution(int low, int high) {
        this(low, high, false, 1);
    }

    @JsonCreator
    static IntDistribution fromJson(@JsonProperty("low") int low, @JsonProperty("high") int high,
                                    @JsonProperty("log") boolean log, @JsonProperty("step") Integer step) {
        return new IntDistribution(low, high, log, step == null ? 1 : step);
    }

    @Override
    public boolean single() {
        return low == high;
    }

    @Override
    public double toInternal(Object value) {
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException("expected an integer, got " + FloatDistribution.describe(value));
        }
        double v = n.doubleValue();
        if (!containsInternal(v)) {
            throw new IllegalArgumentException(n + " is outside " + this);
        }
        return v;
    }

    @Override
    public Object toExternal(double internal) {
        return (int) Math.round(internal);
    }

    @Override
    public boolean containsInternal(double v) {
        return v >= low && v <= high && v == Math.rint(v) && ((long) v - low) % step == 0;
    }

    @Override
    public Object fromUnit(double u) {
        if (log) {
            // Log-uniform over [low - 0.5, high + 0.5], then rounded, so every integer has its share.
            double lo = Math.log(low - 0.5);
            double hi = Math.log(high + 0.5);
            long v = Math.round(Math.exp(lo + u * (hi - lo)));
            return (int) Math.max(low, Math.min(high, v));
        }
        long points = ((long) high - low) / step + 1;
        long k = Math.min(points - 1, (long) Math.floor(u * points));
        return (int) (low + k * step);
    }

    @Override
    public String toString() {
        return "int[" + low + ", " + high + "]" + (log ? " log" : "") + (step != 1 ? " step " + step : "");
    }
}
