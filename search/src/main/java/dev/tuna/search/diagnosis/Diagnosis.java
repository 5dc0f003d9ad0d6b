package dev.tuna.search.diagnosis;

import dev.tuna.core.FrozenTrial;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named finding on a trial's curves, with the step where it began.
 *
 * @param name   one of {@link #DIVERGED}, {@link #EXPLODING_GRADIENTS}, {@link #VANISHING_GRADIENTS},
 *               {@link #OVERFITTING}, {@link #PLATEAU}
 * @param step   the step where it began
 * @param detail what was seen, in words a person reads
 */
public record Diagnosis(String name, int step, String detail) {
    public static final String DIVERGED = "diverged";
    public static final String EXPLODING_GRADIENTS = "exploding gradients";
    public static final String VANISHING_GRADIENTS = "vanishing gradients";
    public static final String OVERFITTING = "overfitting";
    public static final String PLATEAU = "plateau";

    /** The system attribute that holds a finished trial's diagnoses: a list of {name, step, detail}. */
    public static final String ATTR = "diagnoses";

    public Diagnosis {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(detail, "detail");
    }

    /** As stored in the system attribute. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("step", step);
        m.put("detail", detail);
        return m;
    }

    /** The diagnoses stored on a trial (empty when none were found or stored). */
    public static List<Diagnosis> of(FrozenTrial trial) {
        List<Diagnosis> found = new ArrayList<>();
        if (trial.systemAttrs().get(ATTR) instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("name") instanceof String n && m.get("step") instanceof Number s) {
                    found.add(new Diagnosis(n, s.intValue(), String.valueOf(m.get("detail"))));
                }
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return name + " from step " + step + ": " + detail;
    }
}
