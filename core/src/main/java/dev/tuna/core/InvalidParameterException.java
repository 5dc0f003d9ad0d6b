package dev.tuna.core;

/** A hyperparameter's distribution or value is invalid; the message names the parameter and the problem. */
public class InvalidParameterException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String parameter;
    private final String problem;

    public InvalidParameterException(String parameter, String problem) {
        super("parameter '" + parameter + "': " + problem);
        this.parameter = parameter;
        this.problem = problem;
    }

    /** The name of the parameter at fault. */
    public String parameter() {
        return parameter;
    }

    /** What is wrong, without the parameter's name. */
    public String problem() {
        return problem;
    }
}
