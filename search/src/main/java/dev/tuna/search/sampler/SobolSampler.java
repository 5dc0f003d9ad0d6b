package dev.tuna.search.sampler;

import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.commons.math3.random.SobolSequenceGenerator;

/**
 * Quasi-random search: trial {@code i} takes point {@code i} of a Sobol sequence (Commons Math, Joe-Kuo direction
 * numbers), so the first {@code 2^m} trials cover the space far more evenly than random points. The design is
 * randomised by the seed with a Cranley-Patterson rotation (a random shift per dimension, modulo 1): two seeds
 * give different designs, and the same seed the same suggestions. The shift keeps each dimension's even spread and
 * the design's low discrepancy, though not the exact net property (16 shifted points of a 2-D design fill 12 of the
 * 16 quarter-by-quarter cells where unshifted ones fill all; 16 random points fill about 10); scrambling would.
 *
 * <p>Define-by-run: a parameter's dimension is the order in which this sampler first drew it (the parameters it
 * drew in the study's history count first, in trial order, so a resumed study keeps its dimensions; parameters held
 * at one value and values given by enqueued trials never reach it). Because the
 * sequence index is the trial's number, parallel trials get distinct points and a resumed study continues the
 * sequence. At most {@value #MAX_DIMENSIONS} parameters per study. One instance may serve several studies: each
 * {@link Study} has its own dimensions, so it gets the same suggestions as with an instance of its own.
 */
public final class SobolSampler implements Sampler {
    /** The number of dimensions Commons Math's direction numbers cover. */
    public static final int MAX_DIMENSIONS = 1000;
    /** Points kept per trial number, so the parameters of one trial share one {@code skipTo}. */
    private static final int CACHED_POINTS = 256;

    private final long seed;
    // All state below is guarded by this.
    private final Map<Study, Map<String, Integer>> dimensionsByStudy = new WeakHashMap<>();
    private final Map<Integer, double[]> points = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, double[]> eldest) {
            return size() > CACHED_POINTS;
        }
    };
    private SobolSequenceGenerator generator;
    private int generatorDimensions;

    /** @param seed fixes the random shift of each dimension, hence every suggestion */
    public SobolSampler(long seed) {
        this.seed = seed;
    }

    @Override
    public Object sampleIndependent(Study study, FrozenTrial trial, String name, Distribution distribution) {
        return distribution.fromUnit(unitValue(study, trial.number(), name));
    }

    /** The rotated Sobol coordinate in [0, 1) of parameter {@code name} for sequence index {@code index}. */
    synchronized double unitValue(Study study, int index, String name) {
        int dimension = dimension(study, name);
        double[] point = points.get(index);
        if (point == null || point.length <= dimension) {
            // Coordinate j of point i does not depend on the generator's dimension, so a wider one serves too.
            point = generator(dimension + 1).skipTo(index);
            points.put(index, point);
        }
        double u = point[dimension] + shift(dimension);
        return u >= 1 ? u - 1 : u;
    }

    /** The dimension of each parameter of the study seen so far, in the order they were first seen. */
    synchronized Map<String, Integer> dimensions(Study study) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(dimensionsByStudy.getOrDefault(study, Map.of())));
    }

    private int dimension(Study study, String name) {
        Map<String, Integer> dimensions = dimensionsByStudy.get(study);
        if (dimensions == null) {
            dimensions = new LinkedHashMap<>();
            dimensionsByStudy.put(study, dimensions);
            // A resumed study must map its names to the dimensions its earlier trials used: those of the parameters
            // this sampler drew, not those held at one value or given by an enqueued trial, which never reach it.
            for (FrozenTrial t : study.trials()) {
                for (Map.Entry<String, Distribution> p : t.distributions().entrySet()) {
                    boolean drawn = !p.getValue().single() && !t.fixedParams().containsKey(p.getKey());
                    if (drawn && t.params().containsKey(p.getKey()) && dimensions.size() < MAX_DIMENSIONS) {
                        dimensions.putIfAbsent(p.getKey(), dimensions.size());
                    }
                }
            }
        }
        Integer d = dimensions.get(name);
        if (d == null) {
            if (dimensions.size() >= MAX_DIMENSIONS) {
                throw new IllegalStateException("SobolSampler supports at most " + MAX_DIMENSIONS
                        + " parameters per study; parameter '" + name + "' would be number " + (dimensions.size() + 1));
            }
            d = dimensions.size();
            dimensions.put(name, d);
        }
        return d;
    }

    private SobolSequenceGenerator generator(int needed) {
        if (generator == null || generatorDimensions < needed) {
            // Grow by doubling: building a generator reads the direction numbers, skipTo costs one pass per dimension.
            generatorDimensions = Math.min(MAX_DIMENSIONS, Math.max(needed, Math.max(4, 2 * generatorDimensions)));
            generator = new SobolSequenceGenerator(generatorDimensions);
        }
        return generator;
    }

    /** The seeded shift of one dimension, uniform in [0, 1). */
    private double shift(int dimension) {
        return (Seeds.mix(seed, dimension) >>> 11) * 0x1.0p-53;
    }

    @Override
    public String toString() {
        return "SobolSampler(seed=" + seed + ")";
    }
}
