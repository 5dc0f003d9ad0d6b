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
}
