package dev.tuna.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tuna.search.TrialFailedException;
import dev.tuna.worker.data.LabeledData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void binaryAucByHandIncludingTies() {
        // positives score 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) -> 3/4
        assertThat(ClassificationMetrics.auc(new double[] {0.9, 0.5, 0.4, 0.1}, new boolean[] {true, false, true, false})).isEqualTo(0.75);
        // one tie between a positive and a negative counts half: (1 + 0.5) / 2
        assertThat(ClassificationMetrics.auc(new double[] {0.8, 0.3, 0.3}, new boolean[] {true, true, false})).isEqualTo(0.75);
        assertThat(ClassificationMetrics.auc(new double[] {0.1, 0.2}, new boolean[] {true, true})).isNaN();
    }

    @Test
    void threeClassMacroMetricsByHand() {
        // predictions (argmax): 0, 0, 1, 2, 2, 1 ; labels: 0, 1, 1, 2, 2, 2
        double[] probabilities = {
            0.8, 0.1, 0.1,
            0.6, 0.3, 0.1,
            0.2, 0.7, 0.1,
            0.1, 0.1, 0.8,
            0.2, 0.2, 0.6,
            0.3, 0.5, 0.2,
        };
        float[] logits = new float[probabilities.length]; // shifted per row: the softmax is the same
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (Math.log(probabilities[i]) + i / 3);
        }
        int[] labels = {0, 1, 1, 2, 2, 2};

        ClassificationMetrics m = ClassificationMetrics.of(logits, labels, 3);

        // class 0: tp1 pred2 act1 -> p .5 r 1 f 2/3 ; class 1: tp1 pred2 act2 -> p .5 r .5 f .5 ; class 2: tp2 pred2 act3 -> p 1 r 2/3 f .8
        assertThat(m.accuracy()).isCloseTo(4 / 6.0, within(1e-12));
        assertThat(m.errorRate()).isCloseTo(2 / 6.0, within(1e-12));
        assertThat(m.precision()).isCloseTo((0.5 + 0.5 + 1) / 3, within(1e-12));
        assertThat(m.recall()).isCloseTo((1 + 0.5 + 2 / 3.0) / 3, within(1e-12));
        assertThat(m.f1()).isCloseTo((2 / 3.0 + 0.5 + 0.8) / 3, within(1e-12));
        // AUC class 0: pos score .8 vs negs .6 .2 .1 .2 .3 -> 1 ; class 1: pos .3, .7 vs negs .1 .1 .2 .5 -> (3 + 4)/8
        // class 2: pos .8 .6 .2 vs negs .1 .1 .1 -> 1
        assertThat(m.auc()).isCloseTo((1 + 7 / 8.0 + 1) / 3, within(1e-12));
    }

    @Test
    void aucRanksProbabilitiesNotLogits() {
        // Sample 0 is class 1 (p1 = 0.73), sample 1 class 0 (p1 = 0.27): perfectly separated. Ranked by the class-1
        // logit (1 against 4) they were the wrong way round, and the AUC came out 0.5.
        ClassificationMetrics m = ClassificationMetrics.of(new float[] {0, 1, 5, 4}, new int[] {1, 0}, 2);
        assertThat(m.accuracy()).isEqualTo(1.0);
        assertThat(m.auc()).isEqualTo(1.0);
    }

    @Test
    void classNeverPredictedHasZeroPrecision() {
        ClassificationMetrics m = ClassificationMetrics.of(new float[] {1, 0, 1, 0}, new int[] {0, 1}, 2);

        assertThat(m.precision()).isCloseTo(0.25, within(1e-12)); // class 0: 1/2, class 1: never predicted -> 0
        assertThat(m.recall()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void regressionByHand() {
        RegressionMetrics m = RegressionMetrics.of(new float[] {1, 2, 5}, new float[] {1, 3, 3});

        assertThat(m.mse()).isCloseTo(5 / 3.0, within(1e-9));
        assertThat(m.mae()).isCloseTo(1, within(1e-9));
        // mean 7/3; SS_tot = (16 + 4 + 4)/9 = 24/9; SS_res = 5
        assertThat(m.r2()).isCloseTo(1 - 5 / (24 / 9.0), within(1e-9));
        assertThat(RegressionMetrics.of(new float[] {1, 2}, new float[] {2, 2}).r2()).isNaN();
    }

    @Test
    void aValidationLossThatIsNotANumberEndsTheTrialAsDivergedNotAsAMissingMetric() {
        LabeledData regression = new LabeledData(new float[] {1, 2}, new long[] {1}, new float[] {1, 2}, 0);
        assertThat(Validation.metrics(0.25, new float[] {1, 2}, regression, 1))
                .containsEntry(MetricNames.VAL_LOSS, 0.25).containsEntry(MetricNames.VAL_MSE, 0.0);
        assertThatThrownBy(() -> Validation.metrics(Double.NaN, new float[] {Float.NaN, Float.NaN}, regression, 3))
                .isInstanceOf(TrialFailedException.class)
                .hasMessage("diverged: val_loss became NaN on the validation data")
                .satisfies(e -> assertThat(((TrialFailedException) e).step()).hasValue(3)); // the epoch it failed in
    }

    @Test
    void layersAreNamedByKindAndCountAndTheLastIsTheOutput() {
        assertThat(TrainingMonitor.layerNames(List.of("01SequentialBlock_02Linear", "01SequentialBlock_02Linear",
                "03BatchNorm", "06Linear", "06Linear", "10Linear")))
                .isEqualTo(Map.of("01SequentialBlock_02Linear", "Linear1", "03BatchNorm", "BatchNorm1", "06Linear", "Linear2",
                        "10Linear", "output"));
    }
}
