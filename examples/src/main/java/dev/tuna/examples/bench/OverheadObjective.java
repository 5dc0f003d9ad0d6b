package dev.tuna.examples.bench;

import dev.tuna.search.Objective;
import dev.tuna.search.Trial;
import java.util.List;

/**
 * The trivial objective of the overhead benchmark: four parameters (two floats, an int, a categorical) and
 * arithmetic that costs next to nothing, so what is measured is Tuna's own work per trial.
 */
final class OverheadObjective implements Objective {
    static final List<String> CHOICES = List.of("a", "b", "c");

    @Override
    public double evaluate(Trial trial) {
        double x = trial.suggestFloat("x", -10, 10);
        double y = trial.suggestFloat("y", -10, 10);
        int n = trial.suggestInt("n", 0, 10);
        String c = trial.suggestCategorical("c", CHOICES);
        return x * x + y * y + n + CHOICES.indexOf(c);
    }
}
