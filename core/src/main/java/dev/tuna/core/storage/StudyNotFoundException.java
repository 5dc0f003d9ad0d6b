package dev.tuna.core.storage;

/** No study of that name is stored. */
public class StudyNotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StudyNotFoundException(String study) {
        super("no study named '" + study + "'");
    }
}
