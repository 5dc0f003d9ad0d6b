package dev.tuna.web.spec;

/**
 * A study spec that cannot run: names the field at fault by its path in the JSON ({@code space.lr.low},
 * {@code sampler.type}, or empty for the document itself) and says what is wrong, in one line.
 */
public class SpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String problem;

    /**
     * @param field   the path of the field at fault, e.g. {@code pruner.anyOf[1].type}; empty for the whole document
     * @param problem what is wrong with it
     */
    public SpecException(String field, String problem) {
        super(field == null || field.isEmpty() ? problem : field + ": " + problem);
        this.field = field == null ? "" : field;
        this.problem = problem;
    }

    /** The path of the field at fault; empty for the whole document. */
    public String field() {
        return field;
    }

    /** What is wrong, without the field. */
    public String problem() {
        return problem;
    }
}
