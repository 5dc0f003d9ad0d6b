package dev.tuna.search.sampler.gp;

import java.util.Arrays;

/**
 * A zero-mean Gaussian process with a Matérn-5/2 kernel, one lengthscale per dimension (ARD), a signal variance
 * and Gaussian noise, conditioned on points of the unit cube. Categorical dimensions hold a choice's index and
 * enter the distance as a Hamming term ({@code [a != b] / l^2}), so no order is imposed on choices.
 *
 * <p>An optional {@link LocalQuadratic} term adds a windowed quadratic around one point to the kernel.
 *
 * <p>Built once per fit: the Cholesky factor of the kernel matrix and {@code alpha = K^-1 y} (by two triangular
 * solves) are kept; predictions use triangular solves only.
 */
public final class GaussianProcess {
    private static final double SQRT5 = Math.sqrt(5);

    private final double[][] x;
    private final boolean[] categorical;
    private final double[] inverseSquaredLengthscales;
    private final double signal;
    private final double noise;
    private final int n;
    private final double[] chol;   // lower-triangular factor, row-major n x n
    private final double[] alpha;
    private final double logDeterminantHalf;
    private final double[] y;
    private final LocalQuadratic local; // null: the Matérn kernel alone
    private final LocalQuadratic.Anchor[] anchors; // the data points' anchors for the local term

    /**
     * Conditions the process on {@code (x, y)}.
     *
     * @param hyper log lengthscale per dimension, then log signal variance, then log noise variance
     * @throws IllegalStateException if the kernel matrix is not positive definite even with jitter
     */
    public GaussianProcess(double[][] x, double[] y, boolean[] categorical, double[] hyper) {
        this(x, y, categorical, hyper, null);
    }

