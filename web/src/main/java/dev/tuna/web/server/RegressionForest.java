package dev.tuna.web.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A random forest of regression trees (bootstrap samples, each split the one that most reduces the squared error,
 * at the midpoint between two neighbouring values), kept as what fANOVA needs: each tree's leaves, each leaf the
 * box of the input space it covers and its mean value. The boxes of one tree partition the domain given to
 * {@link #fit}.
 */
final class RegressionForest {
    /** A leaf: the box {@code [low, high)} in every dimension and the mean of its training values. */
    record Leaf(double[] low, double[] high, double value) {
    }

    private static final int MAX_DEPTH = 64;
    private final List<List<Leaf>> trees;

    private RegressionForest(List<List<Leaf>> trees) {
        this.trees = trees;
    }

    /** Each tree's leaves. */
    List<List<Leaf>> trees() {
        return trees;
    }

    /**
     * Fits {@code count} trees to {@code y ~ x}.
     *
     * @param x      one row per sample, one column per dimension, each inside {@code [low, high]}
     * @param low    the domain's lower bounds
     * @param high   the domain's upper bounds
     * @param minLeaf the fewest samples a leaf keeps
     * @param seed   the seed of the bootstrap samples (the same seed, the same forest)
     */
    static RegressionForest fit(double[][] x, double[] y, double[] low, double[] high, int count, int minLeaf, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<List<Leaf>> trees = new ArrayList<>(count);
        int n = y.length;
        for (int t = 0; t < count; t++) {
            int[] sample = new int[n];
            for (int i = 0; i < n; i++) {
                sample[i] = random.nextInt(n);
            }
            List<Leaf> leaves = new ArrayList<>();
            grow(x, y, sample, low.clone(), high.clone(), minLeaf, 0, leaves);
            trees.add(List.copyOf(leaves));
        }
        return new RegressionForest(List.copyOf(trees));
    }

    private static void grow(double[][] x, double[] y, int[] rows, double[] low, double[] high, int minLeaf, int depth,
                             List<Leaf> leaves) {
        double sum = 0;
        for (int r : rows) {
            sum += y[r];
        }
        double mean = sum / rows.length;
        Split best = depth < MAX_DEPTH && rows.length >= 2 * minLeaf ? bestSplit(x, y, rows, minLeaf) : null;
        if (best == null) {
            leaves.add(new Leaf(low, high, mean));
            return;
        }
        int[] left = Arrays.stream(rows).filter(r -> x[r][best.dim] < best.threshold).toArray();
        int[] right = Arrays.stream(rows).filter(r -> x[r][best.dim] >= best.threshold).toArray();
        double[] leftHigh = high.clone();
        leftHigh[best.dim] = best.threshold;
        double[] rightLow = low.clone();
        rightLow[best.dim] = best.threshold;
        grow(x, y, left, low, leftHigh, minLeaf, depth + 1, leaves);
        grow(x, y, right, rightLow, high, minLeaf, depth + 1, leaves);
    }

    private record Split(int dim, double threshold, double gain) {
    }

    /** The split of largest squared-error reduction over all dimensions, or null if none reduces it. */
    private static Split bestSplit(double[][] x, double[] y, int[] rows, int minLeaf) {
        int n = rows.length;
        double total = 0;
        double totalSq = 0;
        for (int r : rows) {
            total += y[r];
            totalSq += y[r] * y[r];
        }
        double parentError = totalSq - total * total / n;
        if (!(parentError > 1e-12 * Math.max(1, totalSq))) {
            return null;
        }
        Split best = null;
        Integer[] order = new Integer[n];
        for (int d = 0; d < x[rows[0]].length; d++) {
            final int dim = d;
            for (int i = 0; i < n; i++) {
                order[i] = rows[i];
            }
            Arrays.sort(order, (a, b) -> Double.compare(x[a][dim], x[b][dim]));
            double leftSum = 0;
            double leftSq = 0;
            for (int i = 0; i < n - 1; i++) {
                double v = y[order[i]];
                leftSum += v;
                leftSq += v * v;
                int nl = i + 1;
                double here = x[order[i]][dim];
                double next = x[order[i + 1]][dim];
                if (nl < minLeaf || n - nl < minLeaf || here == next) {
                    continue;
                }
                double rightSum = total - leftSum;
                double error = leftSq - leftSum * leftSum / nl + (totalSq - leftSq) - rightSum * rightSum / (n - nl);
                double gain = parentError - error;
                if (gain > 1e-12 * Math.max(1, totalSq) && (best == null || gain > best.gain)) {
                    best = new Split(dim, (here + next) / 2, gain);
                }
            }
        }
        return best;
    }
}
