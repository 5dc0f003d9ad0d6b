package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.search.diagnosis.BlowUps;
import java.util.NavigableMap;

/** Argument checks and number formatting shared by the pruners. */
final class Checks {
    private Checks() {
    }

    static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a positive finite number, got " + value);
        }
        return value;
    }

    static double above(String field, double value, double min) {
        if (!(value > min) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a finite number above " + fmt(min) + ", got " + value);
        }
        return value;
    }

    static double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a finite number of at least 0, got " + value);
        }
        return value;
    }

    /**
     * Whether {@code step}, the trial's last report, is its first report at or after the latest pruning step
     * ({@code nWarmupSteps + k * intervalSteps}), as Optuna decides when a pruner looks: so a trial that reports
     * every 3 steps is still checked once per interval of 2.
     */
    static boolean firstInInterval(NavigableMap<Integer, Double> values, int step, int nWarmupSteps,
                                   int intervalSteps) {
        int nearestLower = (step - nWarmupSteps) / intervalSteps * intervalSteps + nWarmupSteps;
        Integer secondLast = values.lowerKey(step);
        return (secondLast == null ? -1 : secondLast) < nearestLower;
    }

    /** A value as a person reads it: four significant digits, no trailing zeros. */
    static String fmt(double value) {
        return BlowUps.format(value);
    }

    /** "<" or ">": how a worse value compares with the better one in this direction. */
    static String worseSign(Direction direction) {
        return direction == Direction.MINIMIZE ? ">" : "<";
    }

    /** "above" or "below": where a worse value lies in this direction. */
    static String worseSide(Direction direction) {
        return direction == Direction.MINIMIZE ? "above" : "below";
    }

    /** An ordinal as in "25th". */
    static String ordinal(double p) {
        String n = fmt(p);
        if (n.contains(".")) {
            return n + "th";
        }
        int i = (int) p;
        int mod100 = i % 100;
        String suffix = mod100 >= 11 && mod100 <= 13 ? "th" : switch (i % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }
}
