package dev.tuna.web.demo;

/**
 * The Branin-Hoo function, a standard two-dimensional test of optimisers: three global minima of
 * {@value #OPTIMUM} in the domain {@code x1} in [-5, 10], {@code x2} in [0, 15].
 */
public final class Branin {
    /** The lower bound of {@code x1}. */
    public static final double X1_LOW = -5;
    /** The upper bound of {@code x1}. */
    public static final double X1_HIGH = 10;
    /** The lower bound of {@code x2}. */
    public static final double X2_LOW = 0;
    /** The upper bound of {@code x2}. */
    public static final double X2_HIGH = 15;
    /** The global minimum, reached at (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475). */
    public static final double OPTIMUM = 0.397887;

    private static final double B = 5.1 / (4 * Math.PI * Math.PI);
    private static final double C = 5 / Math.PI;
    private static final double T = 1 / (8 * Math.PI);

    private Branin() {
    }

    /** The function's value at {@code (x1, x2)}. */
    public static double value(double x1, double x2) {
        double a = x2 - B * x1 * x1 + C * x1 - 6;
        return a * a + 10 * (1 - T) * Math.cos(x1) + 10;
    }
}
