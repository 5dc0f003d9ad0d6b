package dev.tuna.web.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@code tuna serve --db} of a cluster: a PostgreSQL session-level advisory lock of the cluster's schema (two
 * clusters may share a database, each in a schema of its own), held on a connection of its own for the life of the
 * server. A second server on the same schema is refused at start: two
 * would each queue and resume the same studies (one resumed a study the other was running, and it ran more trials
 * than its spec asks). The database frees the lock when the connection ends, so a server killed with
 * {@code kill -9} leaves nothing behind; for the same reason a database restart frees it, so the lock is checked
 * every {@value #CHECK_SECONDS} s, and before the server queues trials ({@link #held}, at most once a second), and
 * taken again on a new connection. If another server took it meanwhile, an error is logged and this one queues no more trials: both
 * queued them after a database restart, and a study ran more trials than asked. It then refuses submits and resumes,
 * and its health says so ({@link StudyDispatch#failure}), until it holds the lock again.
 */
final class CoordinatorLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorLock.class);
    /**
     * The lock's keys: "tusv" in ASCII, a namespace of its own (the storage's ask locks' is "tusa"), and the schema's
     * {@link #key}.
     */
    private static final int NAMESPACE = 0x74757376;
    static final int CHECK_SECONDS = 10;
    /**
     * How long the lock's session may send nothing before the database ends it (PostgreSQL 14's
     * {@code idle_session_timeout}), freeing the lock: a server stopped (SIGSTOP, a paused machine), or whose machine is
     * gone while its connection lingers (until TCP gives up, hours), kept every new server out. (A server whose checks
     * still run, however stuck the rest of it is, keeps it.) A live server looks at its lock every
     * {@value #CHECK_SECONDS} s, so only six missed checks in a row lose it; it then takes it again at its next check,
     * unless another server took it meanwhile ({@link #lost}).
     */
    static final Duration IDLE_LIMIT = Duration.ofSeconds(60);
    /** This server as the database's sessions name it: its process and host (looked up once: a slow DNS would stall checks). */
    private static final String SESSION_NAME = "tuna serve " + ProcessHandle.current().pid() + "@" + hostName();
    /** pg_locks lists every database's locks; an advisory lock is its database's. */
    private static final String THIS_DATABASE =
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    private final ClusterDatabase db;
    private final Duration idleLimit;
    private final ScheduledExecutorService checks;
    private Connection connection; // guarded by this
    private volatile boolean lost; // written under this: another server holds the lock now
    private long checkedAt = System.nanoTime(); // guarded by this: the last look at the lock
    private boolean closed; // guarded by this
    /** How often {@link #held} looks at the lock again (a round trip, or a new connection): a run may ask every 10 ms. */
    private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private CoordinatorLock(ClusterDatabase db, Duration idleLimit, Connection connection) {
        this.db = db;
        this.idleLimit = idleLimit;
        this.connection = connection;
        this.checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tuna-coordinator-lock");
            t.setDaemon(true);
            return t;
        });
        checks.scheduleWithFixedDelay(this::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Takes the lock of the cluster (its database schema).
     *
     * @throws IllegalStateException naming {@code --db} when another server holds it or the database cannot say
     */
    static CoordinatorLock take(ClusterDatabase db) {
        return take(db, IDLE_LIMIT);
    }

    /** As {@link #take(ClusterDatabase)}, with the lock's session ended by the database after {@code idleLimit}. */
    static CoordinatorLock take(ClusterDatabase db, Duration idleLimit) {
        try {
            Connection c = tryLock(db, idleLimit);
            if (c == null) {
                throw new IllegalStateException("--db: another `tuna serve` already runs on this cluster, "
                        + db.shownUrl() + " (one per database schema: it queues every study's trials); add slots with"
                        + " `tuna worker --db`" + heldBy(db));
            }
            return new CoordinatorLock(db, idleLimit, c);
        } catch (SQLException e) {
            throw new IllegalStateException("--db: cannot take the server's lock on " + db.shownUrl() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether a server holds the lock of this cluster (its database schema) now; empty when the database cannot say. */
    static Optional<Boolean> isHeld(ClusterDatabase db) {
        try {
            return Optional.of(holder(db).isPresent());
        } catch (SQLException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The database session that holds the lock, as the database tells it: its process id, and the holding server's
     * host and process (its session's application name); ending that session frees the lock, for a server that hangs,
     * or a machine lost while its connection lingers (until TCP gives up, hours). Another user's session shows no
     * address or start.
     */
    private static Optional<String> holder(ClusterDatabase db) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT a.pid, a.application_name, a.client_addr, a.backend_start"
                     + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
                     + " AND l.classid = ? AND l.objid = ? AND l.objsubid = 2 AND l.granted" + THIS_DATABASE)) {
            ps.setInt(1, NAMESPACE);
            ps.setInt(2, key(c));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String name = rs.getString(2);
                String from = rs.getString(3);
                java.sql.Timestamp since = rs.getTimestamp(4);
                // PostgreSQL 14 and later end an idle lock session (idle_session_timeout): see IDLE_LIMIT.
                boolean expires = c.getMetaData().getDatabaseMajorVersion() >= 14;
                return Optional.of("database session " + rs.getInt(1)
                        + (name == null || name.isBlank() ? "" : " (" + name + ")")
                        + (from == null ? "" : " from " + from)
                        + (since == null ? "" : " since " + since.toInstant())
                        + "; if that server hangs or its machine is gone, " + (expires ? "the database ends its"
                        + " session " + IDLE_LIMIT.toSeconds() + " s after its last check, or " : "") + "end its"
                        + " session " + (expires ? "now " : "") + "to free the lock: SELECT pg_terminate_backend("
                        + rs.getInt(1) + ")");
            }
        }
    }

    /** The refusal's word on the holder: empty when the database cannot say. */
    private static String heldBy(ClusterDatabase db) {
        try {
            return holder(db).map(h -> "; it holds the lock in " + h).orElse("");
        } catch (SQLException | RuntimeException e) {
            return "";
        }
    }

    /** The lock's second key on {@code c}: its schema's {@link #key(String)}. */
    private static int key(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT current_schema()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return key(rs.getString(1));
        }
    }

    /**
     * The lock's second key for a schema (null: no schema of the search path exists yet), the same in every process:
     * a hash of its name. Two schemas whose hashes collide share one server, which is refused beside the other.
     */
    static int key(String schema) {
        return java.util.Objects.hashCode(schema);
    }

    /** A new connection holding the lock, or null (the connection closed) when another session holds it. */
    private static Connection tryLock(ClusterDatabase db, Duration idleLimit) throws SQLException {
        Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        try {
            // Named in the database's sessions, so that a server refused can say which server holds the lock.
            c.setClientInfo("ApplicationName", SESSION_NAME);
        } catch (java.sql.SQLClientInfoException e) {
            // Unnamed, then: the refusal still names its session.
        }
        try (java.sql.Statement st = c.createStatement()) {
            st.execute("SET idle_session_timeout = " + idleLimit.toMillis());
        } catch (SQLException before14) {
            // PostgreSQL before 14: the lock lasts as long as its session, as the refusal says.
            LOG.debug("the server's lock of {} does not expire: {}", db.shownUrl(), before14.getMessage());
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            ps.setInt(1, NAMESPACE);
            ps.setInt(2, key(c));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return c;
                }
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        closeQuietly(c);
        return null;
    }

    /**
     * Whether this server holds the lock now, so that it may queue trials: its connection still holds it, or a new
     * one took it again (a database restart freed it); false while the database is away or another server has it.
     */
    synchronized boolean held() {
        if (closed) {
            return false;
        }
        if (System.nanoTime() - checkedAt >= RECHECK_NANOS) {
            check();
        }
        return connection != null && !lost;
    }

    /**
     * Whether another server took the lock while this one's connection was down, as the last look found (every
     * {@value #CHECK_SECONDS} s, and at most once a second when the server queues trials): asked by requests, which
     * must not wait for a database that may be away.
     */
    boolean lost() {
        return lost; // not under the lock: a check may hold it while it waits for the database
    }

    /** Takes the lock again on a new connection if its connection was lost (a database restart freed it). */
    private synchronized void check() {
        if (closed) {
            return; // a scheduled check that waited for close() must not take the lock again
        }
        checkedAt = System.nanoTime();
        try {
            if (connection != null && connection.isValid(5)) {
                return;
            }
            closeQuietly(connection);
            connection = tryLock(db, idleLimit);
            if (connection == null) {
                if (!lost) {
                    LOG.error("another `tuna serve` took the lock of {} while this server's connection was down:"
                            + " stop one of them (two servers resume the same studies)", db.shownUrl());
                }
                lost = true;
            } else {
                LOG.info("took the server's lock of {} again on a new connection", db.shownUrl());
                lost = false;
            }
        } catch (SQLException | RuntimeException e) {
            connection = null; // the database is still away: the next check tries again
            LOG.debug("the server's lock of {} cannot be checked now: {}", db.shownUrl(), e.toString());
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "an unnamed host";
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Already failing with a better message, or the connection is gone anyway.
            }
        }
    }

    /** Frees the lock (closing its connection ends the session that holds it). */
    @Override
    public synchronized void close() {
        closed = true;
        checks.shutdownNow();
        closeQuietly(connection);
        connection = null;
    }
}
