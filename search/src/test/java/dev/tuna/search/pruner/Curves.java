package dev.tuna.search.pruner;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.sampler.RandomSampler;
import java.util.Map;

/** Hand-made curves for pruner tests: studies driven by ask and tell, values reported from step 1. */
final class Curves {
    private Curves() {
    }

    static Study study(String name, Direction direction, Pruner pruner) {
        return Study.builder(name).direction(direction).sampler(new RandomSampler(1)).pruner(pruner)
                .storage(new InMemoryStorage()).create();
    }

    static Study study(Direction direction, Pruner pruner) {
        return study("curves", direction, pruner);
    }

    /** A trial that reported these values at steps 1, 2, ... and completed with the last one. */
    static FrozenTrial complete(Study study, double... values) {
        Trial t = running(study, values);
        return study.tell(t, values[values.length - 1]);
    }

    /** A running trial that reported these values at steps 1, 2, ... */
    static Trial running(Study study, double... values) {
        Trial t = study.ask();
        for (int i = 0; i < values.length; i++) {
            t.report(i + 1, values[i]);
        }
        return t;
    }

    /** Reports one more value and asks the study's pruner, as an objective would. */
    static PruneDecision report(Trial t, int step, double value) {
        t.report(step, value);
        return t.study().pruner().prune(t.study(), t.snapshot());
    }

    /** Reports metrics at a step and asks the study's pruner. */
    static PruneDecision report(Trial t, int step, Map<String, Double> metrics) {
        t.report(step, metrics);
        return t.study().pruner().prune(t.study(), t.snapshot());
    }

    /** Asks the study's pruner about the trial as it stands. */
    static PruneDecision ask(Trial t) {
        return t.study().pruner().prune(t.study(), t.snapshot());
    }
}
