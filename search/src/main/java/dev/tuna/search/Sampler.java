package dev.tuna.search;

import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import java.util.Map;

/**
 * Proposes the hyperparameters of the next trials from the study's history.
 *
 * <p>A study asks for a trial's proposals under one lock per study, so a sampler sees the trials started before
 * it (RUNNING, with the parameters they have so far) and {@link #sampleRelative} calls never overlap within one
 * study. {@link #sampleIndependent} may be called from the threads that run objectives.
 */
public interface Sampler {

    /**
     * A joint proposal made when a trial starts, for the parameters the sampler can model together. A proposed
     * value is used when the objective suggests that name with a distribution that contains it; other
     * parameters go to {@link #sampleIndependent}. The default proposes nothing.
     */
    default Map<String, Object> sampleRelative(Study study, FrozenTrial trial) {
        return Map.of();
    }

    /** A value, in its external form, for one parameter of a running trial. */
    Object sampleIndependent(Study study, FrozenTrial trial, String name, Distribution distribution);

    /**
     * True when the sampler has no new point to propose (a grid that is used up); the study then starts no more
     * trials. Called under the same lock as {@link #sampleRelative}.
     */
    default boolean isExhausted(Study study) {
        return false;
    }
}
