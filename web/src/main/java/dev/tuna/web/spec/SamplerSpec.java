package dev.tuna.web.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The sampler of a spec: {@code {"type": "gp", "seed": 42, "options": {...}}}.
 *
 * @param type    one of {@link SamplerFactory#TYPES}
 * @param seed    the seed, or null for one drawn at submission
 * @param options the type's options (e.g. {@code grid} for the grid sampler); an empty object when none
 */
public record SamplerSpec(String type, Long seed, ObjectNode options) {
}
