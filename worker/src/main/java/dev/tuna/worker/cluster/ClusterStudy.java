package dev.tuna.worker.cluster;

import dev.tuna.search.Objective;
import dev.tuna.search.Study;

/**
 * A study as a cluster node runs it: the study on the shared storage and its objective (a
 * {@link dev.tuna.worker.device.DeviceObjective} is told the device of the trial's slot).
 */
public record ClusterStudy(Study study, Objective objective) {
    public ClusterStudy {
        if (study == null) {
            throw new IllegalArgumentException("study: must not be null");
        }
        if (objective == null) {
            throw new IllegalArgumentException("objective: must not be null");
        }
    }
}
