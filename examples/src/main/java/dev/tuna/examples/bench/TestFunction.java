package dev.tuna.examples.bench;

import dev.tuna.search.Objective;
import java.util.List;

/**
 * The benchmark functions of the design notes, to minimise, with their domains and known optima.
 *
 * @param name    the function's name on the command line
 * @param low     the lower bound of each coordinate
 * @param high    the upper bound of each coordinate
 * @param optimum the global minimum's value
 */
record TestFunction(String name, double[] low, double[] high, double optimum, Formula formula) {

    /** The function itself. */
    @FunctionalInterface
    interface Formula {
        double at(double[] x);
    }

    static final List<TestFunction> ALL = List.of(
            new TestFunction("branin", new double[] {-5, 0}, new double[] {10, 15}, 0.397887, TestFunction::branin),
            new TestFunction("hartmann6", fill(6, 0), fill(6, 1), -3.32237, TestFunction::hartmann6),
            new TestFunction("rosenbrock4", fill(4, -2.048), fill(4, 2.048), 0, TestFunction::rosenbrock),
            new TestFunction("ackley5", fill(5, -10), fill(5, 30), 0, TestFunction::ackley));

    static TestFunction named(String name) {
        return ALL.stream().filter(f -> f.name.equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown function '" + name + "'; expected one of "
                        + ALL.stream().map(TestFunction::name).toList()));
    }

    int dimension() {
        return low.length;
    }

    /** The objective: suggests x0..x{d-1} as floats over the domain. */
    Objective objective() {
        return trial -> {
            double[] x = new double[dimension()];
            for (int i = 0; i < x.length; i++) {
                x[i] = trial.suggestFloat("x" + i, low[i], high[i]);
            }
            return formula.at(x);
        };
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    static double branin(double[] x) {
        double b = 5.1 / (4 * Math.PI * Math.PI);
        double c = 5 / Math.PI;
        double t = 1 / (8 * Math.PI);
        return Math.pow(x[1] - b * x[0] * x[0] + c * x[0] - 6, 2) + 10 * (1 - t) * Math.cos(x[0]) + 10;
    }

    private static final double[] ALPHA = {1.0, 1.2, 3.0, 3.2};
    private static final double[][] A = {
        {10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
    private static final double[][] P = {
        {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886}, {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
        {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650}, {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};

    static double hartmann6(double[] x) {
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            double inner = 0;
            for (int j = 0; j < 6; j++) {
                inner += A[i][j] * Math.pow(x[j] - P[i][j], 2);
            }
            sum += ALPHA[i] * Math.exp(-inner);
        }
        return -sum;
    }

    static double rosenbrock(double[] x) {
        double sum = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            sum += 100 * Math.pow(x[i + 1] - x[i] * x[i], 2) + Math.pow(1 - x[i], 2);
        }
        return sum;
    }

    static double ackley(double[] x) {
        double squares = 0;
        double cosines = 0;
        for (double v : x) {
            squares += v * v;
            cosines += Math.cos(2 * Math.PI * v);
        }
        int d = x.length;
        return -20 * Math.exp(-0.2 * Math.sqrt(squares / d)) - Math.exp(cosines / d) + 20 + Math.E;
    }
}
