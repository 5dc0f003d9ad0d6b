package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import dev.tuna.search.diagnosis.BlowUps;
import dev.tuna.search.diagnosis.BlowUps.BlowUp;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;

/**
 * Prunes a trial that diverged, at once, without comparing it with other trials:
 * <ul>
 *   <li>a NaN or infinite intermediate value or metric (but a precision, recall, F1 or AUC, which are 0 / 0 in healthy
 *       runs: a precision before the model predicts any positive; see {@link BlowUps#divergesWhenNotFinite});</li>
 *   <li>a loss above {@code lossFactor} (default 4) times its first value, or times its best so far once it has
 *       given back half of its progress from the first value on a log scale and the next value is no lower (a spike that
 *       comes straight down, as at a warm restart of the learning rate, is not pruned; see {@link BlowUps#lossAbove});
 *       the losses are the metrics {@code train_loss} and {@code val_loss}, and the intermediate value when the
 *       study minimises;</li>
 *   <li>a maximised intermediate value (an accuracy) under half its best so far (of means of 3 values in a row) for
 *       3 steps in a row (see {@link BlowUps#objectiveCollapsed});</li>
 *   <li>a gradient norm (metric {@code grad_norm}) above {@code gradNormFactor} (default 10) times the median of
 *       its earlier values (once it has 3), or above {@code maxGradNorm}.</li>
 * </ul>
 * Only positive losses are compared by ratio. A validation loss ({@code val_...}) that rises while {@code train_loss}
 * falls below it is overfitting, not divergence: left to the pruners that compare objectives (a helper's trial was
 * pruned as diverged while its training loss fell from 0.57 to 0.17; see {@link BlowUps#validationLossAbove}).
 */
public final class DivergencePruner implements Pruner {
    private static final String TRAIN_LOSS = "train_loss";
    private final double lossFactor;
    private final List<String> lossMetrics;
    private final boolean objectiveIsLoss;
    private final boolean objectiveCollapse;
    private final String gradNormMetric;
    private final double gradNormFactor;
    private final double maxGradNorm;

    /** The defaults: factor 4 on {@code train_loss}, {@code val_loss} and a minimised objective; {@code grad_norm} × 10. */
    public DivergencePruner() {
        this(builder());
    }

