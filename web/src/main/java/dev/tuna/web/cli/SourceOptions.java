package dev.tuna.web.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data DIR} or {@code --server URL} of the read commands. */
final class SourceOptions {
    @Option(names = "--data", paramLabel = "DIR", description = "Read the data folder DIR directly (default: tuna-data).")
    Path data;

    @Option(names = "--server", paramLabel = "URL", description = "Ask the server at URL, e.g. http://127.0.0.1:7070.")
    String server;

    StudySource open() {
        if (data != null && server != null) {
            throw new IllegalArgumentException("give --data or --server, not both");
        }
        return StudySource.open(server, data == null ? Path.of("tuna-data") : data);
    }
}
