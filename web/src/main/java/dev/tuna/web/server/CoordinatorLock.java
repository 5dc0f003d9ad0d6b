package dev.tuna.web.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The one {@code tuna serve --db} of a cluster's database: a PostgreSQL session-level advisory lock, held on a
 * connection of its own for the life of the server. A second server on the same database is refused at start: two
 * would each queue and resume the same studies (one resumed a study the other was running, and it ran more trials
 * than its spec asks). The database frees the lock when the connection ends, so a server killed with
 * {@code kill -9} leaves nothing behind.
 */
final class CoordinatorLock implements AutoCloseable {
    /** The lock's first key ("tuna" in ASCII, as the ask locks'); its second, 0, is no study's. */
    private static final int NAMESPACE = 0x74756e61;
    private static final int SERVER = 0;

    private final Connection connection;

    private CoordinatorLock(Connection connection) {
        this.connection = connection;
    }

    /**
     * Takes the lock of the database.
     *
     * @throws IllegalStateException naming {@code --db} when another server holds it or the database cannot say
     */
    static CoordinatorLock take(ClusterDatabase db) {
        Connection c = null;
        try {
            c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                ps.setInt(1, NAMESPACE);
                ps.setInt(2, SERVER);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new IllegalStateException("--db: another `tuna serve` already runs on this database (one"
                                + " per database: it queues every study's trials); add slots with `tuna worker --db`");
                    }
                }
            }
            return new CoordinatorLock(c);
        } catch (SQLException e) {
            closeQuietly(c);
            throw new IllegalStateException("--db: cannot take the server's lock on " + db.jdbcUrl() + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Already failing with a better message.
            }
        }
    }

    /** Frees the lock (closing its connection ends the session that holds it). */
    @Override
    public void close() {
        closeQuietly(connection);
    }
}
