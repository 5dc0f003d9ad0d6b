package dev.tuna.core.storage;

/**
 * The storage could not be reached or could not do what was asked (a database out of reach, a connection lost
 * mid-call): a failure of the infrastructure, not of what was asked, which may well succeed once it answers again.
 */
public class StorageUnavailableException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first one in {@code e}'s chain of causes, {@code e} included, or null. */
    public static StorageUnavailableException in(Throwable e) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof StorageUnavailableException found) {
                return found;
            }
        }
        return null;
    }
}
