package dev.tuna.web.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The pruner of a spec: its type and options side by side, {@code {"type": "asha", "minResource": 1}}, or
 * {@code {"type": "anyOf", "anyOf": [{...}, {...}]}}.
 *
 * @param type    one of {@link PrunerFactory#TYPES}
 * @param options the type's options (every field but {@code type} and {@code anyOf})
 * @param anyOf   the pruners of an {@code anyOf}; empty for other types
 */
public record PrunerSpec(String type, ObjectNode options, List<PrunerSpec> anyOf) {
    public PrunerSpec {
        anyOf = List.copyOf(anyOf);
    }
}
