package dev.tuna.worker.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-wide {@link AskLock}: a PostgreSQL transaction-level advisory lock per study, on a connection of the
 * node's pool. It ends with the transaction, so a node that dies while holding it frees it.
 */
final class PostgresAskLock implements AskLock {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresAskLock.class);
    /** The first key of Tuna's ask locks ("tuna" in ASCII); the second is the study name's hash. */
    private static final int NAMESPACE = 0x74756e61;

    /** A connection from the node's pool. */
    @FunctionalInterface
    interface Connections {
        Connection get() throws SQLException;
    }

    private final Connections connections;

    PostgresAskLock(Connections connections) {
        this.connections = connections;
    }

    @Override
    public <T> T around(String study, Supplier<T> ask) {
        Connection c;
        try {
            c = connections.get();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot take the ask lock of study '" + study + "': " + e.getMessage(), e);
        }
        try {
            try {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                    ps.setInt(1, NAMESPACE);
                    ps.setInt(2, study.hashCode()); // a collision only serialises two studies' asks
                    ps.execute();
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot take the ask lock of study '" + study + "': " + e.getMessage(), e);
            }
            return ask.get();
        } finally {
            // Ends the transaction, and with it the lock (nothing else was written on this connection). A trial
            // asked for is started whatever happens here: a failure to release is only logged (closing the
            // connection releases the lock anyway).
            try {
                c.rollback();
                c.setAutoCommit(true);
            } catch (SQLException e) {
                LOG.warn("could not release the ask lock of study '{}' at once: {}", study, e.getMessage());
            }
            try {
                c.close();
            } catch (SQLException e) {
                LOG.warn("could not return a connection to the pool: {}", e.getMessage());
            }
        }
    }
}
