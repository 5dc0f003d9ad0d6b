package dev.tuna.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StorageInUseException;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.core.storage.StudyNotFoundException;
import dev.tuna.web.server.ClusterDatabase;
import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.server.Views;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the read commands ({@code studies}, {@code trials}, {@code best}, {@code export}) and {@code delete} find
 * studies: a data folder or a cluster's database opened directly, or a server's REST API. All answer in the API's
 * JSON shapes.
 */
interface StudySource extends AutoCloseable {
    ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** Every study, as {@code GET /api/studies}. */
    JsonNode studies();

    /** Every trial of a study in number order, in detail (as {@code GET .../trials/{n}}). */
    List<JsonNode> trials(String study);

    /** The best trial, as {@code GET .../best}. */
    JsonNode best(String study);

    /** Deletes a study with its trials, as {@code DELETE /api/studies/NAME}. */
    void delete(String study);

    @Override
    void close();

    /**
     * A server's source if {@code server} is given, else the data folder's: opened to read only unless
     * {@code toChange}, so that a read changes nothing (a backup, a folder on a read-only disk).
     */
    static StudySource open(String server, String token, Path data, boolean toChange) {
        return server != null ? new Remote(server, token) : Local.folder(data, toChange);
    }

    /** A cluster's PostgreSQL database, read in this process (also while servers and workers use it). */
    static StudySource database(ClusterDatabase db) {
        return new Local(db.openStorageToRead());
    }

    /** A storage read in this process: a data folder (fails with a one-line message while a server holds it) or a database. */
    final class Local implements StudySource {
        private final Storage storage;

        Local(Storage storage) {
            this.storage = storage;
        }

        static Local folder(Path data, boolean toChange) {
            Path db = data.resolve(ServerRuntime.DB_FILE);
            if (Files.exists(data) && !Files.isDirectory(data)) {
                // The data file itself given: it read "no studies in .../tuna.db (no tuna.db)".
                Path folder = data.toAbsolutePath().getParent();
                throw new IllegalArgumentException("--data names a data folder, and " + data + " is a file"
                        + (data.getFileName().toString().equals(ServerRuntime.DB_FILE) && folder != null
                        ? ": give its folder, " + folder : ""));
            }
            if (!Files.exists(db)) {
                throw new IllegalArgumentException("--data: no studies in " + data + " (no " + ServerRuntime.DB_FILE + ")");
            }
            try {
                return new Local(toChange ? MapDbStorage.open(db) : MapDbStorage.openReadOnly(db));
            } catch (StorageInUseException e) {
                throw new StorageInUseException(e.getMessage() + "; if that is a server, " + (toChange ? "change it"
                        : "read") + " through it with --server URL (a program of yours must close it first)", e);
            }
        }

        @Override
        public JsonNode studies() {
            return JSON.valueToTree(storage.studies().stream().map(i -> Views.study(i, storage.trials(i.name()))).toList());
        }

        @Override
        public List<JsonNode> trials(String study) {
            info(study);
            return storage.trials(study).stream().map(t -> JSON.<JsonNode>valueToTree(Views.trialDetail(t))).toList();
        }

        @Override
        public JsonNode best(String study) {
            StudyInfo info = info(study);
            List<FrozenTrial> trials = storage.trials(study);
            FrozenTrial best = Views.best(trials, info.direction()).orElseThrow(() ->
                    new IllegalStateException(Views.noBest(study, trials)));
            return JSON.valueToTree(Views.bestDetail(best));
        }

        /**
         * Refuses a study with running trials: on a cluster's database they run on a server or worker that would go
         * on with it (a data folder has none, since opening it ends those a killed process left).
         */
        @Override
        public void delete(String study) {
            info(study);
            long running = storage.trials(study, java.util.EnumSet.of(dev.tuna.core.TrialState.RUNNING)).size();
            if (running > 0) {
                throw new IllegalStateException("study '" + study + "' has " + running + " running trial"
                        + (running == 1 ? "" : "s") + ": delete it through the server that runs it (--server URL)");
            }
            storage.deleteStudy(study);
        }

        private StudyInfo info(String study) {
            return storage.findStudy(study).orElseThrow(() -> new StudyNotFoundException(study));
        }

