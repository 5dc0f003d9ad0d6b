package dev.tuna.worker.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * The cluster-wide {@link AskLock}: a PostgreSQL transaction-level advisory lock per study, on a connection of the
 * node's pool. It ends with the transaction, so a node that dies while holding it frees it.
 */
final class PostgresAskLock implements AskLock {
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
        try (Connection c = connections.get()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                    ps.setInt(1, NAMESPACE);
                    ps.setInt(2, study.hashCode()); // a collision only serialises two studies' asks
                    ps.execute();
                }
                return ask.get();
            } finally {
                c.rollback(); // ends the transaction, and with it the lock; nothing else was written here
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot take the ask lock of study '" + study + "': " + e.getMessage(), e);
        }
    }
}
