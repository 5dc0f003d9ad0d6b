package dev.tuna.web.spec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.search.Objective;
import dev.tuna.worker.train.InvalidSettingException;
import dev.tuna.worker.train.Trainable;
import dev.tuna.worker.train.TrainableRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The worker's DJL trainables ({@code mlp}, {@code cnn} and those registered through ServiceLoader) as spec
 * trainables. The spec's {@code dataset}, {@code epochs} and {@code metric} join its {@code fixed} parameters;
 * the trainable checks them ({@link Trainable#check}) when the spec is validated, and again when a trial starts.
 * Trials train on the device of their slot.
 */
public final class DjlTrainables implements ObjectiveFactory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TrainableRegistry registry;

    public DjlTrainables(TrainableRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Set<String> types() {
        return registry.names();
    }

    @Override
    public void validate(StudySpec spec) {
        // The space would win over a fixed value silently, and the fixed one would never be checked.
        Map<String, Object> fixed = fixedValues(spec);
        for (String key : spec.space().keySet()) {
            if (fixed.containsKey(key)) {
                throw new SpecException(fixedField(spec, key), "is also in space: a setting is either fixed or searched, "
                        + "not both");
            }
        }
        Trainable trainable = trainable(spec, fixed);
        try {
            trainable.check();
        } catch (InvalidSettingException e) {
            // The field names the setting: a message that starts with its name too would say it twice.
            String said = e.getMessage();
            String prefix = e.key() + ": ";
            throw new SpecException(field(spec, e.key()), said.startsWith(prefix) ? said.substring(prefix.length()) : said);
        } catch (IllegalArgumentException e) {
            throw new SpecException("trainable", e.getMessage());
        }
    }

    /** Where in the spec a setting comes from: the space, the trainable's own fields, or its fixed values. */
    private static String field(StudySpec spec, String key) {
        return spec.space().containsKey(key) ? "space." + key : fixedField(spec, key);
    }

    /** Where in the spec a fixed setting comes from: the trainable's own fields, the metric, or its fixed values. */
    private static String fixedField(StudySpec spec, String key) {
        if (key.equals("dataset") && spec.trainable().dataset() != null
                || key.equals("epochs") && spec.trainable().epochs() != null) {
            return "trainable." + key;
        }
        return key.equals("metric") && spec.metric() != null ? "metric" : "trainable.fixed." + key;
    }

    @Override
    public Objective create(StudySpec spec) {
        return trainable(spec, fixedValues(spec)).asDeviceObjective();
    }

    private Trainable trainable(StudySpec spec, Map<String, Object> fixed) {
        try {
            return registry.create(spec.trainable().type(), fixed, spec.space());
        } catch (IllegalArgumentException e) {
            throw new SpecException("trainable", e.getMessage());
        }
    }

    /** The trainable's fixed settings: its {@code fixed} values, dataset and epochs, and the spec's metric. */
    private static Map<String, Object> fixedValues(StudySpec spec) {
        Map<String, Object> fixed = new LinkedHashMap<>();
        if (spec.trainable().fixed() != null) {
            fixed.putAll(JSON.convertValue(spec.trainable().fixed(), new TypeReference<Map<String, Object>>() { }));
        }
        if (spec.trainable().dataset() != null) {
            fixed.put("dataset", spec.trainable().dataset());
        }
        if (spec.trainable().epochs() != null) {
            fixed.put("epochs", spec.trainable().epochs());
        }
        if (spec.metric() != null) {
            fixed.put("metric", spec.metric());
        }
        return fixed;
    }
}
