package dev.tuna.core.storage;

/** No study of that name is stored. */
public class StudyNotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StudyNotFoundException(String study) {
        this(study, false);
    }

    private StudyNotFoundException(String study, boolean replaced) {
        super(replaced ? "study '" + study + "' was deleted; the study of that name now is another one"
                : "no study named '" + study + "'");
    }

    /** The study was deleted, and another of its name has taken its place ("no study named" would read wrong). */
    public static StudyNotFoundException replaced(String study) {
        return new StudyNotFoundException(study, true);
    }
}
