package dev.tuna.search.pruner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class CurveFitTest {

    private static List<double[]> points(IntToDoubleFunction f, int steps) {
        List<double[]> p = new ArrayList<>();
        for (int t = 1; t <= steps; t++) {
            p.add(new double[] {t, f.applyAsDouble(t)});
        }
        return p;
    }

    @Test
    void recoversTheRateOfEachModelFromAWholeCurve() {
        Map<CurveFit.Model, Double> exp = CurveFit.logRates(points(t -> 0.3 + 2 * Math.exp(-t / 4.0), 27));
        assertThat(exp.get(CurveFit.Model.EXP_SATURATION)).isCloseTo(Math.log(0.25), within(1e-6));
        Map<CurveFit.Model, Double> pow = CurveFit.logRates(points(t -> 0.3 + 2 * Math.pow(t, -0.7), 27));
        assertThat(pow.get(CurveFit.Model.POWER_LAW)).isCloseTo(Math.log(0.7), within(1e-6));
    }

    @Test
    void predictsTheEndOfACurveOfItsFamilyAndWeighsTheRightModel() {
        CurveFit.Prediction p = CurveFit.predict(points(t -> 0.3 + 2 * Math.exp(-t / 4.0), 8), 27).orElseThrow();
        assertThat(p.mean()).isCloseTo(0.3 + 2 * Math.exp(-27 / 4.0), within(0.01));
        assertThat(p.components()).filteredOn(c -> c.model() == CurveFit.Model.EXP_SATURATION)
                .singleElement().satisfies(c -> assertThat(c.weight()).isGreaterThan(0.9));
        assertThat(p.probabilityAbove(0.5)).isLessThan(0.01);
        assertThat(p.probabilityAbove(0.2)).isGreaterThan(0.99);
    }

    @Test
    void aPriorOnTheRateSteadiesAFitOfThreePoints() {
        List<double[]> first3 = points(t -> 0.3 + 2 * Math.exp(-t / 4.0), 3);
        CurveFit.Prediction free = CurveFit.predict(first3, 27).orElseThrow();
        CurveFit.Prediction guided = CurveFit.predict(first3, 27,
                Map.of(CurveFit.Model.EXP_SATURATION, new double[] {Math.log(0.25), 0.25},
                        CurveFit.Model.POWER_LAW, new double[] {Math.log(0.7), 0.25})).orElseThrow();
        assertThat(guided.sd()).isLessThan(free.sd());
    }
}
