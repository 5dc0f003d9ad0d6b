package dev.tuna.search.sampler.gp;

/**
 * Limited-memory BFGS with box bounds, in its projected form: the quasi-Newton direction is computed on the free
 * variables (those not held at a bound by a gradient pointing outward), and the line search backtracks along the
 * projected path {@code clip(x + t d)} until the Armijo condition holds. Good enough for the small, smooth
 * problems of a Gaussian process (a dozen hyperparameters, an acquisition over a few dimensions); Commons Math
 * has no L-BFGS.
 */
public final class Lbfgsb {
    /** A differentiable function: returns f(x) and writes its gradient into {@code gradient}. */
    @FunctionalInterface
    public interface Function {
        double value(double[] x, double[] gradient);
    }

    /** The minimiser's answer: the best point found, its value and the iterations used. */
    public record Result(double[] x, double value, int iterations) {
    }

    private static final int MEMORY = 8;
    private static final double ARMIJO = 1e-4;

    private Lbfgsb() {
    }

    /**
     * Minimises {@code f} from {@code start} within {@code [lower, upper]} (a dimension with equal bounds is held).
     *
     * @param maxIterations the most quasi-Newton steps
     * @param tolerance     stop when the projected gradient's largest entry or the relative decrease falls below it
     */
    public static Result minimize(Function f, double[] start, double[] lower, double[] upper, int maxIterations,
                                  double tolerance) {
        int n = start.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = clip(start[i], lower[i], upper[i]);
        }
        double[] g = new double[n];
        double fx = f.value(x, g);
        if (!Double.isFinite(fx)) {
            return new Result(x, fx, 0);
        }
        double[][] s = new double[MEMORY][];
        double[][] y = new double[MEMORY][];
        double[] rho = new double[MEMORY];
        int stored = 0;
        int head = 0;
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        boolean[] free = new boolean[n];
        int iteration = 0;
        while (iteration < maxIterations) {
            iteration++;
            double projected = 0;
            for (int i = 0; i < n; i++) {
                free[i] = lower[i] < upper[i]
                        && !(x[i] <= lower[i] && g[i] > 0) && !(x[i] >= upper[i] && g[i] < 0);
                if (free[i]) {
                    projected = Math.max(projected, Math.abs(clip(x[i] - g[i], lower[i], upper[i]) - x[i]));
                }
            }
            if (projected < tolerance) {
                break;
            }
            direction(g, free, s, y, rho, stored, head, d);
            double slope = 0;
            for (int i = 0; i < n; i++) {
                slope += d[i] * g[i];
            }
            if (!(slope < 0)) {
                // Not a descent direction: forget the curvature pairs and follow the gradient.
                stored = 0;
                for (int i = 0; i < n; i++) {
                    d[i] = free[i] ? -g[i] : 0;
                }
            }
            double step = stored == 0 ? Math.min(1, 1 / Math.max(1e-12, norm(d))) : 1;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int trial = 0; trial < 40; trial++) {
                double decrease = 0;
                for (int i = 0; i < n; i++) {
                    xNew[i] = clip(x[i] + step * d[i], lower[i], upper[i]);
                    decrease += g[i] * (xNew[i] - x[i]);
                }
                fNew = f.value(xNew, gNew);
                if (Double.isFinite(fNew) && fNew <= fx + ARMIJO * decrease) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) {
                break;
            }
            double sy = 0;
            double[] sk = new double[n];
            double[] yk = new double[n];
            for (int i = 0; i < n; i++) {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
                sy += sk[i] * yk[i];
            }
            if (sy > 1e-12) {
                s[head] = sk;
                y[head] = yk;
                rho[head] = 1 / sy;
                head = (head + 1) % MEMORY;
                stored = Math.min(MEMORY, stored + 1);
            }
            double previous = fx;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            if (previous - fx <= tolerance * Math.max(1, Math.abs(fx))) {
                break;
            }
        }
        return new Result(x, fx, iteration);
    }

    /** The two-loop recursion on the free variables: d = -H g. */
    private static void direction(double[] g, boolean[] free, double[][] s, double[][] y, double[] rho, int stored,
                                  int head, double[] d) {
        int n = g.length;
        for (int i = 0; i < n; i++) {
            d[i] = free[i] ? -g[i] : 0;
        }
        double[] alpha = new double[stored];
        for (int k = 0; k < stored; k++) {
            int j = Math.floorMod(head - 1 - k, MEMORY);
            double a = 0;
            for (int i = 0; i < n; i++) {
                if (free[i]) {
                    a += s[j][i] * d[i];
                }
            }
            a *= rho[j];
            alpha[k] = a;
            for (int i = 0; i < n; i++) {
                if (free[i]) {
                    d[i] -= a * y[j][i];
                }
            }
        }
        if (stored > 0) {
            int last = Math.floorMod(head - 1, MEMORY);
            double yy = 0;
            for (int i = 0; i < n; i++) {
                yy += y[last][i] * y[last][i];
            }
            double gamma = yy > 0 ? 1 / (rho[last] * yy) : 1;
            for (int i = 0; i < n; i++) {
                d[i] *= gamma;
            }
        }
        for (int k = stored - 1; k >= 0; k--) {
            int j = Math.floorMod(head - 1 - k, MEMORY);
            double b = 0;
            for (int i = 0; i < n; i++) {
                if (free[i]) {
                    b += y[j][i] * d[i];
                }
            }
            b *= rho[j];
            for (int i = 0; i < n; i++) {
                if (free[i]) {
                    d[i] += s[j][i] * (alpha[k] - b);
                }
            }
        }
    }

    private static double norm(double[] v) {
        double sum = 0;
        for (double e : v) {
            sum += e * e;
        }
        return Math.sqrt(sum);
    }

    private static double clip(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
