package dev.tuna.worker.train;

/** A trainable's setting has a value it cannot use; {@link #key()} names the setting. */
public class InvalidSettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public InvalidSettingException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The setting's name, as in the fixed values or the search space. */
    public String key() {
        return key;
    }
}
