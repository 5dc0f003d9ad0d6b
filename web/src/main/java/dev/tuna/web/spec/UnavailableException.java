package dev.tuna.web.spec;

/**
 * A spec that asks for something this build knows by name but cannot provide yet (e.g. a sampler whose class is
 * not part of it). A client error all the same: the spec must ask for something else.
 */
public final class UnavailableException extends SpecException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String field, String problem) {
        super(field, problem);
    }
}
