package dev.tuna.worker.data;

import java.util.Random;

/** Small synthetic datasets, the same for the same seed. */
public final class SyntheticData {
    private SyntheticData() {
    }

    /** {@code classes} interleaved spiral arms in the plane (hard for linear models), with Gaussian noise. */
    public static LabeledData spirals(int samples, int classes, double noise, long seed) {
        check(samples, classes);
        Random random = new Random(seed);
        float[] x = new float[samples * 2];
        float[] y = new float[samples];
        for (int i = 0; i < samples; i++) {
            int c = i % classes;
            double t = random.nextDouble();
            double r = 0.1 + 0.9 * t;
            double angle = 3 * Math.PI * t + 2 * Math.PI * c / classes;
            x[2 * i] = (float) (r * Math.cos(angle) + noise * random.nextGaussian());
            x[2 * i + 1] = (float) (r * Math.sin(angle) + noise * random.nextGaussian());
            y[i] = c;
        }
        return new LabeledData(x, new long[] {2}, y, classes);
    }

    /** Two interleaving half circles (scikit-learn's "moons"), with Gaussian noise. */
    public static LabeledData moons(int samples, double noise, long seed) {
        check(samples, 2);
        Random random = new Random(seed);
        float[] x = new float[samples * 2];
        float[] y = new float[samples];
        for (int i = 0; i < samples; i++) {
            int c = i % 2;
            double t = Math.PI * random.nextDouble();
            double px = c == 0 ? Math.cos(t) : 1 - Math.cos(t);
            double py = c == 0 ? Math.sin(t) : 0.5 - Math.sin(t);
            x[2 * i] = (float) (px + noise * random.nextGaussian());
            x[2 * i + 1] = (float) (py + noise * random.nextGaussian());
            y[i] = c;
        }
        return new LabeledData(x, new long[] {2}, y, 2);
    }

    /** Isotropic Gaussian blobs: {@code centers} classes around random centres in {@code [-5, 5]^dims}. */
    public static LabeledData blobs(int samples, int centers, int dims, double std, long seed) {
        check(samples, centers);
        if (dims < 1) {
            throw new IllegalArgumentException("dims: must be >= 1, got " + dims);
        }
        Random random = new Random(seed);
        double[][] c = new double[centers][dims];
        for (double[] center : c) {
            for (int d = 0; d < dims; d++) {
                center[d] = -5 + 10 * random.nextDouble();
            }
        }
        float[] x = new float[samples * dims];
        float[] y = new float[samples];
        for (int i = 0; i < samples; i++) {
            int k = i % centers;
            for (int d = 0; d < dims; d++) {
                x[i * dims + d] = (float) (c[k][d] + std * random.nextGaussian());
            }
            y[i] = k;
        }
        return new LabeledData(x, new long[] {dims}, y, centers);
    }

    /**
     * Noisy regression: {@code y = w.x + 0.5 sin(3 x0) + noise}, features standard normal, weights drawn from the
     * seed.
     */
    public static LabeledData regression(int samples, int features, double noise, long seed) {
        if (samples < 2 || features < 1) {
            throw new IllegalArgumentException("regression: need samples >= 2 and features >= 1, got " + samples + ", " + features);
        }
        Random random = new Random(seed);
        double[] w = new double[features];
        for (int d = 0; d < features; d++) {
            w[d] = random.nextGaussian();
        }
        float[] x = new float[samples * features];
        float[] y = new float[samples];
        for (int i = 0; i < samples; i++) {
            double t = 0;
            for (int d = 0; d < features; d++) {
                double v = random.nextGaussian();
                x[i * features + d] = (float) v;
                t += w[d] * v;
            }
            t += 0.5 * Math.sin(3 * x[i * features]) + noise * random.nextGaussian();
            y[i] = (float) t;
        }
        return new LabeledData(x, new long[] {features}, y, 0);
    }

    private static void check(int samples, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("classes: need at least 2, got " + classes);
        }
        if (samples < classes) {
            throw new IllegalArgumentException("samples: need at least one per class (" + classes + "), got " + samples);
        }
    }
}
