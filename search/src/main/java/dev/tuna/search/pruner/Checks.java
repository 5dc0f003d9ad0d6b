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

    /**
     * {@code "value sign bar"}, each with as many significant digits as it takes to tell them apart (4 at least):
     * 0.79166666 and 0.79166667 read "0.7917 < 0.7917" in a reason, as if the trial were pruned for a tie.
     */
    static String versus(double value, String sign, double bar) {
        String a = fmt(value);
        String b = fmt(bar);
        for (int digits = 5; a.equals(b) && value != bar && digits <= 17; digits++) {
            a = BlowUps.format(value, digits);
            b = BlowUps.format(bar, digits);
        }
        return a + " " + sign + " " + b;
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
