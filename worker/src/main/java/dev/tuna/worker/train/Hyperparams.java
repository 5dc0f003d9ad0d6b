package dev.tuna.worker.train;

import dev.tuna.core.Distribution;
import dev.tuna.search.Trial;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One trial's hyperparameters: first every entry of the search space is suggested on the trial, then each
 * lookup takes the trial's value, else the fixed value, else the default. Reading marks a key as known;
 * {@link #checkAllKnown()} rejects keys of the space or fixed values that the trainable never read (typos).
 */
public final class Hyperparams {
    private final String owner;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Set<String> read = new HashSet<>();
    /** Each key read, with the value in use in the form its getter gave it (a default where none was given). */
    private final Map<String, Object> used = new LinkedHashMap<>();

    /**
     * @param owner what reads them, for messages ({@code "trainable mlp"})
     * @param trial the live trial; may be {@code null} (only fixed values then)
     */
    public Hyperparams(String owner, Trial trial, Map<String, Object> fixed, Map<String, Distribution> space) {
        this.owner = owner;
        values.putAll(fixed);
        if (trial != null) {
            space.forEach(trial::suggest);
            values.putAll(trial.params());
        }
    }

    /** Hyperparameters with these values, as a trial's suggestions and fixed values would give them. */
    public static Hyperparams of(String owner, Map<String, Object> values) {
        return new Hyperparams(owner, null, values, Map.of());
    }

    /** The value of {@code key} as it is, or {@code fallback}. */
    public Object raw(String key, Object fallback) {
        read.add(key);
        Object v = values.getOrDefault(key, fallback);
        used.put(key, v);
        return v;
    }

    /** Notes the value a getter made of {@code key}'s, and gives it back. */
    private <T> T use(String key, T value) {
        used.put(key, value);
        return value;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public double getDouble(String key, double fallback) {
        Object v = raw(key, fallback);
        if (v instanceof Number n) {
            return use(key, n.doubleValue());
        }
        if (v instanceof String s) {
            try {
                return use(key, Double.parseDouble(s));
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        throw bad(key, v, "a number");
    }

    public int getInt(String key, int fallback) {
        Object v = raw(key, fallback);
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s && s.matches("-?\\d+")) {
            d = Long.parseLong(s);
        } else {
            throw bad(key, v, "an integer");
        }
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw bad(key, v, "an integer");
        }
        return use(key, (int) d);
    }

    public long getLong(String key, long fallback) {
        Object v = raw(key, fallback);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return use(key, n.longValue());
        }
        if (v instanceof String s && s.matches("-?\\d+")) {
            return use(key, Long.parseLong(s));
        }
        throw bad(key, v, "an integer");
    }

    public boolean getBoolean(String key, boolean fallback) {
        Object v = raw(key, fallback);
        if (v instanceof Boolean b) {
            return use(key, b);
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return use(key, Boolean.parseBoolean(s));
        }
        throw bad(key, v, "true or false");
    }

    /** A lower-case string that must be one of {@code choices}. */
    public String getChoice(String key, String fallback, List<String> choices) {
        Object v = raw(key, fallback);
        String s = String.valueOf(v).toLowerCase(Locale.ROOT);
        if (!choices.contains(s)) {
            throw bad(key, v, "one of " + choices);
        }
        return use(key, s);
    }

    public String getString(String key, String fallback) {
        Object v = raw(key, fallback);
        return use(key, v == null ? null : String.valueOf(v));
    }

    /** An integer in {@code [min, max]}. */
    public int getInt(String key, int fallback, int min, int max) {
        int v = getInt(key, fallback);
        if (v < min || v > max) {
            throw bad(key, v, "an integer in [" + min + ", " + max + "]");
        }
        return v;
    }

    /** A number in {@code [min, max]}. */
    public double getDouble(String key, double fallback, double min, double max) {
        double v = getDouble(key, fallback);
        if (!(v >= min && v <= max)) {
            throw bad(key, v, "a number in [" + min + ", " + max + "]");
        }
        return v;
    }

    /** Throws when a fixed or suggested key was never read by the trainable. */
    public void checkAllKnown() {
        TreeSet<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            // Named by the first, so that a spec's error points at it (space.foo rather than the whole trainable).
            throw new InvalidSettingException(unknown.first(), owner + ": unknown parameter" + (unknown.size() > 1 ? "s " : " ")
                    + unknown + " (known: " + new TreeSet<>(read) + ")");
        }
    }

    /**
     * Every setting read so far with the value in use, in the form the trainable read it: defaults included, a
     * number given as a string as a number, a choice in lower case. Two sets of values a trainable reads alike give
     * equal maps.
     */
    public Map<String, Object> used() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(used));
    }

    /** Every value in use, for logging. */
    public Map<String, Object> asMap() {
        return Map.copyOf(values);
    }

    private IllegalArgumentException bad(String key, Object value, String expected) {
        return new InvalidSettingException(key, owner + ": parameter '" + key + "' must be " + expected + ", got " + value);
    }
}
