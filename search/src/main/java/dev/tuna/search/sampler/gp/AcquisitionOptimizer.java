package dev.tuna.search.sampler.gp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.apache.commons.math3.random.SobolSequenceGenerator;

/**
 * Maximises log expected improvement over the GP's domain, or a box of it. With several posteriors (one per
 * hyperparameter sample, see {@link MapFit#laplaceSamples}), the acquisition is the log of their average EI, an
 * estimate of EI integrated over the hyperparameters' posterior (as Snoek, Larochelle and Adams, 2012, do by MCMC).
 * It scores many quasi-random candidates (a randomly shifted Sobol set, plus perturbations of the best points seen
 * so far, where the optimum usually is), then refines the best few with L-BFGS-B on the continuous dimensions,
 * alternated with exhaustive sweeps of each discrete dimension (every choice or grid cell, one dimension at a
 * time).
 */
public final class AcquisitionOptimizer {
    /** Quasi-random candidates scored per suggestion. */
    public static final int CANDIDATES = 1024;
    private static final int STARTS = 4;
    private static final int LOCAL_PER_INCUMBENT = 32;
    private static final int INCUMBENTS = 4;

    private final List<GaussianProcess> gps;
    private final double[] bests;
    private final double[][] grids;
    private final int d;
    private final boolean anyContinuous;
    private final boolean anyDiscrete;

    /**
     * @param gp    the posterior (in standardised minimisation form)
     * @param best  the incumbent: the lowest standardised observation
     * @param grids per dimension, its discrete coordinates, or null for a continuous [0, 1] dimension
     */
    public AcquisitionOptimizer(GaussianProcess gp, double best, double[][] grids) {
        this(List.of(gp), new double[] {best}, grids);
    }

    /**
     * @param gps   posteriors of the same data under different hyperparameters, weighted equally
     * @param bests each posterior's incumbent, in its own units
     * @param grids per dimension, its discrete coordinates, or null for a continuous [0, 1] dimension
     */
    public AcquisitionOptimizer(List<GaussianProcess> gps, double[] bests, double[][] grids) {
        if (gps.isEmpty() || gps.size() != bests.length) {
            throw new IllegalArgumentException("gps and bests must be non-empty and of one length, got "
                    + gps.size() + " and " + bests.length);
        }
        this.gps = List.copyOf(gps);
        this.bests = bests.clone();
        this.grids = grids;
        this.d = grids.length;
        boolean continuous = false;
        boolean discrete = false;
        for (double[] g : grids) {
            continuous |= g == null;
            discrete |= g != null;
        }
        this.anyContinuous = continuous;
        this.anyDiscrete = discrete;
    }

    /** Log EI at a point: with several posteriors, the log of their mean EI. */
    public double logEi(double[] q) {
        double[] values = new double[gps.size()];
        for (int k = 0; k < values.length; k++) {
            double[] p = gps.get(k).posterior(q, null, null);
            values[k] = LogEi.value(p[0], Math.sqrt(p[1]), bests[k]);
        }
        return logMeanExp(values);
    }

    /** log((e^v1 + ... + e^vm) / m) without overflow or underflow. */
    static double logMeanExp(double[] values) {
        if (values.length == 1) {
            return values[0];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum / values.length);
    }

    /**
     * The point of highest log EI found.
     *
     * @param incumbents the best observed points (best first), seeds of the local candidates
     */
    public double[] maximise(SplittableRandom random, List<double[]> incumbents) {
        return maximiseNear(random, incumbents, new double[d], 1, point -> false); // that box is the whole cube
    }

    /**
     * The point of highest log EI found in the box {@code |x_j - centre_j| <= halfWidth} (clipped to the unit cube)
     * of the continuous dimensions; discrete dimensions keep their whole grid.
     *
     * @param incumbents the best observed points (best first), seeds of the local candidates
     * @param taken      points not to propose (already tried): the best point that is not taken is returned, or the
     *                   best point when every candidate is taken
     */
    public double[] maximiseNear(SplittableRandom random, List<double[]> incumbents, double[] centre,
                                 double halfWidth, Predicate<double[]> taken) {
        return maximiseNear(random, incumbents, centre, halfWidth, -1, Double.NaN, taken);
    }

    /**
     * As {@link #maximiseNear(SplittableRandom, List, double[], double, Predicate)}, with discrete dimension
     * {@code fixed} held at grid coordinate {@code value} (-1: none held).
     */
    public double[] maximiseNear(SplittableRandom random, List<double[]> incumbents, double[] centre,
                                 double halfWidth, int fixed, double value, Predicate<double[]> taken) {
        double[][] choices = grids.clone();
        double[] lower = new double[d];
        double[] upper = new double[d];
        for (int j = 0; j < d; j++) {
            lower[j] = grids[j] == null ? Math.max(0, centre[j] - halfWidth) : 0;
            upper[j] = grids[j] == null ? Math.min(1, centre[j] + halfWidth) : 1;
        }
        if (fixed >= 0) {
            choices[fixed] = new double[] {value};
        }
        return maximise(random, incumbents, lower, upper, choices, taken);
    }