    /**
     * Conditions the process, with the kernel plus a {@link LocalQuadratic} term (none when {@code local} is null),
     * on {@code (x, y)}.
     *
     * @param hyper log lengthscale per dimension, then log signal variance, then log noise variance
     * @throws IllegalStateException if the kernel matrix is not positive definite even with jitter
     */
    public GaussianProcess(double[][] x, double[] y, boolean[] categorical, double[] hyper, LocalQuadratic local) {
        this.local = local;
        this.anchors = local == null ? null : new LocalQuadratic.Anchor[x.length];
        for (int i = 0; anchors != null && i < x.length; i++) {
            anchors[i] = local.anchor(x[i]);
        }
        this.x = x;
        this.y = y;
        this.categorical = categorical;
        this.n = x.length;
        int d = categorical.length;
        inverseSquaredLengthscales = new double[d];
        for (int j = 0; j < d; j++) {
            inverseSquaredLengthscales[j] = Math.exp(-2 * hyper[j]);
        }
        signal = Math.exp(hyper[d]);
        noise = Math.exp(hyper[d + 1]);
        chol = new double[n * n];
        double jitter = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k <= i; k++) {
                    chol[i * n + k] = kernel(x[i], x[k]) + (local == null ? 0 : local.value(anchors[i], anchors[k]));
                }
                chol[i * n + i] += noise + jitter;
            }
            if (cholesky(chol, n)) {
                break;
            }
            jitter = jitter == 0 ? 1e-9 : jitter * 10;
            if (jitter > 1e-2) {
                throw new IllegalStateException("kernel matrix is not positive definite");
            }
        }
        double half = 0;
        for (int i = 0; i < n; i++) {
            half += Math.log(chol[i * n + i]);
        }
        logDeterminantHalf = half;
        alpha = solve(chol, n, y);
    }

    /** The same process conditioned on other targets at the same points: the Cholesky factor is shared. */
    private GaussianProcess(GaussianProcess base, double[] y) {
        this.x = base.x;
        this.local = base.local;
        this.anchors = base.anchors;
        this.y = y;
        this.categorical = base.categorical;
        this.n = base.n;
        this.inverseSquaredLengthscales = base.inverseSquaredLengthscales;
        this.signal = base.signal;
        this.noise = base.noise;
        this.chol = base.chol;
        this.logDeterminantHalf = base.logDeterminantHalf;
        this.alpha = solve(chol, n, y);
    }

    /**
     * This process conditioned on {@code y} instead, at the same points with the same hyperparameters; costs two
     * triangular solves instead of a new factorisation.
     */
    public GaussianProcess withTargets(double[] y) {
        if (y.length != n) {
            throw new IllegalArgumentException("y must have " + n + " values, got " + y.length);
        }
        return new GaussianProcess(this, y);
    }

    /** K^-1 y by two triangular solves with the factor {@code l}. */
    private static double[] solve(double[] l, int n, double[] y) {
        double[] z = y.clone();
        forward(l, n, z);
        backward(l, n, z);
        return z;
    }

    /**
     * The generalised-least-squares estimate of a constant mean, {@code 1^T K^-1 y / 1^T K^-1 1} (ordinary
     * kriging): points in clusters count less than isolated ones, so a search that has crowded around the best
     * region does not drag the prior mean of unexplored regions down to the values it found there.
     */
    public double constantMean() {
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        forward(chol, n, ones);
        double[] w = y.clone();
        forward(chol, n, w);
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += ones[i] * w[i];
            den += ones[i] * ones[i];
        }
        return num / den;
    }

    /** The number of points it is conditioned on. */
    public int size() {
        return n;
    }

    /** The signal variance of the Matérn kernel (the prior variance of the latent function without a local term). */
    public double signal() {
        return signal;
    }

    /** The noise variance. */
    public double noise() {
        return noise;
    }

    /** The log marginal likelihood of the data under these hyperparameters. */
    public double logMarginalLikelihood() {
        double fit = 0;
        for (int i = 0; i < n; i++) {
            fit += y[i] * alpha[i];
        }
        return -0.5 * fit - logDeterminantHalf - 0.5 * n * Math.log(2 * Math.PI);
    }

    /**
     * The posterior of the latent function at {@code q}: returns {mean, variance}; when {@code gradMean} is not
     * null, also writes the gradients of mean and variance with respect to {@code q} (zero on categorical
     * dimensions).
     */
    public double[] posterior(double[] q, double[] gradMean, double[] gradVar) {
        int d = categorical.length;
        double[] k = new double[n];
        double[] dk = gradMean == null ? null : new double[n];
        LocalQuadratic.Anchor anchor = local == null ? null : local.anchor(q);
        for (int i = 0; i < n; i++) {
            double r2 = squaredDistance(q, x[i]);
            double r = Math.sqrt(r2);
            double e = Math.exp(-SQRT5 * r);
            k[i] = signal * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
            if (dk != null) {
                dk[i] = -signal * 5.0 / 6.0 * (1 + SQRT5 * r) * e; // dk / d(r^2)
            }
            if (local != null) {
                k[i] += local.value(anchor, anchors[i]);
            }
        }
        double prior = local == null ? signal : signal + local.value(anchor, anchor);
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += k[i] * alpha[i];
        }
        double[] v = k.clone();
        forward(chol, n, v);
        double reduction = 0;
        for (int i = 0; i < n; i++) {
            reduction += v[i] * v[i];
        }
        double variance = Math.max(prior - reduction, 1e-12 * signal);
        if (gradMean != null) {
            backward(chol, n, v); // now K^-1 k
            Arrays.fill(gradMean, 0);
            Arrays.fill(gradVar, 0);
            for (int i = 0; i < n; i++) {
                double[] xi = x[i];
                double a = alpha[i] * dk[i];
                double b = -2 * v[i] * dk[i];
                for (int j = 0; j < d; j++) {
                    if (!categorical[j]) {
                        double dr2 = 2 * (q[j] - xi[j]) * inverseSquaredLengthscales[j];
                        gradMean[j] += a * dr2;
                        gradVar[j] += b * dr2;
                    }
                }
                if (local != null) {
                    local.addGradients(anchor, anchors[i], alpha[i], gradMean, -2 * v[i], gradVar);
                }
            }
            if (local != null) {
                local.addDiagonalGradient(anchor, gradVar);
            }
        }
        return new double[] {mean, variance};
    }

    double kernel(double[] a, double[] b) {
        double r2 = squaredDistance(a, b);
        double r = Math.sqrt(r2);
        return signal * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * Math.exp(-SQRT5 * r);
    }

    private double squaredDistance(double[] a, double[] b) {
        double r2 = 0;
        for (int j = 0; j < a.length; j++) {
            double diff = categorical[j] ? (a[j] == b[j] ? 0 : 1) : a[j] - b[j];
            r2 += diff * diff * inverseSquaredLengthscales[j];
        }
        return r2;
    }

    /**
     * The log marginal likelihood and its gradient with respect to the log hyperparameters, for fitting. The
     * gradient's trace term {@code tr((alpha alpha^T - K^-1) dK)} needs K^-1, formed here from the Cholesky
     * factor (L^-1 by triangular solves, then L^-T L^-1); nothing else ever forms an inverse.
     */
    public static double logLikelihoodGradient(double[][] x, double[] y, boolean[] categorical, double[] hyper,
                                               double[] gradient) {
        return logLikelihoodGradient(x, y, categorical, hyper, gradient, false);
    }

    /**
     * As {@link #logLikelihoodGradient(double[][], double[], boolean[], double[], double[])}; with
     * {@code profileMean}, the likelihood of {@code y - m} where m is the GLS constant mean for these
     * hyperparameters (see {@link #constantMean}). Since m maximises the likelihood for fixed hyperparameters,
     * the gradient needs no term for m's own change.
     */
    public static double logLikelihoodGradient(double[][] x, double[] y, boolean[] categorical, double[] hyper,
                                               double[] gradient, boolean profileMean) {
        GaussianProcess gp;
        try {
            gp = new GaussianProcess(x, y, categorical, hyper);
        } catch (IllegalStateException e) {
            Arrays.fill(gradient, 0);
            return Double.NEGATIVE_INFINITY;
        }
        int n = gp.n;
        int d = categorical.length;
        double[] inverse = gp.inverseFromCholesky();
        Arrays.fill(gradient, 0);
        double[] alpha = gp.alpha;
        double logLikelihood = gp.logMarginalLikelihood();
        if (profileMean) {
            double[] w = new double[n];
            Arrays.fill(w, 1);
            forward(gp.chol, n, w);
            backward(gp.chol, n, w); // K^-1 1
            double num = 0;
            double den = 0;
            for (int i = 0; i < n; i++) {
                num += alpha[i];
                den += w[i];
            }
            double m = num / den;
            alpha = alpha.clone();
            double fit = 0;
            for (int i = 0; i < n; i++) {
                alpha[i] -= m * w[i];
                fit += (y[i] - m) * alpha[i];
            }
            logLikelihood = -0.5 * fit - gp.logDeterminantHalf - 0.5 * n * Math.log(2 * Math.PI);
        }
        double[] perDimension = new double[d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k <= i; k++) {
                double w = alpha[i] * alpha[k] - inverse[i * n + k];
                if (k == i) {
                    w *= 0.5; // the diagonal appears once in the symmetric sum
                }
                double r2 = 0;
                for (int j = 0; j < d; j++) {
                    double diff = categorical[j] ? (x[i][j] == x[k][j] ? 0 : 1) : x[i][j] - x[k][j];
                    perDimension[j] = diff * diff * gp.inverseSquaredLengthscales[j];
                    r2 += perDimension[j];
                }
                double r = Math.sqrt(r2);
                double e = Math.exp(-SQRT5 * r);
                double kv = gp.signal * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
                double dkdr2 = -gp.signal * 5.0 / 6.0 * (1 + SQRT5 * r) * e;
                if (k != i) {
                    for (int j = 0; j < d; j++) {
                        // d r^2 / d log l_j = -2 diff^2 / l_j^2
                        gradient[j] += w * dkdr2 * (-2 * perDimension[j]);
                    }
                }
                gradient[d] += w * kv;
                if (k == i) {
                    gradient[d + 1] += w * gp.noise;
                }
            }
        }
        return logLikelihood;
    }

    private double[] inverseFromCholesky() {
        // M = L^-1 (lower triangular), column by column, then K^-1 = M^T M (lower half filled, symmetric).
        double[] m = new double[n * n];
        for (int c = 0; c < n; c++) {
            for (int i = c; i < n; i++) {
                double sum = i == c ? 1 : 0;
                for (int k = c; k < i; k++) {
                    sum -= chol[i * n + k] * m[k * n + c];
                }
                m[i * n + c] = sum / chol[i * n + i];
            }
        }
        double[] inverse = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k <= i; k++) {
                double sum = 0;
                for (int r = i; r < n; r++) {
                    sum += m[r * n + i] * m[r * n + k];
                }
                inverse[i * n + k] = sum;
                inverse[k * n + i] = sum;
            }
        }
        return inverse;
    }

    /** In-place Cholesky of the lower triangle of a row-major matrix; false if not positive definite. */
    static boolean cholesky(double[] a, int n) {
        for (int j = 0; j < n; j++) {
            int rowJ = j * n;
            double diagonal = a[rowJ + j];
            for (int k = 0; k < j; k++) {
                diagonal -= a[rowJ + k] * a[rowJ + k];
            }
            if (!(diagonal > 0)) {
                return false;
            }
            double l = Math.sqrt(diagonal);
            a[rowJ + j] = l;
            for (int i = j + 1; i < n; i++) {
                int rowI = i * n;
                double sum = a[rowI + j];
                for (int k = 0; k < j; k++) {
                    sum -= a[rowI + k] * a[rowJ + k];
                }
                a[rowI + j] = sum / l;
            }
        }
        return true;
    }

    /** Solves L z = b in place. */
    static void forward(double[] l, int n, double[] b) {
        for (int i = 0; i < n; i++) {
            double sum = b[i];
            int row = i * n;
            for (int k = 0; k < i; k++) {
                sum -= l[row + k] * b[k];
            }
            b[i] = sum / l[row + i];
        }
    }

    /** Solves L^T z = b in place. */
    static void backward(double[] l, int n, double[] b) {
        for (int i = n - 1; i >= 0; i--) {
            double sum = b[i] / l[i * n + i];
            b[i] = sum;
            for (int k = 0; k < i; k++) {
                b[k] -= l[i * n + k] * sum;
            }
        }
    }
}
