package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** A small HTTP client of a test server: requests, JSON answers, waiting for a condition. */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String base;
    String token;

    Api(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    record Answer(int status, String contentType, String body, java.net.http.HttpHeaders headers) {
        /** The header's first value, or null. */
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON (" + status + "): " + body, e);
            }
        }
    }

    Answer send(String method, String path, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
                    r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A bodiless request written by hand on a socket, with headers the JDK's clients refuse to set ({@code Host})
     * or a browser would add ({@code Origin}).
     */
    Answer raw(String method, String path, java.util.Map<String, String> headers) {
        URI uri = URI.create(base);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
            request.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
            socket.getOutputStream().write(request.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            java.util.regex.Matcher type = java.util.regex.Pattern.compile("(?im)^content-type: *(.*?)\r?$").matcher(response);
            int bodyAt = response.indexOf("\r\n\r\n");
            return new Answer(status, type.find() ? type.group(1) : "", bodyAt < 0 ? "" : response.substring(bodyAt + 4),
                    java.net.http.HttpHeaders.of(java.util.Map.of(), (k, v) -> true));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + ": " + e, e);
        }
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    Answer post(String path, String body) {
        return send("POST", path, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Answer delete(String path) {
        return send("DELETE", path, null);
    }

    /** Polls a GET until its JSON answer passes the test (the study runs on other threads). */
    JsonNode awaitJson(String path, Predicate<JsonNode> test, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Answer a = get(path);
            if (a.status() == 200) {
                last = a.json();
                if (test.test(last)) {
                    return last;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("GET " + path + " did not reach the expected state within " + atMost + "; last: " + last);
    }

    /**
     * Submits a study of two trials of 10 epochs of 1 s each with a trial timeout of 1 s, and checks that each trial
     * ends failed, "timeout after 1s", and the next one starts, until the study is complete.
     */
    void checkTrialTimeout(String name, Duration atMost) {
        String spec = quadratic(name, 2, 10, 1000).replaceFirst("\\{", "{\"trialTimeoutSeconds\": 1, ");
        assertThat(post("/api/studies", spec).status()).isEqualTo(201);
        awaitJson("/api/studies/" + name, s -> s.get("state").asText().equals("complete"), atMost);
        assertThat(get("/api/studies/" + name + "/trials").json().get("trials")).hasSize(2).allSatisfy(t -> {
            assertThat(t.get("state").asText()).isEqualTo("FAIL");
            assertThat(t.get("reason").asText()).isEqualTo("timeout after 1s");
        });
    }

    static String quadratic(String name, int trials, int epochs, int sleepMillis) {
        return """
                {"name": "%s", "trials": %d, "sampler": {"type": "random", "seed": 7},
                 "trainable": {"type": "quadratic", "epochs": %d, "fixed": {"sleepMillis": %d}},
                 "space": {"x": {"type": "float", "low": -2, "high": 2}, "k": {"type": "int", "low": 0, "high": 3},
                           "opt": {"type": "categorical", "choices": ["a", "b"]}}}
                """.formatted(name, trials, epochs, sleepMillis);
    }
}