    /** Here {@code choices[j]} are the coordinates discrete dimension j may take (its grid, or part of it). */
    private double[] maximise(SplittableRandom random, List<double[]> incumbents, double[] lower, double[] upper,
                              double[][] choices, Predicate<double[]> taken) {
        List<double[]> candidates = new ArrayList<>(CANDIDATES + INCUMBENTS * LOCAL_PER_INCUMBENT);
        SobolSequenceGenerator sobol = new SobolSequenceGenerator(d);
        double[] shift = new double[d];
        for (int j = 0; j < d; j++) {
            shift[j] = random.nextDouble();
        }
        for (int i = 0; i < CANDIDATES; i++) {
            double[] u = sobol.nextVector();
            double[] c = new double[d];
            for (int j = 0; j < d; j++) {
                double v = u[j] + shift[j];
                double u01 = lower[j] + (upper[j] - lower[j]) * (v >= 1 ? v - 1 : v);
                c[j] = choices[j] == null ? u01 : choices[j][Math.min(choices[j].length - 1, (int) (u01 * choices[j].length))];
            }
            candidates.add(c);
        }
        for (int k = 0; k < Math.min(INCUMBENTS, incumbents.size()); k++) {
            double[] centre = incumbents.get(k);
            for (int i = 0; i < LOCAL_PER_INCUMBENT; i++) {
                double scale = i < LOCAL_PER_INCUMBENT / 2 ? 0.02 : 0.1;
                double[] c = centre.clone();
                for (int j = 0; j < d; j++) {
                    if (grids[j] == null) {
                        c[j] = Math.max(lower[j], Math.min(upper[j], c[j] + scale * random.nextGaussian()));
                    } else if (choices[j].length == 1) {
                        c[j] = choices[j][0];
                    } else if (random.nextDouble() < 1.0 / d) {
                        c[j] = choices[j][random.nextInt(choices[j].length)];
                    }
                }
                candidates.add(c);
            }
        }
        double[] scores = new double[candidates.size()];
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = logEi(candidates.get(i));
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> -scores[i]));
        double[] bestPoint = candidates.get(order[0]);
        double bestScore = scores[order[0]];
        for (int s = 0; s < Math.min(STARTS, order.length); s++) {
            double[] point = refine(candidates.get(order[s]).clone(), lower, upper, choices);
            double score = logEi(point);
            if (score > bestScore && !taken.test(point)) {
                bestScore = score;
                bestPoint = point;
            }
        }
        if (taken.test(bestPoint)) {
            // Where the refined points are all taken (on a small grid the sweeps lead back to the incumbent), the
            // best candidate that is not.
            for (Integer i : order) {
                if (!taken.test(candidates.get(i))) {
                    return candidates.get(i);
                }
            }
        }
        return bestPoint;
    }

    /** Alternates gradient steps on continuous dimensions with exhaustive sweeps of discrete ones. */
    private double[] refine(double[] point, double[] lower, double[] upper, double[][] choices) {
        double score = logEi(point);
        for (int round = 0; round < (anyDiscrete ? 3 : 1); round++) {
            double before = score;
            if (anyContinuous) {
                point = continuousStep(point, lower, upper);
                score = logEi(point);
            }
            if (anyDiscrete) {
                for (int j = 0; j < d; j++) {
                    if (grids[j] == null) {
                        continue;
                    }
                    double keep = point[j];
                    double bestValue = keep;
                    for (double v : choices[j]) {
                        point[j] = v;
                        double s = logEi(point);
                        if (s > score) {
                            score = s;
                            bestValue = v;
                        }
                    }
                    point[j] = bestValue;
                }
            }
            if (score <= before + 1e-9 && round > 0) {
                break;
            }
        }
        return point;
    }

    private double[] continuousStep(double[] start, double[] boxLower, double[] boxUpper) {
        double[] lower = new double[d];
        double[] upper = new double[d];
        for (int j = 0; j < d; j++) {
            // Discrete dimensions stay where they are; their sweeps are exhaustive.
            lower[j] = grids[j] == null ? boxLower[j] : start[j];
            upper[j] = grids[j] == null ? boxUpper[j] : start[j];
        }
        double[] gradMean = new double[d];
        double[] gradVar = new double[d];
        int m = gps.size();
        double[] values = new double[m];
        double[][] gradients = new double[m][d];
        Lbfgsb.Function negativeLogEi = (q, gradient) -> {
            for (int k = 0; k < m; k++) {
                double[] p = gps.get(k).posterior(q, gradMean, gradVar);
                double sigma = Math.sqrt(p[1]);
                double z = (bests[k] - p[0]) / sigma;
                values[k] = Math.log(sigma) + LogEi.logH(z);
                double ratio = LogEi.dLogH(z);
                double dMean = -ratio / sigma;
                double dSigma = 1 / sigma - ratio * z / sigma;
                for (int j = 0; j < d; j++) {
                    gradients[k][j] = dMean * gradMean[j] + dSigma * gradVar[j] / (2 * sigma);
                }
            }
            double value = logMeanExp(values);
            // d/dq log mean exp(v_k) = sum_k w_k dv_k/dq, with w_k = exp(v_k - value) / m (softmax weights).
            Arrays.fill(gradient, 0);
            for (int k = 0; k < m; k++) {
                double w = m == 1 ? 1 : Math.exp(values[k] - value) / m;
                for (int j = 0; j < d; j++) {
                    gradient[j] -= w * gradients[k][j];
                }
            }
            return -value;
        };
        return Lbfgsb.minimize(negativeLogEi, start, lower, upper, 60, 1e-7).x();
    }
}
