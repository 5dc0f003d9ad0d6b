package dev.tuna.search.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.TrialState;
import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpSamplerTest {

    static final Objective BRANIN = trial -> {
        double x1 = trial.suggestFloat("x1", -5, 10);
        double x2 = trial.suggestFloat("x2", 0, 15);
        return branin(x1, x2);
    };

    static double branin(double x1, double x2) {
        double b = 5.1 / (4 * Math.PI * Math.PI);
        double c = 5 / Math.PI;
        double t = 1 / (8 * Math.PI);
        return Math.pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * Math.cos(x1) + 10;
    }

    private static Study study(GpSampler sampler) {
        return Study.builder("gp").sampler(sampler).create();
    }

    @Test
    void seededRunReachesBraninOptimumRegion() {
        Study study = study(GpSampler.builder().seed(3).deterministic(true).build());
        study.optimize(BRANIN, 40);
        System.out.println("branin regret " + (study.bestValue() - 0.397887));
        assertThat(study.bestValue()).isLessThan(0.397887 + 0.1);
    }
}
