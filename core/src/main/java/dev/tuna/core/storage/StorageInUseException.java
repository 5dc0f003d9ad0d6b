package dev.tuna.core.storage;

/** A storage file is already open in another process (a server), which holds it for as long as it runs. */
public class StorageInUseException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the file */
    public StorageInUseException(String message) {
        super(message);
    }

    /** The same refusal with a hint added to its message; {@code cause} is the refusal. */
    public StorageInUseException(String message, StorageInUseException cause) {
        super(message, cause);
    }
}