        @Override
        public void close() {
            storage.close();
        }
    }

    /** A server's REST API. */
    final class Remote implements StudySource {
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final String base;
        private final String token;

        /** @param token the server's API token, or null for the environment variable TUNA_TOKEN's, if any */
        Remote(String server, String token) {
            String bearer = token != null ? token : System.getenv("TUNA_TOKEN");
            // Stripped: a token pasted with its line's end is still the token (and no header may hold a newline).
            this.token = bearer == null || bearer.isBlank() ? null : bearer.strip();
            this.base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
            String expected = "--server: expected the server's http:// or https:// URL, such as http://127.0.0.1:7070, got '"
                    + server + "'";
            URI uri;
            try {
                uri = new URI(base);
            } catch (java.net.URISyntaxException e) {
                throw new UsageException(expected);
            }
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw new UsageException(expected);
            }
            if (uri.getPort() > 65535) {
                throw new UsageException("--server: port " + uri.getPort() + " is out of range (1 to 65535)");
            }
            if (this.token != null && this.token.chars().anyMatch(Character::isISOControl)) {
                // Not shown: it is a secret, and the message would carry it into logs.
                throw new UsageException((token != null ? "--token" : "TUNA_TOKEN") + ": the token holds a line break"
                        + " or another control character; give the token alone");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new UsageException("--server: expected the server's URL without a query or fragment, got '"
                        + server + "'");
            }
        }

        /** A study's name as one segment of a URL path: a name made in code may hold any character. */
        private static String segment(String study) {
            return java.net.URLEncoder.encode(study, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        }

        @Override
        public JsonNode studies() {
            return get("/api/studies");
        }

        @Override
        public List<JsonNode> trials(String study) {
            List<JsonNode> all = new ArrayList<>();
            for (int offset = 0; ; offset += 1000) {
                JsonNode page = get("/api/studies/" + segment(study) + "/trials?limit=1000&offset=" + offset);
                for (JsonNode row : page.get("trials")) {
                    all.add(get("/api/studies/" + segment(study) + "/trials/" + row.get("number").asInt()));
                }
                if (offset + 1000 >= page.get("total").asInt()) {
                    return all;
                }
            }
        }

        @Override
        public JsonNode best(String study) {
            return get("/api/studies/" + segment(study) + "/best");
        }

        @Override
        public void delete(String study) {
            String path = "/api/studies/" + segment(study);
            send(HttpRequest.newBuilder(URI.create(base + path)).DELETE(), path);
        }

        /** Stops a study's run ({@code POST .../stop}); its view after. */
        JsonNode stop(String study) {
            return post("/api/studies/" + segment(study) + "/stop");
        }

        /** Resumes a study's run ({@code POST .../resume}); its view after. */
        JsonNode resume(String study) {
            return post("/api/studies/" + segment(study) + "/resume");
        }

        private JsonNode post(String path) {
            return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()), path);
        }

        JsonNode get(String path) {
            return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), path);
        }

        /** Sends a request; a problem answer becomes an exception with its detail. */
        JsonNode send(HttpRequest.Builder request, String what) {
            return exchange(request, what).body();
        }

        /** A successful answer: its status and its JSON body. */
        record Answer(int status, JsonNode body) {
        }

        /** As {@link #send}, with the answer's status (201 created, 200 found, ...). */
        Answer exchange(HttpRequest.Builder request, String what) {
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            try {
                HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode body = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
                if (r.statusCode() >= 400) {
                    String detail = body.hasNonNull("detail") ? body.get("detail").asText() : "HTTP " + r.statusCode()
                            + (r.statusCode() >= 500 ? " from the server (its log says why)" : "");
                    throw new IllegalStateException(detail + (r.statusCode() == 401 ? " (give it with --token or"
                            + " the environment variable TUNA_TOKEN)" : ""));
                }
                return new Answer(r.statusCode(), body);
            } catch (ConnectException e) {
                throw new IllegalStateException("cannot reach the server at " + base);
            } catch (IOException e) {
                throw new IllegalStateException("server " + base + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }

        String base() {
            return base;
        }

        @Override
        public void close() {
            // The client holds nothing that needs closing on Java 17.
        }
    }
}
