package dev.tuna.worker.data;

import java.util.Arrays;

/**
 * Samples held in plain Java arrays: {@code size()} samples of shape {@link #sampleShape()} stored row-major in
 * {@link #features()}, one label each (a class index as a float, or a real value).
 *
 * @param features row-major feature values, {@code size() * featureCount()} of them
 * @param sampleShape shape of one sample ({@code [784]}, {@code [1, 28, 28]}, {@code [2]}, ...)
 * @param labels one label per sample
 * @param numClasses number of classes for classification, 0 for regression
 */
public record LabeledData(float[] features, long[] sampleShape, float[] labels, int numClasses) {

    public LabeledData {
        long count = 1;
        for (long d : sampleShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("sampleShape: dimensions must be positive, got " + Arrays.toString(sampleShape));
            }
            count *= d;
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("labels: a dataset needs at least one sample");
        }
        if ((long) labels.length * count != features.length) {
            throw new IllegalArgumentException("features: expected " + labels.length * count + " values for " + labels.length
                    + " samples of shape " + Arrays.toString(sampleShape) + ", got " + features.length);
        }
        if (numClasses < 0) {
            throw new IllegalArgumentException("numClasses: must be >= 0, got " + numClasses);
        }
        for (int i = 0; i < labels.length && numClasses > 0; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses || labels[i] != Math.rint(labels[i])) {
                throw new IllegalArgumentException("labels: sample " + i + " has label " + labels[i] + ", not a class in 0.." + (numClasses - 1));
            }
        }
        sampleShape = sampleShape.clone();
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** Number of feature values per sample (the product of the sample shape). */
    public int featureCount() {
        return features.length / labels.length;
    }

    /** Classification or regression. */
    public Task task() {
        return numClasses > 0 ? Task.CLASSIFICATION : Task.REGRESSION;
    }

    @Override
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** The samples at the given indices, in that order. */
    public LabeledData subset(int[] indices) {
        int f = featureCount();
        float[] x = new float[indices.length * f];
        float[] y = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(features, indices[i] * f, x, i * f, f);
            y[i] = labels[indices[i]];
        }
        return new LabeledData(x, sampleShape, y, numClasses);
    }

    /** The same samples seen with another sample shape of the same size (flat 784 vs 1x28x28). */
    public LabeledData reshape(long... shape) {
        return new LabeledData(features, shape, labels, numClasses);
    }
}
