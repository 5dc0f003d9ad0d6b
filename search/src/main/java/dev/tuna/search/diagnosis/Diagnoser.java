package dev.tuna.search.diagnosis;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.search.TrialFailedException;
import dev.tuna.search.diagnosis.BlowUps.BlowUp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Finds {@link Diagnosis diagnoses} on a trial's curves: the objective's intermediate values and the metrics
 * {@code train_loss}, {@code val_loss} and {@code grad_norm} (names configurable). Each finding is reported once,
 * at the step where it first began:
 * <ul>
 *   <li><b>diverged</b>: a NaN or infinite value of the objective or of a metric (but a precision, recall, F1 or AUC,
 *       which are 0 / 0 in healthy runs: see {@link BlowUps#divergesWhenNotFinite}), a loss ({@code train_loss},
 *       {@code val_loss}, the objective when it is minimised) above {@code lossFactor} (4) times its first value or
 *       its best so far, there to stay (see
 *       {@link BlowUps#lossAbove}; not the validation loss while the training loss falls below it:
 *       {@link BlowUps#validationLossAbove}), or a maximised objective that collapsed, under half its best for 3 steps
 *       in a row (see {@link BlowUps#objectiveCollapsed}; {@link Builder#objectiveCollapse} turns it off);</li>
 *   <li><b>exploding gradients</b>: the gradient norm above {@code gradNormFactor} (10) times the median of its
 *       earlier values (once it has 3);</li>
 *   <li><b>vanishing gradients</b>: the gradient norm under {@code vanishingFloor} (1e-4) for {@code windowSteps}
 *       (3) steps in a row, while the training loss is still above 1% of its first value;</li>
 *   <li><b>overfitting</b>: after the validation loss's lowest point come {@code windowSteps} steps or more, the
 *       mean of its last {@code windowSteps} values is at least {@code minRise} (2%) above that point, and the values
 *       after it rise by more than their noise lets chance make them (see {@link #rose}), while the training loss fell
 *       (from no more than {@code lossFactor} times the validation loss there: a training loss that only fell back
 *       from a blow-up, in a run stuck at chance, is no sign of overfitting); or, failing that, the validation loss
 *       is above the training loss and the gap widens, by more than the validation loss's noise, at each of
 *       {@code windowSteps} steps in a row while the training loss falls and the validation loss does not (a gap that
 *       widens while the validation loss still improves is a model still learning). The training loss is taken
 *       where it was last logged at or before each step of the validation loss;</li>
 *   <li><b>plateau</b>: the objective (the validation loss when no intermediate value is reported) does not
 *       improve by more than {@code plateauTolerance} (0.1%, relative) on its value at its last such improvement, for
 *       its last {@code plateauSteps} (5) steps or more, as Keras's early stopping counts; it begins at the first of
 *       them (a plateau the curve left again is no finding).</li>
 * </ul>
 */
public final class Diagnoser {
    /** A training loss under this fraction of its first value has fitted the training data. */
    private static final double FITTED = 0.01;
    private final String trainLoss;
    private final String valLoss;
    private final String gradNorm;
    private final double lossFactor;
    private final double gradNormFactor;
    private final double vanishingFloor;
    private final int windowSteps;
    private final double minRise;
    private final int plateauSteps;
    private final double plateauTolerance;
    private final boolean objectiveCollapse;

    /** The defaults listed in the class comment. */
    public Diagnoser() {
        this(builder());
    }

    private Diagnoser(Builder b) {
        this.trainLoss = b.trainLoss;
        this.valLoss = b.valLoss;
        this.gradNorm = b.gradNorm;
        this.lossFactor = b.lossFactor;
        this.gradNormFactor = b.gradNormFactor;
        this.vanishingFloor = b.vanishingFloor;
        this.windowSteps = b.windowSteps;
        this.minRise = b.minRise;
        this.plateauSteps = b.plateauSteps;
        this.plateauTolerance = b.plateauTolerance;
        this.objectiveCollapse = b.objectiveCollapse;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The diagnoses of a trial's curves, in the order of the steps where they began. */
    public List<Diagnosis> diagnose(FrozenTrial trial, Direction direction) {
        List<Diagnosis> found = new ArrayList<>();
        add(found, diverged(trial, direction));
        NavigableMap<Integer, Double> grad = trial.metric(gradNorm);
        add(found, explodingGradients(grad));
        add(found, vanishingGradients(grad, trial.metric(trainLoss)));
        add(found, overfitting(trial.metric(valLoss), trial.metric(trainLoss)));
        NavigableMap<Integer, Double> objective = trial.intermediateValues();
        if (objective.isEmpty()) {
            objective = trial.metric(valLoss);
            direction = Direction.MINIMIZE;
        }
        add(found, plateau(objective, direction));
        found.sort((a, b) -> Integer.compare(a.step(), b.step()));
        return List.copyOf(found);
    }

    /**
     * The diagnoses of a trial that ends with {@code failure} (null: it did not fail): its curves', and, when the
     * failure is a {@link TrialFailedException} whose reason begins {@value TrialFailedException#DIVERGED} and the
     * curves do not already show it, "diverged" at the exception's step (when it gives none, the step after the
     * last report). Such a trial stops before it can report the epoch that blew up.
     */
    public List<Diagnosis> diagnose(FrozenTrial trial, Direction direction, Throwable failure) {
        boolean reported = !trial.intermediateValues().isEmpty() || !trial.metrics().isEmpty();
        List<Diagnosis> found = new ArrayList<>(reported ? diagnose(trial, direction) : List.of());
        if (failure instanceof TrialFailedException failed && failed.getMessage() != null
                && failed.getMessage().startsWith(TrialFailedException.DIVERGED)
                && found.stream().noneMatch(d -> d.name().equals(Diagnosis.DIVERGED))) {
            int last = -1;
            for (NavigableMap<Integer, Double> curve : trial.metrics().values()) {
                last = curve.isEmpty() ? last : Math.max(last, curve.lastKey());
            }
            last = trial.intermediateValues().isEmpty() ? last : Math.max(last, trial.intermediateValues().lastKey());
            found.add(new Diagnosis(Diagnosis.DIVERGED, failed.step().orElse(last + 1),
                    failed.getMessage().substring(TrialFailedException.DIVERGED.length())));
            found.sort((a, b) -> Integer.compare(a.step(), b.step()));
        }
        return List.copyOf(found);
    }

    private static void add(List<Diagnosis> found, Diagnosis d) {
        if (d != null) {
            found.add(d);
        }
    }

    private Diagnosis diverged(FrozenTrial trial, Direction direction) {
        Diagnosis first = null;
        Map<String, NavigableMap<Integer, Double>> curves = new TreeMap<>(trial.metrics());
        curves.put("the objective", trial.intermediateValues());
        for (Map.Entry<String, NavigableMap<Integer, Double>> c : curves.entrySet()) {
            if (c.getKey().equals("the objective") || BlowUps.divergesWhenNotFinite(c.getKey())) {
                first = earlier(first, finding(Diagnosis.DIVERGED, c.getKey(), BlowUps.notFinite(c.getValue())));
            }
        }
        first = earlier(first, finding(Diagnosis.DIVERGED, trainLoss, BlowUps.lossAbove(trial.metric(trainLoss), lossFactor)));
        first = earlier(first, finding(Diagnosis.DIVERGED, valLoss,
                BlowUps.validationLossAbove(trial.metric(valLoss), trial.metric(trainLoss), lossFactor)));
        if (direction == Direction.MINIMIZE) {
            first = earlier(first, finding(Diagnosis.DIVERGED, "the objective",
                    BlowUps.validationLossAbove(trial.intermediateValues(), trial.metric(trainLoss), lossFactor)));
        } else if (objectiveCollapse) {
            BlowUp collapse = BlowUps.objectiveCollapsed(trial.intermediateValues());
            first = earlier(first, collapse == null ? null : new Diagnosis(Diagnosis.DIVERGED, collapse.step(),
                    "the objective fell " + collapse.comparison()));
        }
        return first;
    }

    /** A blow-up as a diagnosis: "val_loss is NaN", "train_loss rose over 4x its first value: ...". */
    private static Diagnosis finding(String name, String curve, BlowUp blowUp) {
        if (blowUp == null) {
            return null;
        }
        return new Diagnosis(name, blowUp.step(), curve + (blowUp.notFinite() ? " is " : " rose ") + blowUp.comparison());
    }

    private static Diagnosis earlier(Diagnosis a, Diagnosis b) {
        return a == null || (b != null && b.step() < a.step()) ? b : a;
    }

    private Diagnosis explodingGradients(NavigableMap<Integer, Double> grad) {
        return finding(Diagnosis.EXPLODING_GRADIENTS, gradNorm, BlowUps.gradientAbove(grad, gradNormFactor, Double.POSITIVE_INFINITY));
    }

    private Diagnosis vanishingGradients(NavigableMap<Integer, Double> grad, NavigableMap<Integer, Double> train) {
        int run = 0;
        int start = -1;
        double firstTrain = train.isEmpty() ? Double.NaN : train.firstEntry().getValue();
        for (Map.Entry<Integer, Double> e : grad.entrySet()) {
            // A run that has fit its training data (its loss under 1% of the first) has small gradients for good
            // reason: a network that memorised its training set was called one whose gradients vanished.
            Double loss = train.get(e.getKey());
            boolean fitted = loss != null && firstTrain > 0 && loss < FITTED * firstTrain;
            if (e.getValue() < vanishingFloor && !fitted) {
                if (run++ == 0) {
                    start = e.getKey();
                }
                if (run == windowSteps) {
                    return new Diagnosis(Diagnosis.VANISHING_GRADIENTS, start, gradNorm + " under " + fmt(vanishingFloor)
                            + " for " + windowSteps + " steps from step " + start);
                }
            } else {
                run = 0;
            }
        }
        return null;
    }

    private Diagnosis overfitting(NavigableMap<Integer, Double> val, NavigableMap<Integer, Double> train) {
        if (val.isEmpty() || train.isEmpty()) {
            return null;
        }
        Map.Entry<Integer, Double> lowest = null;
        for (Map.Entry<Integer, Double> e : val.entrySet()) {
            if (Double.isFinite(e.getValue()) && (lowest == null || e.getValue() < lowest.getValue())) {
                lowest = e;
            }
        }
        if (lowest != null) {
            NavigableMap<Integer, Double> after = val.tailMap(lowest.getKey(), false);
            // The training loss where it was logged last by then: it may be logged at other steps than the validation loss.
            Map.Entry<Integer, Double> trainAtLowest = train.floorEntry(lowest.getKey());
            double trainAtEnd = train.lastEntry().getValue();
            double end = val.lastEntry().getValue();
            if (after.size() >= windowSteps && trainAtLowest != null && trainAtEnd < trainAtLowest.getValue()
                    && (lowest.getValue() <= 0 || trainAtLowest.getValue() <= lossFactor * lowest.getValue())
                    && rose(val.tailMap(lowest.getKey(), true), lowest.getValue())) {
                return new Diagnosis(Diagnosis.OVERFITTING, after.firstKey(), valLoss + " rose from " + fmt(lowest.getValue())
                        + " at step " + lowest.getKey() + " to " + fmt(end) + " at step " + val.lastKey() + " while "
                        + trainLoss + " fell from " + fmt(trainAtLowest.getValue()) + " to " + fmt(trainAtEnd));
            }
        }
        return wideningGap(val, train);
    }

    /**
     * Whether a validation loss rose for good after its lowest point (the first of {@code fromLowest}): the mean of its
     * last {@code windowSteps} values is at least {@code minRise} above that point, and either over {@link #CLEAR_RISE}
     * above it, or the values after it rise along a line (by step) whose slope is at least {@value #NOISE_MULTIPLE}
     * standard errors above zero. The error is reckoned from the curve's {@link #noise}, widened where the values
     * wander rather than jump about (noise that carries from one step to the next: the lag-1 autocorrelation of the
     * line's residuals). A converged, noisy validation loss (2% of noise, 60 epochs) was called overfitting in about
     * half of the runs: its last value against its lowest, which is the luckiest.
     */
    private boolean rose(NavigableMap<Integer, Double> fromLowest, double lowest) {
        List<double[]> points = new ArrayList<>(); // step, value: the lowest (finite), then the finite ones after it
        fromLowest.forEach((step, v) -> {
            if (Double.isFinite(v)) {
                points.add(new double[] {step, v});
            }
        });
        List<double[]> after = points.subList(1, points.size());
        int n = after.size();
        if (n == 0) {
            return false;
        }
        double end = 0;
        for (double[] p : after.subList(Math.max(0, n - windowSteps), n)) {
            end += p[1] / Math.min(windowSteps, n);
        }
        double scale = Math.abs(lowest); // a loss may be negative (a Gaussian's negative log-likelihood)
        if (!(end > lowest + minRise * scale)) {
            return false;
        }
        if (end > lowest + CLEAR_RISE * scale) {
            return true;
        }
        double meanX = 0;
        double meanY = 0;
        for (double[] p : after) {
            meanX += p[0] / n;
            meanY += p[1] / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (double[] p : after) {
            sxy += (p[0] - meanX) * (p[1] - meanY);
            sxx += (p[0] - meanX) * (p[0] - meanX);
        }
        double slope = sxx > 0 ? sxy / sxx : 0;
        double[] residuals = new double[n];
        for (int i = 0; i < n; i++) {
            residuals[i] = after.get(i)[1] - meanY - slope * (after.get(i)[0] - meanX);
        }
        double lag = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += residuals[i] * residuals[i];
            if (i + 1 < n) {
                lag += residuals[i] * residuals[i + 1];
            }
        }
        double r = squares > 0 ? Math.max(0, Math.min(0.9, lag / squares)) : 0;
        double error = noise(points.stream().map(p -> p[1]).toList()) * Math.sqrt((1 + r) / (1 - r)) / Math.sqrt(sxx);
        return slope > 0 && slope > NOISE_MULTIPLE * error;
    }

    /**
     * A rise past which the validation loss rose whatever its noise: no noise of a converged run moves the mean of its
     * last values this far above its lowest (5% of noise: about 15%). A blow-up over a few steps (0.5, 0.9, 2.2, 2.5)
     * bends so sharply that its second differences look like noise.
     */
    static final double CLEAR_RISE = 0.25;

    /** How many standard errors above zero the slope of a validation loss's rise must be to be a sign, not chance. */
    static final double NOISE_MULTIPLE = 3;

    /**
     * The noise of a curve's values, as a standard deviation: the median absolute second difference scaled as for white
     * noise (whose second differences have 6 times its variance); 0 under 3 values. Second differences pass over a
     * straight trend, so a steady rise is not taken for noise (a bent one partly is: see {@link #CLEAR_RISE}).
     */
    static double noise(List<Double> values) {
        int n = values.size();
        if (n < 3) {
            return 0;
        }
        List<Double> second = new ArrayList<>();
        for (int i = 0; i + 2 < n; i++) {
            second.add(Math.abs(values.get(i + 2) - 2 * values.get(i + 1) + values.get(i)));
        }
        return 1.4826 * BlowUps.median(second) / Math.sqrt(6);
    }

    /**
     * How much a curve's value moves from one step to the next by chance: the median absolute deviation of its steps
     * from their median step, scaled as a standard deviation. Noise that carries from step to step (autocorrelated)
     * moves less between second differences than between steps, so {@link #noise} set too low a bar for a gap that
     * widens at each step.
     */
    static double stepNoise(List<Double> values) {
        if (values.size() < 3) {
            return 0;
        }
        List<Double> steps = new ArrayList<>();
        for (int i = 0; i + 1 < values.size(); i++) {
            steps.add(values.get(i + 1) - values.get(i));
        }
        double median = BlowUps.median(steps);
        return 1.4826 * BlowUps.median(steps.stream().map(d -> Math.abs(d - median)).toList());
    }

    private static List<Double> finite(java.util.Collection<Double> values) {
        return values.stream().filter(Double::isFinite).toList();
    }

    private Diagnosis wideningGap(NavigableMap<Integer, Double> val, NavigableMap<Integer, Double> train) {
        List<int[]> steps = new ArrayList<>();
        List<double[]> points = new ArrayList<>(); // gap, train, val
        for (Map.Entry<Integer, Double> e : val.entrySet()) {
            Map.Entry<Integer, Double> t = train.floorEntry(e.getKey());
            if (t != null && Double.isFinite(t.getValue()) && Double.isFinite(e.getValue())) {
                steps.add(new int[] {e.getKey()});
                points.add(new double[] {e.getValue() - t.getValue(), t.getValue(), e.getValue()});
            }
        }
        // A noisy validation loss that does not fall, beside a training loss that does, widens the gap three steps in a
        // row by chance: each step must widen it by more than that noise, taken over the curve's second half, where
        // such a validation loss mostly is (in its first, the fall's own changes of pace looked like noise).
        List<Double> values = finite(val.values());
        double valNoise = stepNoise(values.subList(values.size() / 2, values.size()));
        int run = 0;
        for (int i = 1; i < points.size(); i++) {
            // A gap that only shrinks towards zero (validation below training, as dropout makes it) is no sign.
            double[] now = points.get(i), before = points.get(i - 1);
            // Widening and falling by more than the plateau's tolerance of the validation loss: float noise on a
            // flat run (losses moving by 1e-6) is neither.
            double tolerance = plateauTolerance * Math.abs(before[2]);
            double noise = Math.max(tolerance, valNoise);
            boolean widens = now[0] > before[0] + noise && before[0] > 0 && now[1] < before[1] - tolerance
                    && now[2] >= before[2] - noise;
            run = widens ? run + 1 : 0;
            if (run == windowSteps) {
                int begin = i - windowSteps;
                return new Diagnosis(Diagnosis.OVERFITTING, steps.get(begin + 1)[0], "the gap between " + valLoss
                        + " and " + trainLoss + " widened at each of " + windowSteps + " steps, from "
                        + fmt(points.get(begin)[0]) + " at step " + steps.get(begin)[0] + " to " + fmt(points.get(i)[0])
                        + " at step " + steps.get(i)[0] + ", while " + trainLoss + " fell");
            }
        }
        return null;
    }

    /**
     * A plateau, as Keras's early stopping sees one: the best value only moves on an improvement of more than the
     * tolerance, so that small gains add up (a loss falling 0.08% a step for 40 steps was called a plateau).
     */
    private Diagnosis plateau(NavigableMap<Integer, Double> curve, Direction direction) {
        double reference = Double.NaN; // the value at the last improvement of more than the tolerance
        double best = Double.NaN;
        int run = 0;
        int start = -1;
        for (Map.Entry<Integer, Double> e : curve.entrySet()) {
            double v = direction.toMinimization(e.getValue());
            if (!Double.isFinite(v)) {
                return null;
            }
            best = Double.isNaN(best) ? v : Math.min(best, v);
            if (Double.isNaN(reference) || v < reference - plateauTolerance * Math.abs(reference)) {
                reference = v;
                run = 0;
                continue;
            }
            if (run++ == 0) {
                start = e.getKey();
            }
        }
        if (run < plateauSteps) {
            return null;
        }
        return new Diagnosis(Diagnosis.PLATEAU, start, "no improvement of more than " + fmt(100 * plateauTolerance)
                + "% for the last " + run + " steps (best " + fmt(direction.toMinimization(best)) + ")"); // its step says from when
    }

    private static String fmt(double value) {
        return BlowUps.format(value);
    }

    /** Settings of a {@link Diagnoser}. */
    public static final class Builder {
        private String trainLoss = "train_loss";
        private String valLoss = "val_loss";
        private String gradNorm = "grad_norm";
        private double lossFactor = 4;
        private double gradNormFactor = 10;
        private double vanishingFloor = 1e-4;
        private int windowSteps = 3;
        private double minRise = 0.02;
        private int plateauSteps = 5;
        private double plateauTolerance = 1e-3;
        private boolean objectiveCollapse = true;

        private Builder() {
        }

        /** The metric names of the training loss, the validation loss and the gradient norm. */
        public Builder metrics(String trainLoss, String valLoss, String gradNorm) {
            this.trainLoss = Objects.requireNonNull(trainLoss, "trainLoss");
            this.valLoss = Objects.requireNonNull(valLoss, "valLoss");
            this.gradNorm = Objects.requireNonNull(gradNorm, "gradNorm");
            return this;
        }

        public Builder lossFactor(double factor) {
            this.lossFactor = above("lossFactor", factor, 1);
            return this;
        }

        public Builder gradNormFactor(double factor) {
            this.gradNormFactor = above("gradNormFactor", factor, 1);
            return this;
        }

        public Builder vanishingFloor(double floor) {
            this.vanishingFloor = above("vanishingFloor", floor, 0);
            return this;
        }

        /** How many steps in a row make vanishing gradients or a rising validation loss (default 3). */
        public Builder windowSteps(int steps) {
            this.windowSteps = atLeast("windowSteps", steps, 1);
            return this;
        }

        /** How much (relative) the validation loss must end above its lowest point to call it overfitting. */
        public Builder minRise(double rise) {
            this.minRise = above("minRise", rise, 0);
            return this;
        }

        /** How many steps without improvement make a plateau (default 5). */
        public Builder plateauSteps(int steps) {
            this.plateauSteps = atLeast("plateauSteps", steps, 1);
            return this;
        }

        /** The relative improvement that ends a plateau (default 0.001). */
        public Builder plateauTolerance(double tolerance) {
            this.plateauTolerance = above("plateauTolerance", tolerance, 0);
            return this;
        }

        /**
         * Whether a maximised objective that collapses is diagnosed diverged (default true): off for a score whose
         * early values jump about, as {@code DivergencePruner.Builder#objectiveCollapse} turns the pruner's off.
         */
        public Builder objectiveCollapse(boolean on) {
            this.objectiveCollapse = on;
            return this;
        }

        public Diagnoser build() {
            return new Diagnoser(this);
        }

        private static double above(String field, double value, double min) {
            if (!(value > min) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(field + " must be a finite number above " + fmt(min) + ", got " + value);
            }
            return value;
        }

        private static int atLeast(String field, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
            }
            return value;
        }
    }
}
