package dev.tuna.core.storage;

import dev.tuna.core.Direction;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What storage knows of a study besides its trials.
 *
 * @param name      the study's unique name
 * @param direction minimise or maximise
 * @param created   when it was created
 * @param attrs     attributes of the study (its spec, for a submitted one)
 */
public record StudyInfo(String name, Direction direction, Instant created, Map<String, Object> attrs) {
    public StudyInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(direction, "direction");
        attrs = attrs == null || attrs.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    }

    /** The prefix under which {@link #attrs} hold the user's own attributes (Optuna's study user attributes). */
    public static final String USER_ATTR_PREFIX = "user:";

    /** The user's own attributes, without their prefix, in the order they were first set. */
    public Map<String, Object> userAttrs() {
        Map<String, Object> user = new LinkedHashMap<>();
        attrs.forEach((key, value) -> {
            if (key.startsWith(USER_ATTR_PREFIX)) {
                user.put(key.substring(USER_ATTR_PREFIX.length()), value);
            }
        });
        return Collections.unmodifiableMap(user);
    }

    /** This study with attribute {@code key} set to a deep, unmodifiable copy of {@code value}. */
    StudyInfo withAttr(String key, Object value) {
        return withAttrs(Collections.singletonMap(key, value));
    }

    /** This study with each of {@code more}'s attributes set to a deep, unmodifiable copy of its value. */
    StudyInfo withAttrs(Map<String, Object> more) {
        Map<String, Object> updated = new LinkedHashMap<>(attrs);
        // A user attribute is named in errors as the user named it.
        more.forEach((key, value) -> updated.put(key, key != null && key.startsWith(USER_ATTR_PREFIX)
                ? ImmutableValues.attribute("study user attribute", key.substring(USER_ATTR_PREFIX.length()), value)
                : ImmutableValues.attribute("study attribute", key, value)));
        return new StudyInfo(name, direction, created, updated);
    }

    /** This study with deep, unmodifiable copies of its attribute values: for one read back from a store. */
    StudyInfo withImmutableAttrs() {
        return new StudyInfo(name, direction, created, ImmutableValues.copyOfMap(attrs));
    }
}
