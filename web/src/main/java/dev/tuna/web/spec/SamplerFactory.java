package dev.tuna.web.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;
import dev.tuna.search.Sampler;
import dev.tuna.search.sampler.AutoSampler;
import dev.tuna.search.sampler.GpSampler;
import dev.tuna.search.sampler.GridSampler;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.search.sampler.SobolSampler;
import dev.tuna.search.sampler.TpeSampler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a spec's {@code sampler} into a {@link Sampler}. */
public final class SamplerFactory {
    /** Every sampler type a spec may name. */
    public static final List<String> TYPES = List.of("random", "grid", "sobol", "tpe", "gp", "auto");
    /** The sampler of a spec that names none. */
    public static final String DEFAULT_TYPE = "auto";
    /** The most points a grid derived from the space may have. */
    static final int MAX_GRID = 100_000;

    private SamplerFactory() {
    }

    /**
     * The sampler of a spec.
     *
     * @param sampler   the spec's sampler
     * @param space     the spec's search space (a grid is derived from it when the options give none)
     * @param studyName seeds the sampler when the spec gives no seed, so that a study's suggestions do not change
     *                  when it is resumed
     * @throws SpecException if the options do not fit the type or the space
     */
    public static Sampler create(SamplerSpec sampler, Map<String, Distribution> space, String studyName) {
        return create(sampler, space, studyName, JsonFields.of(sampler.options(), "sampler.options"));
    }

    /**
     * The spec with its options as they take effect, the defaults of those it leaves out included (so that two
     * specs that mean the same sampler resolve to equal ones); checked as {@link #create} checks it.
     */
    public static SamplerSpec resolved(SamplerSpec sampler, Map<String, Distribution> space, String studyName) {
        JsonFields options = JsonFields.of(sampler.options(), "sampler.options");
        create(sampler, space, studyName, options);
        return new SamplerSpec(sampler.type(), seed(sampler, studyName), options.resolved());
    }

    private static Sampler create(SamplerSpec sampler, Map<String, Distribution> space, String studyName,
                                  JsonFields options) {
        long seed = seed(sampler, studyName);
        Sampler created = switch (sampler.type()) {
            case "random" -> new RandomSampler(seed);
            case "sobol" -> new SobolSampler(seed);
            case "grid" -> grid(options, space, sampler.seed());
            case "tpe" -> options.bool("multivariate", false) ? TpeSampler.multivariate(seed) : new TpeSampler(seed);
            case "gp" -> GpSampler.builder().seed(seed)
                    .startupTrials(options.integer("startupTrials", 10, 1, 10_000))
                    .deterministic(options.bool("deterministic", false))
                    .build();
            case "auto" -> new AutoSampler(seed);
            default -> throw new SpecException("sampler.type", "unknown sampler " + JsonFields.quote(sampler.type())
                    + " (expected one of " + String.join(", ", TYPES) + ")");
        };
        options.done();
        return created;
    }

    /** The spec's seed, or the study name's hash when it gives none. */
    private static long seed(SamplerSpec sampler, String studyName) {
        return sampler.seed() != null ? sampler.seed() : studyName.hashCode();
    }

    private static GridSampler grid(JsonFields options, Map<String, Distribution> space, Long seed) {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        JsonFields given = options.object("grid");
        if (given != null) {
            for (String name : given.keys()) {
                String path = given.path(name);
                if (!space.containsKey(name)) {
                    throw new SpecException(path, "parameter " + JsonFields.quote(name) + " is not in the space");
                }
                JsonNode values = given.raw(name);
                if (!values.isArray() || values.isEmpty()) {
                    throw new SpecException(path, "expected a non-empty array of values, got " + JsonFields.describe(values));
                }
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < values.size(); i++) {
                    JsonNode v = values.get(i);
                    Object value = v.isTextual() ? v.textValue() : v.isBoolean() ? (Object) v.booleanValue()
                            : v.isIntegralNumber() && v.canConvertToInt() ? (Object) v.intValue()
                            : v.isNumber() ? (Object) JsonFields.number(v, path + "[" + i + "]") : null;
                    if (value == null) {
                        throw new SpecException(path + "[" + i + "]", "expected a string, number or boolean, got " + JsonFields.describe(v));
                    }
                    try {
                        space.get(name).toInternal(value);
                    } catch (IllegalArgumentException e) {
                        throw new SpecException(path + "[" + i + "]", "not in the space: " + e.getMessage());
                    }
                    list.add(value);
                }
                grid.put(name, list);
            }
            given.done();
        }
        // Counted before any value is made: a 40 KB spec of 1,000 int ranges made 10^8 values, and a few at once
        // filled the server's memory, before the grid's size was refused.
        long size = 1;
        for (Map.Entry<String, Distribution> e : space.entrySet()) {
            long values = grid.containsKey(e.getKey()) ? grid.get(e.getKey()).size() : pointCount(e.getKey(), e.getValue());
            size = Math.min((long) MAX_GRID + 1, size * values);
        }
        if (size > MAX_GRID) {
            throw new SpecException("sampler.options.grid", "the grid has more than " + MAX_GRID + " points");
        }
        for (Map.Entry<String, Distribution> e : space.entrySet()) {
            if (!grid.containsKey(e.getKey())) {
                grid.put(e.getKey(), points(e.getKey(), e.getValue()));
            }
        }
        try {
            return seed == null ? new GridSampler(grid) : new GridSampler(grid, seed);
        } catch (IllegalArgumentException e) {
            throw new SpecException("sampler.options.grid", e.getMessage());
        }
    }

    /**
     * How many values {@link #points} gives a distribution, without making them (at most {@link #MAX_GRID} + 1).
     *
     * @throws SpecException as {@link #points} does, for a range too fine or continuous
     */
    private static long pointCount(String name, Distribution d) {
        String path = "sampler.options.grid." + name;
        if (d.single()) {
            return 1;
        }
        if (d instanceof CategoricalDistribution c) {
            return c.choices().size();
        }
        if (d instanceof IntDistribution i && !i.log()) {
            long n = ((long) i.high() - i.low()) / i.step();
            if (n >= MAX_GRID) {
                throw new SpecException(path, "too many values to grid; give them in the options");
            }
            return n + 1;
        }
        if (d instanceof FloatDistribution f && f.step() != null) {
            long n = Math.round((f.high() - f.low()) / f.step());
            if (n >= MAX_GRID) {
                throw new SpecException(path, "too many values to grid; give them in the options");
            }
            return n + 1;
        }
        throw new SpecException(path, "is required: parameter " + JsonFields.quote(name)
                + " is continuous or on a log scale, so the grid sampler needs its values");
    }

    /** Every value of a discrete distribution ({@link #pointCount} has checked it). */
    private static List<Object> points(String name, Distribution d) {
        if (d.single()) {
            return List.of(d.fromUnit(0));
        }
        if (d instanceof CategoricalDistribution c) {
            return c.choices();
        }
        if (d instanceof IntDistribution i && !i.log()) {
            List<Object> values = new ArrayList<>();
            for (long v = i.low(); v <= i.high(); v += i.step()) {
                values.add((int) v);
            }
            return values;
        }
        FloatDistribution f = (FloatDistribution) d; // stepped: the rest pointCount refused
        long n = pointCount(name, d) - 1;
        List<Object> values = new ArrayList<>();
        for (long k = 0; k <= n; k++) {
            values.add(Math.min(f.high(), f.low() + k * f.step()));
        }
        return values;
    }
}
