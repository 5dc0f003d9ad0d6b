package dev.tuna.search.pruner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A pruner printed (in a log, a debugger, a study's description) says what it is and its options. */
class ToStringTest {

    @Test
    void prunersNameThemselvesAndTheirOptions() {
        assertThat(new MedianPruner(3, 2, 1)).hasToString(
                "MedianPruner(nStartupTrials=3, nWarmupSteps=2, intervalSteps=1, nMinTrials=1)");
        assertThat(new PercentilePruner(25)).hasToString(
                "PercentilePruner(percentile=25.0, nStartupTrials=5, nWarmupSteps=0, intervalSteps=1, nMinTrials=1)");
        assertThat(new HyperbandPruner()).hasToString("HyperbandPruner(minResource=1, maxResource=auto, reductionFactor=3)");
        assertThat(new HyperbandPruner(2, 54, 3)).hasToString("HyperbandPruner(minResource=2, maxResource=54, reductionFactor=3)");
        assertThat(new SuccessiveHalvingPruner()).hasToString(
                "SuccessiveHalvingPruner(minResource=auto, reductionFactor=4, minEarlyStoppingRate=0)");
        assertThat(new PatiencePruner(3)).hasToString("PatiencePruner(patience=3, minDelta=0.0, nWarmupSteps=0)");
        assertThat(ThresholdPruner.upper(10)).hasToString(
                "ThresholdPruner(lower=-Infinity, upper=10.0, nWarmupSteps=0, intervalSteps=1)");
        assertThat(new AnyOf(new NopPruner(), new PatiencePruner(3))).hasToString(
                "AnyOf[NopPruner, PatiencePruner(patience=3, minDelta=0.0, nWarmupSteps=0)]");
        assertThat(DivergencePruner.builder().lossMetrics(List.of("loss")).lossFactor(5).build().toString())
                .startsWith("DivergencePruner(lossFactor=5.0, lossMetrics=[loss], ");
        assertThat(new CurveExtrapolationPruner(20, 3, 4, 0.95)).hasToString(
                "CurveExtrapolationPruner(maxStep=20, minSteps=3, nStartupTrials=4, probability=0.95)");
    }
}
