package dev.tuna.web.server;

import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.web.spec.ObjectiveFactory;
import dev.tuna.worker.cluster.ClusterNode;
import dev.tuna.worker.device.Devices;
import java.time.Duration;

/**
 * What {@code tuna worker} runs: a node of a cluster with device slots and no web server. It runs the trials of
 * studies submitted to any server of the cluster, building each study from the spec stored with it
 * ({@link SpecStudies}).
 */
public final class WorkerRuntime implements AutoCloseable {
    private final ClusterDatabase db;
    private final PostgresStorage storage;
    private final ClusterNode node;

    private WorkerRuntime(ClusterDatabase db, PostgresStorage storage, ClusterNode node) {
        this.db = db;
        this.storage = storage;
        this.node = node;
    }

    /**
     * Joins the cluster of {@code db} with these devices' slots.
     *
     * @param shutdownGrace how long {@link #close} waits for running trials before it aborts them
     */
    public static WorkerRuntime start(ClusterDatabase db, Devices devices, ObjectiveFactory trainables, Duration shutdownGrace) {
        PostgresStorage storage = db.openStorage();
        try {
            ClusterNode node = db.node().optDevices(devices).optStudies(new SpecStudies(storage, trainables))
                    .optShutdownGrace(shutdownGrace).build();
            return new WorkerRuntime(db, storage, node);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** This node's name in the cluster (trials it runs carry it as their system attribute {@code node}). */
    public String nodeName() {
        return node.nodeName();
    }

    /**
     * Whether a server ({@code tuna serve --db}) runs on this cluster (its database schema) now: only a server queues
     * trials, so a worker without one waits. Empty when the database cannot say.
     */
    public java.util.Optional<Boolean> serverRuns() {
        return CoordinatorLock.isHeld(db);
    }

    /** Leaves the cluster (running trials get the shutdown grace, then end FAIL interrupted) and closes storage. */
    @Override
    public void close() {
        try {
            node.close();
        } finally {
            storage.close();
        }
    }
}
