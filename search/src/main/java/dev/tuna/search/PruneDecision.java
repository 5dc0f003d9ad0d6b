package dev.tuna.search;

import java.util.Objects;

/**
 * A pruner's answer for a running trial: keep it going, or stop it with a reason a person can read.
 *
 * @param prune  whether the trial should stop
 * @param reason why, e.g. "below the median at step 5: 0.61 &lt; 0.73"; {@code null} when it goes on
 */
public record PruneDecision(boolean prune, String reason) {
    /** Let the trial go on. */
    public static final PruneDecision KEEP = new PruneDecision(false, null);

    public PruneDecision {
        if (prune) {
            Objects.requireNonNull(reason, "a pruning decision needs a reason");
        }
    }

    /** Stop the trial for this reason. */
    public static PruneDecision prune(String reason) {
        return new PruneDecision(true, reason);
    }
}
