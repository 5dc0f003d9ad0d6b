package dev.tuna.core.storage;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep, unmodifiable copies of attribute values (maps and lists of strings, numbers and booleans), so that a
 * snapshot never shares a mutable object with the caller that handed the value in. Every storage copies a value
 * before it changes anything, so a value that no storage could keep is refused the same way by all of them, and
 * leaves nothing half-written.
 */
final class ImmutableValues {

    private ImmutableValues() {
    }

    /**
     * An unmodifiable deep copy of {@code value}: arrays and collections become lists, maps keep their order.
     *
     * @throws IllegalArgumentException if the value is not JSON's: a string, number, boolean or null, or a list,
     *                                  array or map (with string keys) of those
     */
    static Object copyOf(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                if (!(key instanceof String)) {
                    throw new IllegalArgumentException("map keys must be strings, got " + describe(key));
                }
            }
            return copyOfMap(map);
        }
        List<Object> copy = new ArrayList<>();
        if (value instanceof Collection<?> collection) {
            collection.forEach(v -> copy.add(copyOf(v)));
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                copy.add(copyOf(Array.get(value, i)));
            }
        } else {
            throw new IllegalArgumentException("expected a string, number, boolean, null, or a list, array or map of "
                    + "them, got " + describe(value));
        }
        return Collections.unmodifiableList(copy);
    }

    /** An unmodifiable deep copy of a map, in its order; null values are allowed. An error names the key. */
    static <K> Map<K, Object> copyOfMap(Map<K, ?> map) {
        Map<K, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (k == null) {
                throw new IllegalArgumentException("a map key is null (JSON has no null keys)");
            }
            copy.put(k, copyOf("key '" + k + "'", v));
        });
        return Collections.unmodifiableMap(copy);
    }

    /** {@link #copyOf}, with the attribute named in the error: {@code what} is e.g. "user attribute 'note'". */
    static Object copyOf(String what, Object value) {
        try {
            return copyOf(value);
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

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getName() + " " + value;
    }
}
