package dev.tuna.core.storage;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and migrates {@link PostgresStorage}'s tables: numbered migrations, applied in order, the version
 * reached kept in {@code schema_version}. Add a migration by appending to {@link #MIGRATIONS}; never edit one
 * that has shipped.
 */
final class PostgresSchema {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresSchema.class);

    /** Migration {@code i + 1} is {@code MIGRATIONS.get(i)}: statements run in one transaction. */
    static final List<List<String>> MIGRATIONS = List.of(
            List.of(
                    "CREATE TABLE studies (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, info TEXT NOT NULL,"
                            + " next_number INTEGER NOT NULL DEFAULT 0)",
                    "CREATE TABLE trials (study_id BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,"
                            + " number INTEGER NOT NULL, state TEXT NOT NULL, owner TEXT, doc TEXT NOT NULL,"
                            + " PRIMARY KEY (study_id, number))",
                    "CREATE INDEX trials_state ON trials (study_id, state, number)",
                    "CREATE TABLE owners (owner TEXT PRIMARY KEY, heartbeat TIMESTAMPTZ NOT NULL)"),
            // 2: each owner says how long it may be silent (storages sweep stale owners periodically, and may
            // have been opened with different staleAfter).
            List.of("ALTER TABLE owners ADD COLUMN stale_after_ms BIGINT"));

    /** An arbitrary constant: the advisory lock that keeps two processes from migrating at once. */
    private static final long MIGRATION_LOCK = 0x7475_6e61_5f73_6368L;

    private PostgresSchema() {
    }

    /** The schema version this program writes. */
    static int latest() {
        return MIGRATIONS.size();
    }

    /**
     * Creates the schema a URL's {@code ?currentSchema=NAME} names first when there is none of that name yet, as the
     * tables are created: PostgreSQL put them in the next schema of the path that exists ({@code NAME,public}), or
     * had nowhere to put them ("no schema has been selected to create in").
     */
    private static void createNamedSchema(Statement st, boolean create) throws SQLException {
        String path;
        try (ResultSet rs = st.executeQuery("SHOW search_path")) {
            rs.next();
            path = rs.getString(1);
        }
        String name = firstSchema(path);
        if (name.isEmpty() || name.equals("$user")) {
            return; // PostgreSQL's default path: public, or the user's own schema where there is one
        }
        try (java.sql.PreparedStatement exists = st.getConnection().prepareStatement(
                "SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            exists.setString(1, name);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
        }
        if (!create) {
            // Read commands: a misspelt name would have made an empty schema and listed no studies.
            throw new StorageException("the schema '" + name + "' (the URL's currentSchema) does not exist, so it holds"
                    + " no studies; a server or program that writes studies there creates it");
        }
        try {
            st.execute("CREATE SCHEMA \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new StorageException("the schema '" + name + "' (the URL's currentSchema) does not exist and could not"
                    + " be created: " + e.getMessage().replaceAll("\\s+", " "), e);
        }
        LOG.info("database schema {} created", name);
    }

    /**
     * The first schema a search path names, as PostgreSQL reads it: a quoted name as written (a doubled quote stands
     * for one), an unquoted one in lower case.
     */
    static String firstSchema(String searchPath) {
        String path = searchPath.strip();
        if (path.startsWith("\"")) {
            StringBuilder name = new StringBuilder();
            for (int i = 1; i < path.length(); i++) {
                char ch = path.charAt(i);
                if (ch == '"') {
                    if (i + 1 < path.length() && path.charAt(i + 1) == '"') {
                        name.append('"');
                        i++;
                    } else {
                        break;
                    }
                } else {
                    name.append(ch);
                }
            }
            return name.toString();
        }
        int comma = path.indexOf(',');
        StringBuilder name = new StringBuilder((comma < 0 ? path : path.substring(0, comma)).strip());
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch >= 'A' && ch <= 'Z') {
                name.setCharAt(i, (char) (ch + ('a' - 'A'))); // ASCII only, as PostgreSQL folds names in UTF-8
            }
        }
        return name.toString();
    }

    /**
     * Brings the schema to {@link #latest()}; {@code c} is in a transaction that the caller commits.
     *
     * @param createSchema whether the URL's {@code currentSchema} is created where it does not exist yet (else that
     *                     is refused)
     */
    static void migrate(Connection c, boolean createSchema) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            createNamedSchema(st, createSchema);
            st.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            int version;
            try (ResultSet rs = st.executeQuery("SELECT max(version) FROM schema_version")) {
                rs.next();
                version = rs.getInt(1); // 0 when empty
            }
            if (version > latest()) {
                throw new StorageException("the database's schema is version " + version
                        + ", newer than this program's " + latest() + ": upgrade Tuna");
            }
            for (int v = version + 1; v <= latest(); v++) {
                for (String sql : MIGRATIONS.get(v - 1)) {
                    st.execute(sql);
                }
                st.execute("INSERT INTO schema_version(version) VALUES (" + v + ")");
                LOG.info("database schema migrated to version {}", v);
            }
        }
    }
}
