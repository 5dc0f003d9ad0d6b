package dev.tuna.search.sampler.gp;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;

/**
 * Maps a parameter's internal value to the GP's coordinate and back: numbers to [0, 1] (log scales in log space;
 * integers and stepped floats to the centre of their cell, {@code (k + 1/2) / points}, the range widened by half
 * a step at each end), categoricals to their index (the kernel compares them with a Hamming term). The inverse
 * is the distribution's own {@link Distribution#fromUnit}, which cuts [0, 1) into the same cells.
 */
public final class UnitEncoding {
    /** Numeric dimensions with at most this many values are searched exhaustively rather than by gradient. */
    public static final int MAX_DISCRETE_POINTS = 32;

    private UnitEncoding() {
    }

    /** The coordinate of an internal value. */
    public static double encode(Distribution distribution, double internal) {
        if (distribution instanceof CategoricalDistribution) {
            return internal;
        }
        if (distribution instanceof IntDistribution d) {
            if (d.log()) {
                double lo = Math.log(d.low() - 0.5);
                return (Math.log(internal) - lo) / (Math.log(d.high() + 0.5) - lo);
            }
            long points = ((long) d.high() - d.low()) / d.step() + 1;
            return (Math.round((internal - d.low()) / d.step()) + 0.5) / points;
        }
        FloatDistribution d = (FloatDistribution) distribution;
        if (d.step() != null) {
            long points = Math.round((d.high() - d.low()) / d.step()) + 1;
            return (Math.round((internal - d.low()) / d.step()) + 0.5) / points;
        }
        if (d.log()) {
            return (Math.log(internal) - Math.log(d.low())) / (Math.log(d.high()) - Math.log(d.low()));
        }
        return (internal - d.low()) / (d.high() - d.low());
    }

    /** The external value of a coordinate. */
    public static Object decode(Distribution distribution, double coordinate) {
        if (distribution instanceof CategoricalDistribution c) {
            return c.choices().get((int) Math.round(coordinate));
        }
        return distribution.fromUnit(Math.max(0, Math.min(Math.nextDown(1.0), coordinate)));
    }

    /**
     * The cell of a point: the coordinates its values take once decoded and encoded again, so that two points the
     * same parameter values are made from (on integer or stepped grids, or choices) have the same cell.
     */
    public static java.util.List<Double> cell(double[] point, Distribution[] distributions) {
        java.util.List<Double> cell = new java.util.ArrayList<>(point.length);
        for (int j = 0; j < point.length; j++) {
            Object value = decode(distributions[j], point[j]);
            cell.add(encode(distributions[j], distributions[j].toInternal(value)));
        }
        return cell;
    }

    /** Whether the dimension is a categorical (compared by equality in the kernel). */
    public static boolean isCategorical(Distribution distribution) {
        return distribution instanceof CategoricalDistribution;
    }

    /**
     * Every coordinate a discrete dimension can take (choice indices, or the cells of a small numeric grid), or
     * null for a dimension searched continuously.
     */
    public static double[] grid(Distribution distribution) {
        if (distribution instanceof CategoricalDistribution c) {
            double[] g = new double[c.choices().size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = i;
            }
            return g;
        }
        long points;
        if (distribution instanceof IntDistribution d) {
            points = ((long) d.high() - d.low()) / d.step() + 1;
        } else {
            FloatDistribution d = (FloatDistribution) distribution;
            if (d.step() == null) {
                return null;
            }
            points = Math.round((d.high() - d.low()) / d.step()) + 1;
        }
        if (points > MAX_DISCRETE_POINTS) {
            return null;
        }
        double[] g = new double[(int) points];
        for (int k = 0; k < points; k++) {
            double internal = distribution instanceof IntDistribution d
                    ? d.low() + (double) k * d.step()
                    : ((FloatDistribution) distribution).low() + k * ((FloatDistribution) distribution).step();
            g[k] = encode(distribution, internal);
        }
        return g;
    }
}
