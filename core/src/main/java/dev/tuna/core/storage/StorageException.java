package dev.tuna.core.storage;

/** A storage operation could not be carried out; the message says why in one line. */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether {@code e} says that a storage failed (a database out of reach, a disk that refuses writes), not that
     * what was asked for is not there (a study or trial deleted meanwhile).
     */
    public static boolean isFailure(Throwable e) {
        return e instanceof StorageException && !(e instanceof StudyNotFoundException || e instanceof TrialNotFoundException);
    }
}
