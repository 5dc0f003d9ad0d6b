package dev.tuna.core;

/** Whether a study looks for the lowest or the highest objective value. */
public enum Direction {
    MINIMIZE,
    MAXIMIZE;

    /** True when {@code a} is strictly better than {@code b} in this direction. */
    public boolean isBetter(double a, double b) {
        return this == MINIMIZE ? a < b : a > b;
    }

    /** The value in minimisation form: negated when maximising, so that lower is always better. */
    public double toMinimization(double value) {
        return this == MINIMIZE ? value : -value;
    }
}
