package dev.tuna.core.storage;

/** The study has no trial of that number. */
public class TrialNotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    public TrialNotFoundException(String study, int number) {
        super("study '" + study + "' has no trial " + number);
    }
}
