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
        int n = y.length;
        int dims = low.length;
        int[][] rank = ranks(x, dims);
        double[][] columns = new double[dims][n]; // by dimension: a split's scan reads one dimension of many rows
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dims; d++) {
                columns[d][i] = x[i][d];
            }
        }
        boolean[] left = new boolean[n];
        List<List<Leaf>> trees = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            int[] sample = new int[n];
            for (int i = 0; i < n; i++) {
                sample[i] = random.nextInt(n);
            }
            int[][] sorted = new int[dims][];
            for (int d = 0; d < dims; d++) {
                sorted[d] = sortedBy(sample, rank[d], n);
            }
            List<Leaf> leaves = new ArrayList<>();
            grow(columns, y, sample, sorted, left, low.clone(), high.clone(), minLeaf, 0, leaves);
            trees.add(List.copyOf(leaves));
        }
        return new RegressionForest(List.copyOf(trees));
    }

    /** Each row's rank in each dimension (equal values, equal ranks), so that samples sort by counting. */
    private static int[][] ranks(double[][] x, int dims) {
        int n = x.length;
        int[][] rank = new int[dims][n];
        Integer[] order = new Integer[n];
        for (int d = 0; d < dims; d++) {
            final int dim = d;
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(x[a][dim], x[b][dim]));
            for (int i = 0; i < n; i++) {
                rank[d][order[i]] = i > 0 && x[order[i]][d] == x[order[i - 1]][d] ? rank[d][order[i - 1]] : i;
            }
        }
        return rank;
    }

    /** The rows of {@code sample} ordered by rank, equal ranks in their order in the sample (a counting sort). */
    private static int[] sortedBy(int[] sample, int[] rank, int ranks) {
        int[] start = new int[ranks + 1];
        for (int row : sample) {
            start[rank[row] + 1]++;
        }
        for (int r = 0; r < ranks; r++) {
            start[r + 1] += start[r];
        }
        int[] out = new int[sample.length];
        for (int row : sample) {
            out[start[rank[row]]++] = row;
        }
        return out;
    }

    /**
     * Grows a tree from the node holding {@code rows} (in the sample's order), given as well in each dimension's order
     * ({@code sorted}), as classic CART does: no node sorts again, so a split costs a pass over the node's rows in
     * each dimension (sorting every node's rows in every dimension took 33.5 s for 2,000 trials of 200 parameters;
     * 5.9 s so).
     */
    private static void grow(double[][] columns, double[] y, int[] rows, int[][] sorted, boolean[] left, double[] low,
                             double[] high, int minLeaf, int depth, List<Leaf> leaves) {
        double sum = 0;
        for (int r : rows) {
            sum += y[r];
        }
        double mean = sum / rows.length;
        Split best = depth < MAX_DEPTH && rows.length >= 2 * minLeaf ? bestSplit(columns, y, rows, sorted, minLeaf) : null;
        if (best == null) {
            leaves.add(new Leaf(low, high, mean));
            return;
        }
        double[] column = columns[best.dim];
        int leftCount = 0;
        for (int r : rows) {
            left[r] = column[r] < best.threshold;
            if (left[r]) {
                leftCount++;
            }
        }
        int[] leftRows = new int[leftCount];
        int[] rightRows = new int[rows.length - leftCount];
        split(rows, left, leftRows, rightRows);
        int[][] leftSorted = new int[sorted.length][];
        int[][] rightSorted = new int[sorted.length][];
        for (int d = 0; d < sorted.length; d++) {
            leftSorted[d] = new int[leftCount];
            rightSorted[d] = new int[rows.length - leftCount];
            split(sorted[d], left, leftSorted[d], rightSorted[d]);
        }
        double[] leftHigh = high.clone();
        leftHigh[best.dim] = best.threshold;
        double[] rightLow = low.clone();
        rightLow[best.dim] = best.threshold;
        grow(columns, y, leftRows, leftSorted, left, low, leftHigh, minLeaf, depth + 1, leaves);
        grow(columns, y, rightRows, rightSorted, left, rightLow, high, minLeaf, depth + 1, leaves);
    }

    /** Splits {@code rows} by {@code left}, keeping their order on each side. */
    private static void split(int[] rows, boolean[] left, int[] leftRows, int[] rightRows) {
        int l = 0;
        int r = 0;
        for (int row : rows) {
            if (left[row]) {
                leftRows[l++] = row;
            } else {
                rightRows[r++] = row;
            }
        }
    }

    private record Split(int dim, double threshold, double gain) {
    }

    /** The split of largest squared-error reduction over all dimensions, or null if none reduces it. */
    private static Split bestSplit(double[][] columns, double[] y, int[] rows, int[][] sorted, int minLeaf) {
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
        for (int dim = 0; dim < sorted.length; dim++) {
            int[] order = sorted[dim];
            double[] column = columns[dim];
            double leftSum = 0;
            double leftSq = 0;
            for (int i = 0; i < n - 1; i++) {
                double v = y[order[i]];
                leftSum += v;
                leftSq += v * v;
                int nl = i + 1;
                double here = column[order[i]];
                double next = column[order[i + 1]];
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