    private DivergencePruner(Builder b) {
        this.lossFactor = b.lossFactor;
        this.lossMetrics = List.copyOf(b.lossMetrics);
        this.objectiveIsLoss = b.objectiveIsLoss;
        this.objectiveCollapse = b.objectiveCollapse;
        this.gradNormMetric = b.gradNormMetric;
        this.gradNormFactor = b.gradNormFactor;
        this.maxGradNorm = b.maxGradNorm;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public PruneDecision prune(Study study, FrozenTrial trial) {
        String why = diverged("its value", BlowUps.notFinite(trial.intermediateValues()));
        for (Map.Entry<String, NavigableMap<Integer, Double>> m : trial.metrics().entrySet()) {
            if (why == null && BlowUps.divergesWhenNotFinite(m.getKey())) {
                why = diverged(m.getKey(), BlowUps.notFinite(m.getValue()));
            }
        }
        if (why == null && objectiveIsLoss && study.direction() == Direction.MINIMIZE) {
            // The objective may be the validation loss: as it, not diverged while the training loss falls below it.
            why = diverged("its value", BlowUps.validationLossAbove(trial.intermediateValues(), trial.metric(TRAIN_LOSS),
                    lossFactor));
        }
        if (why == null && objectiveCollapse && study.direction() == Direction.MAXIMIZE) {
            why = diverged("its value", BlowUps.objectiveCollapsed(trial.intermediateValues()));
        }
        for (String loss : lossMetrics) {
            if (why == null) {
                why = diverged(loss, loss.startsWith("val_")
                        ? BlowUps.validationLossAbove(trial.metric(loss), trial.metric(TRAIN_LOSS), lossFactor)
                        : BlowUps.lossAbove(trial.metric(loss), lossFactor));
            }
        }
        if (why == null) {
            BlowUp grad = BlowUps.gradientAbove(trial.metric(gradNormMetric), gradNormFactor, maxGradNorm);
            why = grad == null ? null : "exploding gradients: " + at(gradNormMetric, grad);
        }
        return why == null ? PruneDecision.KEEP : PruneDecision.prune(why);
    }

    private static String diverged(String name, BlowUp blowUp) {
        return blowUp == null ? null : "diverged: " + at(name, blowUp);
    }

    private static String at(String name, BlowUp blowUp) {
        return name + " at step " + blowUp.step() + " is " + blowUp.comparison();
    }

    /** The default of {@link Builder#lossFactor}. */
    public static final double DEFAULT_LOSS_FACTOR = 4;
    /** The default of {@link Builder#gradNormMetric}. */
    public static final String DEFAULT_GRAD_NORM_METRIC = "grad_norm";
    /** The default of {@link Builder#gradNormFactor}. */
    public static final double DEFAULT_GRAD_NORM_FACTOR = 10;
    /** The default of {@link Builder#lossMetrics}. */
    public static final List<String> DEFAULT_LOSS_METRICS = List.of("train_loss", "val_loss");

    /** Settings of a {@link DivergencePruner}. */
    public static final class Builder {
        private double lossFactor = DEFAULT_LOSS_FACTOR;
        private List<String> lossMetrics = DEFAULT_LOSS_METRICS;
        private boolean objectiveIsLoss = true;
        private boolean objectiveCollapse = true;
        private String gradNormMetric = DEFAULT_GRAD_NORM_METRIC;
        private double gradNormFactor = DEFAULT_GRAD_NORM_FACTOR;
        private double maxGradNorm = Double.POSITIVE_INFINITY;

        private Builder() {
        }

        /** A loss above this many times its first or best value diverged (default 4); more than 1. */
        public Builder lossFactor(double factor) {
            this.lossFactor = Checks.above("lossFactor", factor, 1);
            return this;
        }

        /** The metrics that are losses (default {@code train_loss}, {@code val_loss}). */
        public Builder lossMetrics(List<String> names) {
            this.lossMetrics = List.copyOf(Objects.requireNonNull(names, "lossMetrics"));
            return this;
        }

        /** Whether a minimised objective is checked as a loss too (default true). */
        public Builder objectiveIsLoss(boolean yes) {
            this.objectiveIsLoss = yes;
            return this;
        }

        /**
         * Whether a maximised objective that collapses, under half its best for 3 steps in a row, diverged (default
         * true). Turn it off for a score that may start near zero and wobble there (an F1 of 0.05, then 0).
         */
        public Builder objectiveCollapse(boolean yes) {
            this.objectiveCollapse = yes;
            return this;
        }

        /** The gradient-norm metric (default {@code grad_norm}). */
        public Builder gradNormMetric(String name) {
            this.gradNormMetric = Objects.requireNonNull(name, "gradNormMetric");
            return this;
        }

        /** A gradient norm above this many times its median so far exploded (default 10); more than 1. */
        public Builder gradNormFactor(double factor) {
            this.gradNormFactor = Checks.above("gradNormFactor", factor, 1);
            return this;
        }

        /** A gradient norm above this exploded (default: no ceiling). */
        public Builder maxGradNorm(double ceiling) {
            this.maxGradNorm = Checks.positive("maxGradNorm", ceiling);
            return this;
        }

        public DivergencePruner build() {
            return new DivergencePruner(this);
        }
    }

    @Override
    public String toString() {
        return "DivergencePruner(lossFactor=" + lossFactor + ", lossMetrics=" + lossMetrics + ", objectiveIsLoss="
                + objectiveIsLoss + ", objectiveCollapse=" + objectiveCollapse + ", gradNormMetric=" + gradNormMetric
                + ", gradNormFactor=" + gradNormFactor + ", maxGradNorm=" + maxGradNorm + ")";
    }
}
