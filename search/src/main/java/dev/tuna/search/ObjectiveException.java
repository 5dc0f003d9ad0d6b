package dev.tuna.search;

/** Carries a checked exception an objective raised out of {@link Study#optimize} when it stops on errors. */
public class ObjectiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ObjectiveException(Throwable cause) {
        super(cause.toString(), cause);
    }
}
