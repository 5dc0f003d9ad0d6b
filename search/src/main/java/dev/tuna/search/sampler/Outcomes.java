package dev.tuna.search.sampler;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.TrialFailedException;

/** What a finished trial tells the model-based samplers (GP, TPE) about its point. */
final class Outcomes {
    private Outcomes() {
    }

    /**
     * How bad the trial's point was, lower better ({@code sign} is -1 for maximisation): a completed trial's value
     * times {@code sign}, infinities included (a broken constraint returned as infinity); +infinity for a trial whose
     * training diverged ({@link TrialFailedException#diverged}), as bad a region as that, which the samplers ignored
     * as they ignore other failures, and proposed again and again; NaN for any other trial (pruned, failed otherwise,
     * running).
     */
    static double badness(FrozenTrial t, double sign) {
        if (t.state() == TrialState.COMPLETE && t.value() != null) {
            return sign * t.value();
        }
        return TrialFailedException.diverged(t) ? Double.POSITIVE_INFINITY : Double.NaN;
    }
}
