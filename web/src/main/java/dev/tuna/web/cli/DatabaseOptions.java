package dev.tuna.web.cli;

import dev.tuna.web.server.ClusterDatabase;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --db URL} and {@code --db-user USER}: a cluster's PostgreSQL database. The password is never an option
 * (it would show in the process list and the shell's history): it comes from the environment,
 * {@value #PASSWORD_ENV} or else libpq's {@value #PGPASSWORD_ENV}.
 */
final class DatabaseOptions {
    /** The environment variable Tuna reads the database password from first. */
    static final String PASSWORD_ENV = "TUNA_DB_PASSWORD";
    /** libpq's password variable, read when {@value #PASSWORD_ENV} is not set. */
    static final String PGPASSWORD_ENV = "PGPASSWORD";

    @Option(names = "--db", paramLabel = "URL",
            description = "A cluster's PostgreSQL database, jdbc:postgresql://HOST:PORT/DB (password from $"
                    + PASSWORD_ENV + " or $" + PGPASSWORD_ENV + ").")
    String url;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user (default: $PGUSER, else your user name).")
    String user;

    boolean given() {
        if (url == null && user != null) {
            throw new UsageException("--db-user: only with --db");
        }
        return url != null;
    }

    /** The database of the options, with this check-in interval. */
    ClusterDatabase database(Duration checkin) {
        return database(System.getenv(), checkin);
    }

    ClusterDatabase database(Map<String, String> env, Duration checkin) {
        if (url != null && !url.startsWith("jdbc:postgresql://")) {
            throw new UsageException("--db: expected jdbc:postgresql://HOST:PORT/DB, got '" + url + "'");
        }
        String u = user != null ? user : firstSet(env.get("PGUSER"), System.getProperty("user.name"));
        String password = firstSet(env.get(PASSWORD_ENV), env.get(PGPASSWORD_ENV));
        return new ClusterDatabase(url, u, password, checkin);
    }

    /** {@code first} unless it is null or empty, else {@code second} (null if that is empty too). */
    private static String firstSet(String first, String second) {
        if (first != null && !first.isEmpty()) {
            return first;
        }
        return second == null || second.isEmpty() ? null : second;
    }

    /** {@code --checkin SECONDS} as a duration, checked. */
    static Duration checkin(picocli.CommandLine.Model.CommandSpec spec, double seconds) {
        OptionChecks.check(spec, seconds >= 0.1 && seconds <= 3600, "--checkin must be from 0.1 to 3600 seconds, got "
                + seconds);
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** The URL as messages show it ({@link ClusterDatabase#shown}). */
    static String shown(String url) {
        return ClusterDatabase.shown(url);
    }
}
