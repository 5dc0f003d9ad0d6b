package dev.tuna.core.storage;

/** A storage file is already open in another process (a server), which holds it for as long as it runs. */
public class StorageInUseException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StorageInUseException(String message) {
        super(message);
    }
}
