package dev.tuna.search.sampler;

import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import java.util.SplittableRandom;

/**
 * Draws every parameter independently and uniformly (in log space for log scales). Each value depends only on
 * the seed, the trial's number and the parameter's name, so the same seed gives the same suggestions, also when
 * trials run in parallel.
 */
public final class RandomSampler implements Sampler {
    private final long seed;

    /** @param seed fixes every suggestion */
    public RandomSampler(long seed) {
        this.seed = seed;
    }

    @Override
    public Object sampleIndependent(Study study, FrozenTrial trial, String name, Distribution distribution) {
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, trial.number(), Seeds.ofName(name)));
        return distribution.fromUnit(random.nextDouble());
    }

    @Override
    public String toString() {
        return "RandomSampler(seed=" + seed + ")";
    }
}
