package dev.tuna.core.storage;

/** A study of that name is already stored. */
public class StudyExistsException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StudyExistsException(String study) {
        super("a study named '" + study + "' already exists");
    }
}
