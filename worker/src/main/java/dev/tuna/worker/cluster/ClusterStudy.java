package dev.tuna.worker.cluster;

import dev.tuna.search.Objective;
import dev.tuna.search.Study;
import java.time.Duration;

/**
 * A study as a cluster node runs it: the study on the shared storage, its objective (a
 * {@link dev.tuna.worker.device.DeviceObjective} is told the device of the trial's slot), and its own limit on each
 * trial's time, if it has one ({@code null}: none; the node's own limit applies as well).
 */
public record ClusterStudy(Study study, Objective objective, Duration trialTimeout) {
    public ClusterStudy {
        if (study == null) {
            throw new IllegalArgumentException("study: must not be null");
        }
        if (objective == null) {
            throw new IllegalArgumentException("objective: must not be null");
        }
        if (trialTimeout != null && (trialTimeout.isNegative() || trialTimeout.isZero())) {
            throw new IllegalArgumentException("trialTimeout: must be positive, got " + trialTimeout);
        }
    }

    /** A study whose trials have no time limit of their own. */
    public ClusterStudy(Study study, Objective objective) {
        this(study, objective, null);
    }
}
