package dev.tuna.core.storage;

import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Deep, unmodifiable copies of attribute values (maps and lists of strings, numbers and booleans), so that a
 * snapshot never shares a mutable object with the caller that handed the value in. Every storage copies a value
 * before it changes anything, so a value that no storage could keep is refused the same way by all of them, and
 * leaves nothing half-written.
 */
final class ImmutableValues {

    /** How deep values may nest: far below what JSON writers take (Jackson: 1,000) and what a thread's stack holds. */
    static final int MAX_DEPTH = 100;

    private ImmutableValues() {
    }

    /**
     * An unmodifiable deep copy of {@code value}: arrays and collections become lists, maps keep their order.
     *
     * @throws IllegalArgumentException if the value is not JSON's: a string, number, boolean or null, or a list,
     *                                  array or map (with string keys) of those, nested at most {@value #MAX_DEPTH} deep
     */
    static Object copyOf(Object value) {
        return copyOf(value, 0);
    }

    /**
     * {@code text}, if it is text: a lone half of a UTF-16 surrogate pair is none, and no storage keeps it alike (MapDB
     * wrote it back as '?', while memory kept it).
     */
    private static String checkedText(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(++i))
                    : !Character.isLowSurrogate(c);
            if (!paired) {
                throw new IllegalArgumentException(String.format("a string with a lone UTF-16 surrogate (\\u%04X near"
                        + " index %d) is not text that can be stored", (int) c, i));
            }
        }
        return text;
    }

    private static Object copyOf(Object value, int depth) {
        if (depth > MAX_DEPTH) {
            // Deeper, a copy overflowed the stack (an Error that ended the run) or the record could not be written.
            throw new IllegalArgumentException("values nest at most " + MAX_DEPTH + " deep");
        }
        if (value instanceof Number number) {
            return jsonNumber(number);
        }
        if (value instanceof String text) {
            return checkedText(text);
        }
        if (value == null || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                if (!(key instanceof String text)) {
                    throw new IllegalArgumentException("map keys must be strings, got " + describe(key));
                }
                checkedText(text);
            }
            return copyOfMap(map, depth + 1);
        }
        List<Object> copy = new ArrayList<>();
        if (value instanceof Collection<?> collection) {
            for (Object v : collection) {
                copy.add(copyOf(v, depth + 1));
            }
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                copy.add(copyOf(Array.get(value, i), depth + 1));
            }
        } else {
            throw new IllegalArgumentException("expected a string, number, boolean, null, or a list, array or map of "
                    + "them, got " + describe(value));
        }
        return Collections.unmodifiableList(copy);
    }

    /** An unmodifiable deep copy of a map, in its order; null values are allowed. An error names the key. */
    static <K> Map<K, Object> copyOfMap(Map<K, ?> map) {
        return copyOfMap(map, 0);
    }

    private static <K> Map<K, Object> copyOfMap(Map<K, ?> map, int depth) {
        Map<K, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (k == null) {
                throw new IllegalArgumentException("a map key is null (JSON has no null keys)");
            }
            copy.put(k, copyOf("key '" + k + "'", v, depth));
        });
        return Collections.unmodifiableMap(copy);
    }

    /** {@link #copyOf}, with the attribute named in the error: {@code what} is e.g. "user attribute 'note'". */
    static Object copyOf(String what, Object value) {
        return copyOf(what, value, 0);
    }

    private static Object copyOf(String what, Object value, int depth) {
        try {
            return copyOf(value, depth);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * The copy of an attribute's value: {@code kind} is e.g. "user attribute".
     *
     * @throws IllegalArgumentException if the key is null (JSON has no null keys) or the value not JSON's
     */
    static Object attribute(String kind, String key, Object value) {
        if (key == null) {
            throw new IllegalArgumentException(kind + ": needs a name, got null");
        }
        return copyOf(kind + " '" + key + "'", value);
    }

    /**
     * A number as JSON gives it back (a durable storage keeps values as JSON): a whole number an {@code Integer}
     * where it fits, else a {@code Long}, else a {@code BigInteger}; any other a {@code Double}, a {@code Float} the
     * decimal it was written as (0.1f is 0.1). So an attribute has one type in a snapshot, after reopening and on
     * every storage (a {@code Long} 5 came back an {@code Integer} after reopening, a {@code BigDecimal} a
     * {@code Double}).
     */
    private static Number jsonNumber(Number n) {
        if (n instanceof Integer || n instanceof Double) {
            return n;
        }
        if (n instanceof Long || n instanceof Short || n instanceof Byte || n instanceof AtomicInteger
                || n instanceof AtomicLong || n instanceof BigInteger) {
            BigInteger whole = n instanceof BigInteger big ? big : BigInteger.valueOf(n.longValue());
            return whole.bitLength() < 32 ? (Number) whole.intValue()
                    : whole.bitLength() < 64 ? (Number) whole.longValue() : whole;
        }
        if (n instanceof Float f) {
            return Float.isFinite(f) ? Double.parseDouble(Float.toString(f)) : f.doubleValue();
        }
        return n.doubleValue();
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getName() + " " + value;
    }
}
