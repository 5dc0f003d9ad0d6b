package dev.tuna.web.spec;

import dev.tuna.search.Objective;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a spec's {@code trainable} into the objective its trials run: a {@link Objective}, or the worker's
 * {@code DeviceObjective} for trainables that train on a device. The built-in {@link FunctionTrainables} evaluate
 * test functions; DJL trainables plug in as another factory (see {@link Trainables}).
 */
public interface ObjectiveFactory {

    /** The trainable types this factory builds, e.g. {@code mlp}. */
    Set<String> types();

    /**
     * Checks that the spec's trainable (dataset, epochs, fixed parameters) and search space fit the trainable, so
     * that a bad spec is refused at submission rather than failing every trial.
     *
     * @throws SpecException naming the field at fault
     */
    void validate(StudySpec spec);

    /**
     * Checks a spec stored with a study (by this version or an earlier one) before its study runs again: what running
     * it needs, but not the refusals added since a study may have been submitted, which it could no longer meet
     * (its direction, for one, cannot change). By default, {@link #validate}.
     *
     * @throws SpecException naming the field at fault
     */
    default void validateStored(StudySpec spec) {
        validate(spec);
    }

    /**
     * The settings a valid spec's trials run with besides its space (its {@code metric} among them), defaults
     * included, in the form the trainable reads them: two specs whose trials train alike give equal maps, however
     * many defaults they spell out. Empty when this factory cannot tell (by default): the specs then compare as
     * written.
     */
    default Optional<Map<String, Object>> settings(StudySpec spec) {
        return Optional.empty();
    }

    /** The objective of a valid spec's trials. */
    Objective create(StudySpec spec);
}
