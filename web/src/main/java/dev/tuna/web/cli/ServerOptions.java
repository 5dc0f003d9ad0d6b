package dev.tuna.web.cli;

import picocli.CommandLine.Option;

/** {@code --server URL} and {@code --token TOKEN} of the commands that always talk to a server (submit, stop, resume). */
final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:7070",
            description = "The server (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The API token of a server bound beyond loopback"
            + " (default: the environment variable TUNA_TOKEN).")
    String token;

    /** The server's REST API; the URL and token checked. */
    StudySource.Remote remote() {
        return new StudySource.Remote(server, token);
    }
}
