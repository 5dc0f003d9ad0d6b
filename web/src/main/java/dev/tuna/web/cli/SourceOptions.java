package dev.tuna.web.cli;

import dev.tuna.web.server.ClusterDatabase;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code --data DIR}, {@code --server URL} or {@code --db URL} of the read commands and {@code delete}. */
final class SourceOptions {
    @Option(names = "--data", paramLabel = "DIR", description = "Read the data folder DIR directly (default: tuna-data).")
    Path data;

    @Option(names = "--server", paramLabel = "URL", description = "Ask the server at URL, e.g. http://127.0.0.1:7070.")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", description = "With --server: the server's API token, where it needs"
            + " one (to delete, on a server bound beyond loopback; to read, with tuna serve --token-for-reads;"
            + " default: the environment variable TUNA_TOKEN).")
    String token;

    @Mixin
    DatabaseOptions db;

    /** The source to read from (a data folder is opened read-only). */
    StudySource open() {
        return open(false);
    }

    /** The source to change (a data folder is opened to write). */
    StudySource openToChange() {
        return open(true);
    }

    private StudySource open(boolean toChange) {
        int given = (data != null ? 1 : 0) + (server != null ? 1 : 0) + (db.given() ? 1 : 0);
        if (given > 1) {
            throw new UsageException("give one of --data, --server or --db, not several");
        }
        if (db.given()) {
            return StudySource.database(db.database(ClusterDatabase.DEFAULT_CHECKIN));
        }
        if (token != null && server == null) {
            throw new UsageException("--token: only with --server");
        }
        return StudySource.open(server, token, data == null ? Path.of("tuna-data") : data, toChange);
    }
}
