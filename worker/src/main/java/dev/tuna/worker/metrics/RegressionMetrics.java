package dev.tuna.worker.metrics;

/**
 * Validation metrics of a regressor, computed in plain Java.
 *
 * @param mse mean squared error
 * @param mae mean absolute error
 * @param r2 coefficient of determination, {@code 1 - SS_res / SS_tot} (NaN when the targets are constant)
 */
public record RegressionMetrics(double mse, double mae, double r2) {

    /** Metrics of {@code predictions} against {@code targets} (same length, at least one). */
    public static RegressionMetrics of(float[] predictions, float[] targets) {
        int n = targets.length;
        if (n == 0 || predictions.length != n) {
            throw new IllegalArgumentException("predictions: expected " + n + " values (n > 0), got " + predictions.length);
        }
        double mean = 0;
        for (float t : targets) {
            mean += t;
        }
        mean /= n;
        double se = 0;
        double ae = 0;
        double tot = 0;
        for (int i = 0; i < n; i++) {
            double e = predictions[i] - targets[i];
            se += e * e;
            ae += Math.abs(e);
            tot += (targets[i] - mean) * (targets[i] - mean);
        }
        return new RegressionMetrics(se / n, ae / n, tot == 0 ? Double.NaN : 1 - se / tot);
    }
}
