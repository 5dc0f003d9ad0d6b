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
     * @param logits {@code n * classes} logits (unnormalised log-probabilities, as a network before its softmax
     *     gives them), row-major
     * @param labels the true class of each of the {@code n} samples
     */
    public static ClassificationMetrics of(float[] logits, int[] labels, int classes) {
        int n = labels.length;
        if (classes < 2 || logits.length != n * classes || n == 0) {
            throw new IllegalArgumentException("logits: expected " + n + " x " + classes + " values (n > 0, classes >= 2), got " + logits.length);
        }
        // One-vs-rest AUC ranks the samples by each class's probability. Ranked by its logit instead, a sample whose
        // logits are all high would outrank one that is surer of the class: a perfect binary classifier scored 0.5.
        double[] scores = logSoftmax(logits, n, classes);
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

    /** Each row's log-probabilities: the logits less the row's log-sum-exp (shifted by its maximum, to stay finite). */
    private static double[] logSoftmax(float[] logits, int n, int classes) {
        double[] out = new double[logits.length];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[i * classes + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[i * classes + c] - max);
            }
            double logSum = max + Math.log(sum);
            for (int c = 0; c < classes; c++) {
                out[i * classes + c] = logits[i * classes + c] - logSum;
            }
        }
        return out;
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
