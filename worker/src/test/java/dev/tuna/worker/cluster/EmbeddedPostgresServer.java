package dev.tuna.worker.cluster;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded PostgreSQL server for a test class, started before its tests and closed after them; register it
 * on a static field with {@code @RegisterExtension}.
 */
final class EmbeddedPostgresServer implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedPostgres server;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        server = EmbeddedPostgres.builder().start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The JDBC URL of a database of the server, as user {@code postgres}. */
    String jdbcUrl(String database) {
        return server.getJdbcUrl("postgres", database);
    }
}
