package dev.tuna.worker.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Quartz's tables (QRTZ_*) in a PostgreSQL database if they are missing, from the script the Quartz jar
 * ships, without its DROP statements, under an advisory lock: several nodes may start at once.
 */
final class QuartzTables {
    private static final Logger LOG = LoggerFactory.getLogger(QuartzTables.class);
    /** The script Quartz ships for PostgreSQL. */
    static final String SCRIPT = "org/quartz/impl/jdbcjobstore/tables_postgres.sql";
    /** The advisory lock key of the table creation ("tuna" "qrtz" in ASCII, to keep clear of other users' keys). */
    private static final long LOCK_KEY = 0x74756e61_7172747aL;

    private QuartzTables() {
    }

    /** Creates the tables unless QRTZ_JOB_DETAILS exists; returns whether it created them. */
    static boolean createIfMissing(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            try {
                if (exists(c)) {
                    return false;
                }
                c.setAutoCommit(false);
                for (String statement : statements()) {
                    st.execute(statement);
                }
                c.commit();
                LOG.info("created the Quartz tables (QRTZ_*)");
                return true;
            } catch (SQLException | RuntimeException e) {
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
                st.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static boolean exists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('qrtz_job_details') IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /** The script's statements, without comments, DROP statements and its closing COMMIT. */
    static List<String> statements() {
        String script;
        try (InputStream in = QuartzTables.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("the Quartz jar has no " + SCRIPT + " on the class path");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + SCRIPT + ": " + e.getMessage(), e);
        }
        StringBuilder text = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("--")) {
                text.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String part : text.toString().split(";")) {
            String statement = part.strip();
            String head = statement.toUpperCase(Locale.ROOT);
            if (!statement.isEmpty() && !head.startsWith("DROP ") && !head.equals("COMMIT")) {
                statements.add(statement);
            }
        }
        return statements;
    }
}
