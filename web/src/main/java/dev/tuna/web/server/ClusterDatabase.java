package dev.tuna.web.server;

import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.worker.cluster.ClusterNode;
import java.time.Duration;

/**
 * The PostgreSQL database a cluster shares: its studies (a {@link PostgresStorage}) and its Quartz job store (the
 * {@link ClusterNode}s).
 *
 * @param jdbcUrl         {@code jdbc:postgresql://host:port/db}
 * @param user            the database user
 * @param password        the user's password, or null
 * @param checkinInterval how often a node checks in; another node recovers a dead node's trials after about this long
 */
public record ClusterDatabase(String jdbcUrl, String user, String password, Duration checkinInterval) {
    /** The default check-in interval, the {@link ClusterNode}'s. */
    public static final Duration DEFAULT_CHECKIN = Duration.ofSeconds(5);

    public ClusterDatabase {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("--db: expected jdbc:postgresql://HOST:PORT/DATABASE, got '" + jdbcUrl + "'");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("--db-user: must not be empty");
        }
        if (checkinInterval == null || checkinInterval.toMillis() < 100) {
            throw new IllegalArgumentException("--checkin: must be at least 0.1 s, got " + checkinInterval);
        }
    }

    /** With the default check-in interval. */
    public ClusterDatabase(String jdbcUrl, String user, String password) {
        this(jdbcUrl, user, password, DEFAULT_CHECKIN);
    }

    /** Opens the studies' storage; a database that cannot be opened fails with a message naming {@code --db}. */
    public PostgresStorage openStorage() {
        return namingDb(() -> PostgresStorage.open(jdbcUrl, user, password));
    }

    /**
     * Opens the studies' storage to read them (and delete one): a schema the URL names that does not exist is
     * refused, not created.
     */
    public PostgresStorage openStorageToRead() {
        return namingDb(() -> PostgresStorage.openToRead(jdbcUrl, user, password));
    }

    /** The storage {@code open} opens; its failure is said as {@code --db}'s. */
    private static PostgresStorage namingDb(java.util.function.Supplier<PostgresStorage> open) {
        try {
            return open.get();
        } catch (RuntimeException e) {
            throw new IllegalStateException("--db: " + e.getMessage(), e);
        }
    }

    /** A node builder on this database with its check-in interval; the caller adds devices and studies. */
    public ClusterNode.Builder node() {
        return ClusterNode.builder(jdbcUrl, user, password).optCheckinInterval(checkinInterval);
    }

    @Override
    public String toString() {
        // Never the password.
        return "ClusterDatabase[" + shownUrl() + ", user " + user + ", check-in " + checkinInterval + "]";
    }

    /** The URL as messages and logs show it: {@link #shown(String)}. */
    public String shownUrl() {
        return shown(jdbcUrl);
    }

    /**
     * A URL without its query, which may hold a password, but for its schema, which names the cluster (two may share a
     * database).
     */
    public static String shown(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        java.util.regex.Matcher schema = java.util.regex.Pattern.compile("[?&](currentSchema=[^&]*)").matcher(url);
        return url.substring(0, q) + (schema.find() ? "?" + schema.group(1) : "");
    }
}
