package dev.tuna.core;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The range of one hyperparameter. Values have two forms: the external one the objective sees ({@link Double},
 * {@link Integer}, or a categorical choice) and the internal {@code double} that storage and samplers use (the
 * value itself for numbers, the choice's index for categoricals).
 *
 * <p>Distributions validate themselves when built and throw {@link IllegalArgumentException} with the problem;
 * {@link #validated(String, java.util.function.Supplier)} turns that into an {@link InvalidParameterException}
 * that names the parameter.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = FloatDistribution.class, name = "float"),
    @JsonSubTypes.Type(value = IntDistribution.class, name = "int"),
    @JsonSubTypes.Type(value = CategoricalDistribution.class, name = "categorical")
})
public sealed interface Distribution permits FloatDistribution, IntDistribution, CategoricalDistribution {

    /**
     * True when the distribution holds exactly one value ({@code low == high}, or one choice). A trial takes that
     * value without asking the sampler, and samplers leave such parameters out of their models, as in Optuna.
     */
    boolean single();

    /** The internal form of an external value; throws {@link IllegalArgumentException} if it is outside. */
    double toInternal(Object value);

    /** The external form of an internal value. */
    Object toExternal(double internal);

    /** Whether an internal value lies in this distribution. */
    boolean containsInternal(double internal);

    /**
     * Maps a point of the unit interval to a value, uniformly over the distribution (in log space for log
     * scales, over the grid points for stepped ranges, over the choices for categoricals). Samplers that draw
     * in [0, 1) share this mapping.
     */
    Object fromUnit(double u);

    /** Builds a distribution and names {@code parameter} in the error if it is invalid. */
    static <D extends Distribution> D validated(String parameter, java.util.function.Supplier<D> builder) {
        try {
            return builder.get();
        } catch (InvalidParameterException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException(parameter, e.getMessage());
        }
    }
}
