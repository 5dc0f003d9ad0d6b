package dev.tuna.core.storage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep, unmodifiable copies of attribute values (maps and lists of strings, numbers and booleans), so that a
 * snapshot never shares a mutable object with the caller that handed the value in.
 */
final class ImmutableValues {

    private ImmutableValues() {
    }

    /** An unmodifiable deep copy of {@code value}; values that are neither maps nor collections are kept as is. */
    static Object copyOf(Object value) {
        if (value instanceof Map<?, ?> map) {
            return copyOfMap(map);
        }
        if (value instanceof Collection<?> collection) {
            List<Object> copy = new ArrayList<>(collection.size());
            collection.forEach(v -> copy.add(copyOf(v)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    /** An unmodifiable deep copy of a map, in its order; null values are allowed. */
    static <K> Map<K, Object> copyOfMap(Map<K, ?> map) {
        Map<K, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, copyOf(v)));
        return Collections.unmodifiableMap(copy);
    }
}
