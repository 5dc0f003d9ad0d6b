package dev.tuna.search.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DiagnoserTest {
    private final Diagnoser diagnoser = new Diagnoser();

    /** A curve from step 1. */
    private static NavigableMap<Integer, Double> curve(double... values) {
        NavigableMap<Integer, Double> c = new TreeMap<>();
        for (int i = 0; i < values.length; i++) {
            c.put(i + 1, values[i]);
        }
        return c;
    }

    private static FrozenTrial trial(NavigableMap<Integer, Double> objective, Map<String, NavigableMap<Integer, Double>> metrics) {
        return new FrozenTrial(0, TrialState.RUNNING, Map.of(), Map.of(), null, objective, metrics, Map.of(), Map.of(),
                null, null, null);
    }

    private static FrozenTrial metrics(Object... nameAndCurve) {
        Map<String, NavigableMap<Integer, Double>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndCurve.length; i += 2) {
            @SuppressWarnings("unchecked")
            NavigableMap<Integer, Double> c = (NavigableMap<Integer, Double>) nameAndCurve[i + 1];
            m.put((String) nameAndCurve[i], c);
        }
        return trial(new TreeMap<>(), m);
    }

    @Test
    void aHealthyCurveHasNoFinding() {
        FrozenTrial t = trial(curve(1.0, 0.8, 0.65, 0.55, 0.5, 0.46, 0.43, 0.41),
                Map.of("train_loss", curve(1.0, 0.78, 0.62, 0.52, 0.46, 0.42, 0.39, 0.37),
                        "val_loss", curve(1.0, 0.8, 0.65, 0.55, 0.5, 0.46, 0.43, 0.41),
                        "grad_norm", curve(3, 2.5, 2, 1.8, 1.6, 1.5, 1.4, 1.3)));
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).isEmpty();
    }

    @Test
    void divergedAtTheFirstNonFiniteValueOrTheLossBlowingUp() {
        FrozenTrial blowUp = metrics("val_loss", curve(2.0, 1.5, 1.0, 0.8, 3.5, 9.0));
        assertThat(diagnoser.diagnose(blowUp, Direction.MINIMIZE)).containsExactly(
                new Diagnosis(Diagnosis.DIVERGED, 5, "val_loss rose over 4x its best so far: 3.5 > 4 x 0.8"));
        FrozenTrial nan = metrics("val_loss", curve(2.0, 1.5, 1.0, 0.8, 3.5, 9.0), "train_loss", curve(2.0, 1.0, Double.NaN));
        assertThat(diagnoser.diagnose(nan, Direction.MINIMIZE)).containsExactly(
                new Diagnosis(Diagnosis.DIVERGED, 3, "train_loss is NaN"));
        FrozenTrial objective = trial(curve(0.5, 0.6, Double.POSITIVE_INFINITY), Map.of());
        assertThat(diagnoser.diagnose(objective, Direction.MAXIMIZE)).containsExactly(
                new Diagnosis(Diagnosis.DIVERGED, 3, "the objective is Infinity"));
        // A precision that is 0 / 0 before the model predicts a positive is not a loss that blew up.
        FrozenTrial precision = trial(curve(0.5, 0.6, 0.7), Map.of("val_precision", curve(Double.NaN, 0.4, 0.6)));
        assertThat(diagnoser.diagnose(precision, Direction.MAXIMIZE)).isEmpty();
        // Nor is a training loss lifted for a step by a warm restart of the learning rate (SGDR).
        FrozenTrial restart = metrics("train_loss", curve(2.3, 1.5, 0.8, 0.4, 0.15, 0.043, 0.35, 0.3, 0.2, 0.1, 0.03));
        assertThat(diagnoser.diagnose(restart, Direction.MINIMIZE)).isEmpty();
    }

    @Test
    void aMaximizedObjectiveThatCollapsesDivergedWithoutItsLossBlowingUp() {
        FrozenTrial t = trial(curve(0.615, 0.338, 0.298, 0.175, 0.108, 0.105, 0.118, 0.118),
                Map.of("val_loss", curve(1.071, 3.101, 2.205, 2.31, 2.30, 2.30, 2.30, 2.30)));
        assertThat(diagnoser.diagnose(t, Direction.MAXIMIZE)).contains(new Diagnosis(Diagnosis.DIVERGED, 4,
                "the objective fell under 0.5x its best so far for 3 steps: 0.175 < 0.5 x 0.417 (a mean of 3 steps)"));
        assertThat(Diagnoser.builder().objectiveCollapse(false).build().diagnose(t, Direction.MAXIMIZE))
                .extracting(Diagnosis::name).doesNotContain(Diagnosis.DIVERGED);
        // A noisy start (0.35 once, then 0.12, 0.13, 0.15) is no collapse, nor a BLEU score that jumps about.
        FrozenTrial noisy = trial(curve(0.10, 0.35, 0.12, 0.13, 0.15, 0.3, 0.45, 0.55, 0.62), Map.of());
        assertThat(diagnoser.diagnose(noisy, Direction.MAXIMIZE)).isEmpty();
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .as("a minimised objective falling is progress").doesNotContain(Diagnosis.DIVERGED);
    }

    @Test
    void explodingGradients() {
        FrozenTrial t = metrics("grad_norm", curve(1.0, 1.2, 0.9, 1.1, 15, 30));
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).containsExactly(new Diagnosis(
                Diagnosis.EXPLODING_GRADIENTS, 5, "grad_norm rose over 10x its median so far: 15 > 10 x 1.05"));
    }

    @Test
    void vanishingGradientsBeginWhereTheNormFirstStaysUnderTheFloor() {
        FrozenTrial t = metrics("grad_norm", curve(1, 1e-5, 0.1, 1e-5, 1e-6, 1e-7, 1e-7));
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).containsExactly(new Diagnosis(
                Diagnosis.VANISHING_GRADIENTS, 4, "grad_norm under 0.0001 for 3 steps from step 4"));
        // Small gradients on a training set fitted (the loss under 1% of its first) are no finding; stuck high, they are.
        FrozenTrial memorised = metrics("grad_norm", curve(1, 0.5, 1e-5, 1e-6, 1e-7),
                "train_loss", curve(0.7, 0.1, 1e-4, 1e-5, 1e-5));
        assertThat(diagnoser.diagnose(memorised, Direction.MINIMIZE)).isEmpty();
        FrozenTrial stuck = metrics("grad_norm", curve(1, 0.5, 1e-5, 1e-6, 1e-7),
                "train_loss", curve(0.7, 0.69, 0.69, 0.69, 0.69));
        assertThat(diagnoser.diagnose(stuck, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .contains(Diagnosis.VANISHING_GRADIENTS);
    }

    @Test
    void overfittingWhenTheValidationLossRisesWhileTheTrainingLossFalls() {
        FrozenTrial t = metrics("val_loss", curve(2, 1.5, 1.0, 0.8, 0.7, 0.72, 0.75, 0.8),
                "train_loss", curve(2, 1.4, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3));
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).containsExactly(new Diagnosis(Diagnosis.OVERFITTING, 6,
                "val_loss rose from 0.7 at step 5 to 0.8 at step 8 while train_loss fell from 0.6 to 0.3"));
        FrozenTrial bothRise = metrics("val_loss", curve(2, 1.5, 1.0, 0.8, 0.7, 0.72, 0.75, 0.8),
                "train_loss", curve(2, 1.4, 0.9, 0.7, 0.6, 0.62, 0.64, 0.66));
        assertThat(diagnoser.diagnose(bothRise, Direction.MINIMIZE)).isEmpty();
        FrozenTrial tooShort = metrics("val_loss", curve(2, 1.5, 1.0, 0.8, 0.7, 0.72, 0.8),
                "train_loss", curve(2, 1.4, 0.9, 0.7, 0.6, 0.5, 0.4));
        assertThat(diagnoser.diagnose(tooShort, Direction.MINIMIZE)).as("2 steps after the lowest point").isEmpty();
        // A run stuck at chance (ln 10 for 10 classes) whose training loss only fell back from a blow-up fits its
        // training data no better than its validation data: not overfitting.
        FrozenTrial stuck = metrics("val_loss", curve(2.40, 2.326, 2.35, 2.40, 2.474),
                "train_loss", curve(80, 55.95, 10, 3, 2.369));
        assertThat(diagnoser.diagnose(stuck, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .doesNotContain(Diagnosis.OVERFITTING);
        // With dropout the training loss stays above the validation loss; a validation loss that turns up while
        // the training loss falls is still overfitting.
        FrozenTrial dropout = metrics("val_loss", curve(0.8, 0.5, 0.3, 0.32, 0.36, 0.4),
                "train_loss", curve(1.2, 0.8, 0.6, 0.55, 0.5, 0.45));
        assertThat(diagnoser.diagnose(dropout, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .contains(Diagnosis.OVERFITTING);
    }

    @Test
    void aValidationLossBlownUpWhileTheTrainingLossFallsIsOverfittingOnly() {
        FrozenTrial t = metrics("val_loss", curve(0.54, 0.5, 0.9, 2.2, 2.5), "train_loss", curve(0.57, 0.4, 0.25, 0.17, 0.12));
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .containsExactly(Diagnosis.OVERFITTING); // it was diverged and overfitting at once
    }

    @Test
    void aMinimizedObjectiveThatIsTheValidationLossOverfitsAsTheMetricDoes() {
        // The objective val_loss, minimised: its rise was still "diverged" beside the overfitting.
        NavigableMap<Integer, Double> val = curve(0.54, 0.5, 0.9, 2.2, 2.5);
        FrozenTrial t = trial(val, Map.of("val_loss", val, "train_loss", curve(0.57, 0.4, 0.25, 0.17, 0.12)));
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .containsExactly(Diagnosis.OVERFITTING);
        // A training loss that hardly moved is no sign of fitting: the blow-up diverged.
        FrozenTrial flat = trial(val, Map.of("val_loss", val, "train_loss", curve(0.57, 0.57, 0.56, 0.56, 0.56)));
        assertThat(diagnoser.diagnose(flat, Direction.MINIMIZE)).extracting(Diagnosis::name).contains(Diagnosis.DIVERGED);
    }

    @Test
    void overfittingWhenTheGapWidens() {
        FrozenTrial t = metrics("val_loss", curve(2.125, 1.625, 1.125, 1.0, 1.0, 1.0, 1.0),
                "train_loss", curve(2.0, 1.5, 1.0, 0.75, 0.5, 0.375, 0.25));
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).containsExactly(new Diagnosis(Diagnosis.OVERFITTING, 5,
                "the gap between val_loss and train_loss widened at each of 3 steps, from 0.25 at step 4 to 0.75 at step 7, while train_loss fell"));
        // While the validation loss still improves, a widening gap is a model still learning.
        FrozenTrial learning = metrics("val_loss", curve(2.283, 2.2, 2.13, 2.07, 2.02, 1.99, 1.96),
                "train_loss", curve(2.27, 2.185, 2.11, 2.045, 1.99, 1.955, 1.92));
        assertThat(diagnoser.diagnose(learning, Direction.MINIMIZE)).isEmpty();
        // Nor is a flat run whose losses move in the sixth digit.
        FrozenTrial flat = metrics("val_loss", curve(2.30210, 2.30211, 2.30212, 2.30213, 2.30214),
                "train_loss", curve(2.28100, 2.28099, 2.28098, 2.28097, 2.28096));
        assertThat(diagnoser.diagnose(flat, Direction.MINIMIZE)).extracting(Diagnosis::name).doesNotContain(Diagnosis.OVERFITTING);
        // Validation below training (dropout) with the difference shrinking is not overfitting.
        FrozenTrial below = metrics("val_loss", curve(0.8, 0.6, 0.5, 0.45, 0.42, 0.4),
                "train_loss", curve(2.0, 1.6, 1.3, 1.1, 0.9, 0.8));
        assertThat(diagnoser.diagnose(below, Direction.MINIMIZE)).isEmpty();
    }

    @Test
    void aNoisyConvergedValidationLossIsNotOverfitting() {
        // Flat at 0.30 within 2%, the training loss still creeping down: its last value against its lowest, the
        // luckiest, was called a rise; over 300 such 60-epoch runs, about half were "overfitting".
        FrozenTrial flat = metrics("val_loss", curve(0.31, 0.30, 0.305, 0.295, 0.30, 0.293, 0.302, 0.301, 0.300),
                "train_loss", curve(0.07, 0.069, 0.068, 0.067, 0.066, 0.065, 0.064, 0.064, 0.063));
        assertThat(diagnoser.diagnose(flat, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .doesNotContain(Diagnosis.OVERFITTING);
        // Nor a negative loss (a Gaussian's negative log-likelihood) that wobbles there: "25% above -1.52" was -1.9.
        FrozenTrial negative = metrics("val_loss", curve(-1.0, -1.4, -1.5, -1.52, -1.50, -1.51, -1.49, -1.5),
                "train_loss", curve(-1.0, -1.5, -1.7, -1.8, -1.805, -1.81, -1.812, -1.815));
        assertThat(diagnoser.diagnose(negative, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .doesNotContain(Diagnosis.OVERFITTING);
        // One that turns up while the training loss falls overfits (its "4x the training loss" check held no number below 0).
        FrozenTrial rising = metrics("val_loss", curve(-1.0, -1.4, -1.5, -1.45, -1.35, -1.2, -1.0),
                "train_loss", curve(-1.0, -1.5, -1.7, -1.8, -1.9, -2.0, -2.1));
        assertThat(diagnoser.diagnose(rising, Direction.MINIMIZE)).extracting(Diagnosis::name)
                .contains(Diagnosis.OVERFITTING);
        java.util.Random random = new java.util.Random(7);
        int called = 0;
        for (int run = 0; run < 100; run++) {
            double[] val = new double[60];
            double[] train = new double[60];
            for (int i = 0; i < 60; i++) {
                val[i] = (0.3 + 2 * Math.exp(-i / 8.0)) * Math.exp(0.02 * random.nextGaussian());
                train[i] = (0.05 + 2.25 * Math.exp(-i / 8.0)) * Math.exp(0.02 * random.nextGaussian());
            }
            called += diagnoser.diagnose(metrics("val_loss", curve(val), "train_loss", curve(train)), Direction.MINIMIZE)
                    .stream().anyMatch(d -> d.name().equals(Diagnosis.OVERFITTING)) ? 1 : 0;
        }
        assertThat(called).as("healthy runs called overfitting, of 100").isLessThanOrEqualTo(5);
        // One that rises 0.5% an epoch from epoch 20 on, in the same noise, is.
        double[] val = new double[60];
        double[] train = new double[60];
        for (int i = 0; i < 60; i++) {
            val[i] = (0.3 + 2 * Math.exp(-i / 4.0)) * (1 + 0.005 * Math.max(0, i - 20)) * Math.exp(0.02 * random.nextGaussian());
            train[i] = (0.05 + 2.25 * Math.exp(-i / 8.0)) * Math.exp(0.02 * random.nextGaussian());
        }
        assertThat(diagnoser.diagnose(metrics("val_loss", curve(val), "train_loss", curve(train)), Direction.MINIMIZE))
                .extracting(Diagnosis::name).contains(Diagnosis.OVERFITTING);
    }

    @Test
    void overfittingIsFoundWhenTheTwoLossesAreLoggedAtDifferentSteps() {
        // The training loss every 100 iterations, the validation loss every epoch of 937: no step in common, and
        // a validation loss rising 5% an epoch for 20 epochs was only a plateau.
        NavigableMap<Integer, Double> train = new TreeMap<>();
        NavigableMap<Integer, Double> val = new TreeMap<>();
        for (int it = 0; it <= 30000; it += 100) {
            train.put(it, 2.0 * Math.exp(-it / 4000.0) + 0.02);
        }
        for (int epoch = 0; epoch <= 30; epoch++) {
            double atTen = 2.0 * Math.exp(-9370 / 4000.0) + 0.3;
            val.put(epoch * 937, epoch <= 10 ? 2.0 * Math.exp(-epoch * 937 / 4000.0) + 0.3 : atTen * (1 + 0.05 * (epoch - 10)));
        }
        assertThat(diagnoser.diagnose(metrics("val_loss", val, "train_loss", train), Direction.MINIMIZE))
                .extracting(Diagnosis::name, Diagnosis::step)
                .contains(org.assertj.core.groups.Tuple.tuple(Diagnosis.OVERFITTING, 11 * 937));
    }

    @Test
    void plateauBeginsAtTheFirstStepWithoutImprovement() {
        FrozenTrial t = trial(curve(1.0, 0.8, 0.7, 0.7, 0.7005, 0.7, 0.6999, 0.7), Map.of());
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).containsExactly(new Diagnosis(Diagnosis.PLATEAU, 4,
                "no improvement of more than 0.1% for the last 5 steps (best 0.6999)"));
        FrozenTrial rising = trial(curve(0.1, 0.5, 0.7, 0.7, 0.7, 0.7, 0.7, 0.9), Map.of());
        assertThat(diagnoser.diagnose(rising, Direction.MAXIMIZE)).as("4 flat steps, then an improvement").isEmpty();
        FrozenTrial left = trial(curve(0.1, 0.3, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.45, 0.46), Map.of());
        assertThat(diagnoser.diagnose(left, Direction.MAXIMIZE)).as("6 flat steps, then improving to the end").isEmpty();
        // Small gains add up: a loss falling 0.08% a step, 3% in 40 steps, is no plateau (each gain under 0.1% was).
        double[] slow = new double[40];
        for (int i = 0; i < slow.length; i++) {
            slow[i] = Math.pow(0.9992, i);
        }
        assertThat(diagnoser.diagnose(trial(curve(slow), Map.of()), Direction.MINIMIZE)).isEmpty();
        FrozenTrial flat = trial(curve(0.1, 0.11, 0.1, 0.105, 0.1, 0.1), Map.of());
        assertThat(diagnoser.diagnose(flat, Direction.MINIMIZE)).as("nothing beats 0.1")
                .extracting(Diagnosis::name, Diagnosis::step).containsExactly(org.assertj.core.groups.Tuple.tuple(Diagnosis.PLATEAU, 2));
    }

    @Test
    void findingsAreOrderedByStepAndMetricNamesAreConfigurable() {
        Diagnoser custom = Diagnoser.builder().metrics("loss", "vloss", "gn").windowSteps(2).build();
        FrozenTrial t = metrics("vloss", curve(2, 1.5, 1.0, 0.8, 0.7, 0.72, 0.8),
                "loss", curve(2, 1.4, 0.9, 0.7, 0.6, 0.5, 0.4),
                "gn", curve(1, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5));
        List<Diagnosis> found = custom.diagnose(t, Direction.MINIMIZE);
        assertThat(found).extracting(Diagnosis::name).containsExactly(Diagnosis.VANISHING_GRADIENTS, Diagnosis.OVERFITTING);
        assertThat(found).extracting(Diagnosis::step).containsExactly(2, 6);
        assertThat(diagnoser.diagnose(t, Direction.MINIMIZE)).as("the default names are not there").isEmpty();
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> Diagnoser.builder().lossFactor(0.5)).hasMessage("lossFactor must be a finite number above 1, got 0.5");
        assertThatThrownBy(() -> Diagnoser.builder().plateauSteps(0)).hasMessage("plateauSteps must be at least 1, got 0");
    }
}
