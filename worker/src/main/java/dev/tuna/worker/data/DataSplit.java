package dev.tuna.worker.data;

import java.util.Random;

/**
 * A training set and a held-out validation set.
 *
 * @param train samples the model is fitted on
 * @param validation held-out samples the metrics are computed on
 */
public record DataSplit(LabeledData train, LabeledData validation) {

    /**
     * Shuffles the samples with the seed and holds out {@code validationFraction} of them (at least one each side).
     */
    public static DataSplit of(LabeledData data, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction: must be in (0, 1), got " + validationFraction);
        }
        if (data.size() < 2) {
            throw new IllegalArgumentException("data: need at least 2 samples to split, got " + data.size());
        }
        int[] order = permutation(data.size(), seed);
        int validation = (int) Math.max(1, Math.min(data.size() - 1, Math.round(data.size() * validationFraction)));
        int[] val = new int[validation];
        int[] train = new int[data.size() - validation];
        System.arraycopy(order, 0, val, 0, validation);
        System.arraycopy(order, validation, train, 0, train.length);
        return new DataSplit(data.subset(train), data.subset(val));
    }

    /** A seeded Fisher-Yates permutation of {@code 0..n-1}. */
    public static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * Standardises every feature to zero mean and unit variance with the training set's statistics (applied to
     * both sides, so nothing leaks from validation); a constant feature is only centred.
     *
     * @throws IllegalArgumentException if every feature is constant over the training rows
     */
    public DataSplit standardized() {
        int f = train.featureCount();
        double[] mean = new double[f];
        double[] sq = new double[f];
        float[] x = train.features();
        int n = train.size();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                mean[j] += x[i * f + j];
            }
        }
        for (int j = 0; j < f; j++) {
            mean[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                double d = x[i * f + j] - mean[j];
                sq[j] += d * d;
            }
        }
        double[] std = new double[f];
        boolean varies = false;
        for (int j = 0; j < f; j++) {
            double s = Math.sqrt(sq[j] / n);
            std[j] = s > 1e-12 ? s : 1;
            varies |= s > 1e-12;
        }
        if (!varies) {
            // Every input would be 0 once centred, and every trial fail on DJL's "gradient values are all zeros".
            throw new IllegalArgumentException("every feature has the same value in all " + n + " training rows: nothing"
                    + " to learn from" + (n < 10 ? " (the validation share leaves " + n + " of " + (n + validation.size())
                    + " rows for training)" : ""));
        }
        return new DataSplit(apply(train, mean, std), apply(validation, mean, std));
    }

    private static LabeledData apply(LabeledData data, double[] mean, double[] std) {
        int f = data.featureCount();
        float[] x = data.features();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int j = i % f;
            out[i] = (float) ((x[i] - mean[j]) / std[j]);
        }
        return new LabeledData(out, data.sampleShape(), data.labels(), data.numClasses());
    }
}
