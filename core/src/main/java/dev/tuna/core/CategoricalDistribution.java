package dev.tuna.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A choice among strings, numbers or booleans. Choices are kept in a normal form so that a distribution read
 * back from storage equals the one that was written: integral numbers become {@link Integer} (or {@link Long}
 * when they do not fit), other numbers {@link Double}.
 *
 * @param choices the distinct choices, at least one
 */
public record CategoricalDistribution(List<Object> choices) implements Distribution {

    public CategoricalDistribution {
        if (choices == null || choices.isEmpty()) {
            throw new IllegalArgumentException("choices must not be empty");
        }
        List<Object> normal = new ArrayList<>(choices.size());
        Set<Object> seen = new HashSet<>();
        for (Object choice : choices) {
            Object n = normalize(choice);
            if (!seen.add(sameness(n))) {
                throw new IllegalArgumentException("duplicate choice " + choice);
            }
            normal.add(n);
        }
        choices = List.copyOf(normal);
    }

    /** Builds the distribution of any list of strings, numbers or booleans. */
    public static CategoricalDistribution of(List<?> choices) {
        return new CategoricalDistribution(choices == null ? null : new ArrayList<>(choices));
    }

    private static Object normalize(Object choice) {
        if (choice instanceof String || choice instanceof Boolean) {
            return choice;
        }
        if (choice instanceof Integer || choice instanceof Short || choice instanceof Byte) {
            return ((Number) choice).intValue();
        }
        if (choice instanceof Long l) {
            return l == l.intValue() ? (Object) l.intValue() : l;
        }
        if (choice instanceof Double || choice instanceof Float) {
            // A float as the decimal it was written as: 0.001f is 0.001, not the 0.0010000000474974513 of its bits
            // (which no enqueued 0.001 or grid value 0.001 would match).
            double d = choice instanceof Float f ? Double.parseDouble(f.toString()) : (Double) choice;
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("choices must be finite numbers, got " + d);
            }
            return d;
        }
        throw new IllegalArgumentException("choices must be strings, numbers or booleans, got " + FloatDistribution.describe(choice));
    }

    /** The index of a choice, or -1. */
    public int indexOf(Object value) {
        if (value == null) {
            return -1;
        }
        Object n;
        try {
            n = normalize(value);
        } catch (IllegalArgumentException e) {
            return -1;
        }
        Object wanted = sameness(n);
        for (int i = 0; i < choices.size(); i++) {
            if (sameness(choices.get(i)).equals(wanted)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * What tells two normalised choices apart: a number's exact value (2 and 2.0 are one choice, 2^53 and 2^53 + 1
     * two, which their doubles are not), anything else itself.
     */
    private static Object sameness(Object normalised) {
        if (normalised instanceof Double d) {
            return java.math.BigDecimal.valueOf(d).stripTrailingZeros();
        }
        if (normalised instanceof Number n) {
            return java.math.BigDecimal.valueOf(n.longValue()).stripTrailingZeros(); // 100 as 1E+2, as 100.0 is
        }
        return normalised;
    }

    @Override
    public boolean single() {
        return choices.size() == 1;
    }

    @Override
    public double toInternal(Object value) {
        int i = indexOf(value);
        if (i < 0) {
            throw new IllegalArgumentException(FloatDistribution.describe(value) + " is not one of " + choices);
        }
        return i;
    }

    @Override
    public Object toExternal(double internal) {
        return choices.get((int) internal);
    }

    @Override
    public boolean containsInternal(double v) {
        return v >= 0 && v < choices.size() && v == Math.rint(v);
    }

    @Override
    public Object fromUnit(double u) {
        return choices.get(Math.min(choices.size() - 1, (int) Math.floor(u * choices.size())));
    }

    @Override
    public String toString() {
        return "categorical" + choices;
    }
}
