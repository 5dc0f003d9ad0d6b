package dev.tuna.worker.metrics;

import java.util.Arrays;

/**
 * Validation metrics of a classifier, computed in plain Java from class scores and true labels.
 *
 * <p>Precision, recall and F1 are macro averages over the classes that occur in the labels or the predictions
 * (a class never predicted has precision 0, as scikit-learn's default). AUC is one-vs-rest, macro-averaged over
 * the classes that have both positive and negative samples, each by ranks (Mann-Whitney, ties get their mean
 * rank); NaN when no class qualifies.
 *
 * @param accuracy fraction of samples whose highest score is the true class
 * @param precision macro precision
 * @param recall macro recall
 * @param f1 macro F1
 * @param auc one-vs-rest macro AUC
 */
public record ClassificationMetrics(double accuracy, double precision, double recall, double f1, double auc) {

    /** {@code 1 - accuracy}. */
    public double errorRate() {
        return 1 - accuracy;
    }

    /**
     * @param scores {@code n * classes} scores, row-major (probabilities or logits: only their order matters)
     * @param labels the true class of each of the {@code n} samples
     */
    public static ClassificationMetrics of(float[] scores, int[] labels, int classes) {
        int n = labels.length;
        if (classes < 2 || scores.length != n * classes || n == 0) {
            throw new IllegalArgumentException("scores: expected " + n + " x " + classes + " values (n > 0, classes >= 2), got " + scores.length);
        }
        int[] truePos = new int[classes];
        int[] predicted = new int[classes];
        int[] actual = new int[classes];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (scores[i * classes + c] > scores[i * classes + best]) {
                    best = c;
                }
            }
            predicted[best]++;
            actual[labels[i]]++;
            if (best == labels[i]) {
                truePos[best]++;
                correct++;
            }
        }
        double p = 0;
        double r = 0;
        double f = 0;
        int counted = 0;
        for (int c = 0; c < classes; c++) {
            if (predicted[c] == 0 && actual[c] == 0) {
                continue;
            }
            double pc = predicted[c] == 0 ? 0 : (double) truePos[c] / predicted[c];
            double rc = actual[c] == 0 ? 0 : (double) truePos[c] / actual[c];
            p += pc;
            r += rc;
            f += pc + rc == 0 ? 0 : 2 * pc * rc / (pc + rc);
            counted++;
        }
        double aucSum = 0;
        int aucCount = 0;
        double[] column = new double[n];
        boolean[] positive = new boolean[n];
        for (int c = 0; c < classes; c++) {
            if (actual[c] == 0 || actual[c] == n) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                column[i] = scores[i * classes + c];
                positive[i] = labels[i] == c;
            }
            aucSum += auc(column, positive);
            aucCount++;
        }
        return new ClassificationMetrics((double) correct / n, p / counted, r / counted, f / counted,
                aucCount == 0 ? Double.NaN : aucSum / aucCount);
    }

    /** Binary AUC: the probability that a random positive scores above a random negative (ties count half). */
    public static double auc(double[] scores, boolean[] positive) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double rankSumPositive = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double meanRank = (i + j) / 2.0 + 1; // ranks are 1-based
            for (int k = i; k <= j; k++) {
                if (positive[order[k]]) {
                    rankSumPositive += meanRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
