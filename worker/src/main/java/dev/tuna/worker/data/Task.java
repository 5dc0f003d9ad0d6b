package dev.tuna.worker.data;

/** What a dataset's labels are: class indices or real values. */
public enum Task {
    /** Labels are class indices {@code 0..numClasses-1}. */
    CLASSIFICATION,
    /** Labels are real values. */
    REGRESSION
}
