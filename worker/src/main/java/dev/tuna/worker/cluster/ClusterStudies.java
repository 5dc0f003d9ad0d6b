package dev.tuna.worker.cluster;

import java.util.Optional;

/**
 * How a {@link ClusterNode} finds what it needs to run a trial of a study it has never seen: the study lives in
 * the shared storage; its sampler, pruner and objective come from here. Called from the node's trial threads,
 * so implementations must be thread-safe (and should cache what is costly to build).
 */
public interface ClusterStudies {

    /** The study (on the shared storage, with its sampler and pruner) and its objective; empty if there is no such study any more. */
    Optional<ClusterStudy> resolve(String study);

    /** Whether a user stopped the study (its running trials end FAIL "interrupted: the study was stopped"). */
    boolean stopped(String study);
}
