package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of malformed requests: each must get a 4xx {@code application/problem+json} with a message, and the
 * server must stay healthy throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedRequestsTest {
    @TempDir
    static Path data;
    ServerRuntime runtime;
    Api api;

    @BeforeAll
    void start() {
        runtime = ServerRuntime.start(data, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn());
        api = new Api(runtime.port());
        // One real study, so that routes under an existing name are probed too.
        assertThat(api.post("/api/studies", Api.quadratic("exists", 2, 1, 0)).status()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        runtime.close();
    }

    record Probe(String method, String path, byte[] body, String label) {
    }

    static final String VALID = Api.quadratic("fresh", 3, 1, 0);

    /** The valid spec with one field (a JSON pointer) set to a raw JSON value, or removed when value is null. */
    static Probe spec(String pointer, String value) {
        ObjectNode root = (ObjectNode) Api.JSON.valueToTree(read(VALID));
        int cut = pointer.lastIndexOf('/');
        JsonNode parentNode = cut == 0 ? root : root.at(pointer.substring(0, cut));
        ObjectNode parent = (ObjectNode) parentNode;
        String key = pointer.substring(cut + 1);
        if (value == null) {
            parent.remove(key);
        } else {
            parent.set(key, read(value));
        }
        return new Probe("POST", "/api/studies", root.toString().getBytes(StandardCharsets.UTF_8), pointer + "=" + value);
    }

    static JsonNode read(String json) {
        try {
            return Api.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    static Probe raw(String body) {
        return new Probe("POST", "/api/studies", body.getBytes(StandardCharsets.UTF_8), "body " + body.substring(0, Math.min(40, body.length())));
    }

    static Probe call(String method, String path) {
        return new Probe(method, path, null, method + " " + path);
    }

    static List<Probe> corpus() {
        List<Probe> c = new ArrayList<>();
        // Broken JSON and wrong documents.
        for (String body : List.of("", " ", "{", "}", "[", "]", "null", "1", "true", "\"spec\"", "[]", "[{}]", "{}",
                "{\"name\":}", "{'name': 'a'}", "{\"name\": \"a\",}", "{\"name\": \"a\", \"name\": \"b\"}", "{} {}",
                "{\"name\": NaN}", "{\"trials\": Infinity}", "{\"name\": \"a\"", "\u0000", "{\"a\": \"\\u00\"}",
                "[".repeat(5000) + "]".repeat(5000), "{\"name\": \"x\", \"trials\": 1" + "}".repeat(3))) {
            c.add(raw(body));
        }
        c.add(new Probe("POST", "/api/studies", new byte[] {(byte) 0xff, (byte) 0xfe, 0x7b, 0x7d}, "not UTF-8"));
        // Missing required fields.
        for (String f : List.of("/name", "/trials", "/trainable", "/space", "/trainable/type", "/space/x/type",
                "/space/x/low", "/space/x/high", "/space/opt/choices")) {
            c.add(spec(f, null));
        }
        // Wrong types of each field.
        for (String f : List.of("/name", "/direction", "/metric", "/trials", "/parallelism", "/timeoutSeconds", "/sampler",
                "/sampler/type", "/sampler/seed", "/sampler/options", "/trainable", "/trainable/type", "/trainable/epochs",
                "/trainable/fixed", "/trainable/dataset", "/space", "/space/x", "/space/x/low", "/space/x/log", "/cron")) {
            c.add(spec(f, f.endsWith("type") || f.equals("/name") || f.equals("/direction") || f.equals("/metric") || f.equals("/cron")
                    || f.endsWith("dataset") ? "[1]" : "\"text\""));
            c.add(spec(f, f.equals("/sampler/seed") ? "1.5" : "{\"nested\": true}"));
        }
        // Bad numbers.
        for (String[] p : new String[][] {{"/trials", "0"}, {"/trials", "-1"}, {"/trials", "1e400"}, {"/trials", "1e20"},
                {"/trials", "2.5"}, {"/trials", "99999999999999999999999999"}, {"/trials", "1000001"}, {"/parallelism", "0"},
                {"/parallelism", "5000"}, {"/timeoutSeconds", "-1"}, {"/timeoutSeconds", "0"}, {"/timeoutSeconds", "1e30"},
                {"/space/x/low", "5"}, {"/space/x/high", "-1e400"}, {"/space/k/low", "3000000000"},
                {"/space/k/high", "1.5"}, {"/space/k/step", "0"}, {"/space/k/step", "2"}, {"/trainable/epochs", "0"},
                {"/trainable/epochs", "100000000"}, {"/sampler/seed", "1e30"}}) {
            c.add(spec(p[0], p[1]));
        }
        // Unknown names and keys.
        for (String[] p : new String[][] {{"/sampler/type", "\"foo\""}, {"/sampler/type", "\"cmaes\""}, {"/pruner", "{\"type\": \"nope\"}"},
                {"/pruner", "{\"type\": \"median\", \"bogus\": 1}"}, {"/pruner", "{\"type\": \"asha\", \"reductionFactor\": 1}"},
                {"/pruner", "{\"type\": \"percentile\", \"percentile\": 150}"}, {"/pruner", "{\"type\": \"anyOf\", \"anyOf\": []}"},
                {"/pruner", "{\"type\": \"anyOf\", \"anyOf\": {}}"}, {"/pruner", "{\"type\": \"median\", \"anyOf\": [{\"type\": \"none\"}]}"},
                {"/pruner", "{\"type\": \"threshold\"}"}, {"/pruner", "{\"type\": \"curve\", \"probability\": 2}"},
                {"/pruner", "{\"type\": \"anyOf\", \"anyOf\": [" + "{\"type\": \"anyOf\", \"anyOf\": [".repeat(12) + "{\"type\": \"none\"}" + "]}".repeat(12) + "]}"},
                {"/trainable/type", "\"resnet\""}, {"/trainable/dataset", "\"mnist\""}, {"/trainable/fixed", "{\"lr\": 1}"},
                {"/trainable/fixed", "{\"sleepMillis\": -5}"}, {"/space/x/type", "\"normal\""}, {"/space/x/bogus", "1"},
                {"/space/x/log", "true"}, {"/space/opt/choices", "[]"}, {"/space/opt/choices", "[\"a\", \"a\"]"},
                {"/space/opt/choices", "[null]"}, {"/space/opt/choices", "[[1]]"}, {"/extra", "1"}, {"/sampler/bogus", "1"},
                {"/cron", "\"every day\""}, {"/direction", "\"up\""}, {"/metric", "\"../x\""},
                {"/sampler", "{\"type\": \"grid\"}"}}) {
            c.add(spec(p[0], p[1]));
        }
        // Bad study and parameter names.
        for (String name : List.of("", "a".repeat(65), "../etc", "a/b", "a b", "<script>alert(1)</script>", "\u00e9t\u00e9",
                ".hidden", "-dash", "x\ny", "exists")) {
            c.add(spec("/name", Api.JSON.valueToTree(name).toString()));
        }
        for (String param : List.of("", "p".repeat(100), "a/b", "<b>", "a b")) {
            c.add(spec("/space/" + param.replace("/", "~1"), "{\"type\": \"int\", \"low\": 0, \"high\": 1}"));
        }
        // Oversized bodies.
        c.add(raw("{\"name\": \"big\", \"pad\": \"" + "x".repeat(TunaServer.MAX_BODY_BYTES) + "\"}"));
        c.add(spec("/space/opt/choices", "[" + "\"c\",".repeat(20_000) + "\"d\"]"));
        // Bad paths and parameters.
        String longName = "n".repeat(300);
        for (Probe p : List.of(call("GET", "/api/studies/" + longName), call("GET", "/api/studies/a%20b"),
                call("GET", "/api/studies/%2e%2e"), call("GET", "/api/studies/..%2F..%2Fetc"), call("GET", "/api/studies/%3Cscript%3E"),
                call("GET", "/api/studies/missing"), call("GET", "/api/studies/missing/trials"), call("GET", "/api/studies/missing/best"),
                call("GET", "/api/studies/exists/trials/abc"), call("GET", "/api/studies/exists/trials/-1"),
                call("GET", "/api/studies/exists/trials/99999999999"), call("GET", "/api/studies/exists/trials/12345"),
                call("GET", "/api/studies/exists/trials?state=bogus"), call("GET", "/api/studies/exists/trials?state=COMPLETE,"), call("GET", "/api/studies/exists/trials?sort=name"),
                call("GET", "/api/studies/exists/trials?limit=0"), call("GET", "/api/studies/exists/trials?limit=1000000"),
                call("GET", "/api/studies/exists/trials?offset=-1"), call("GET", "/api/studies/exists/trials?offset=1e3"),
                call("POST", "/api/studies/missing/stop"), call("POST", "/api/studies/missing/resume"),
                call("DELETE", "/api/studies/missing"), call("DELETE", "/api/studies/a%2Fb"), call("GET", "/api/nothing"),
                call("PUT", "/api/studies"), call("PATCH", "/api/studies/exists"), call("GET", "/api/studies/missing/events"),
                call("POST", "/api/studies/exists"), call("DELETE", "/api/studies"), call("POST", "/api/studies/exists/trials"),
                call("GET", "/api/studies/" + "x".repeat(20_000)), call("GET", "/api/studies/exists/trials?state=" + "A,".repeat(10_000)))) {
            c.add(p);
        }
        return c;
    }

    @Test
    void aWrongMethodOnARouteIs405WithTheMethodsItTakes() {
        // POST on a GET route answered 404 "not found", and HEAD 200 with an empty text body on any API path.
        Api.Answer post = api.send("POST", "/api/studies/exists", null);
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.json().get("detail").asText()).isEqualTo("method POST not allowed on /api/studies/exists; it takes GET, DELETE");
        Api.Answer headStudy = api.send("HEAD", "/api/studies/missing", null);
        assertThat(headStudy.status()).isEqualTo(405);
        assertThat(headStudy.header("Allow")).isEqualTo("GET, DELETE");
        Api.Answer headStudies = api.send("HEAD", "/api/studies", null);
        assertThat(headStudies.status()).isEqualTo(405);
        assertThat(headStudies.header("Allow")).isEqualTo("GET, POST");
    }

    /** Writes a request by hand, {@code trickle} bytes of its body one a second, and reads the status line. */
    private String rawPost(String headers, byte[] body, int trickle) throws Exception {
        java.net.URI uri = java.net.URI.create(api.base);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST /api/studies HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n" + headers
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            try {
                for (int i = 0; i < trickle && socket.getInputStream().available() == 0; i++) {
                    Thread.sleep(1000);
                    out.write(' ');
                    out.flush();
                }
            } catch (java.io.IOException refused) {
                // the server answered and closed: read what it said
            }
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return response.lines().findFirst().orElse("") + "\n" + response.substring(Math.max(0, response.indexOf("\r\n\r\n")));
        }
    }

    @Test
    void aBodyThatTricklesInIsRefusedAndFreesItsThread() throws Exception {
        // A byte every few seconds kept the idle timeout at bay: 300 such clients held every server thread.
        long start = System.nanoTime();
        String answer = rawPost("Content-Type: application/json\r\nContent-Length: 100\r\n", "{".getBytes(StandardCharsets.UTF_8), 15);
        assertThat(answer).startsWith("HTTP/1.1 408").contains("the request body did not arrive");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(12));
        // A length past 2^31 is too large at once (it read as no length, and the server waited for the body).
        assertThat(rawPost("Content-Type: application/json\r\nContent-Length: 2147483648\r\n", "{".getBytes(StandardCharsets.UTF_8), 0))
                .startsWith("HTTP/1.1 413");
    }

    @Test
    void aBodyThatIsNotValidUtf8IsRefusedNotMended() {
        byte[] spec = "{\"name\": \"u8\", \"trials\": 1, \"trainable\": {\"type\": \"quadratic\"}, \"space\": {\"c\": {\"type\": \"categorical\", \"choices\": [\"a__b\", \"ok\"]}}}"
                .getBytes(StandardCharsets.UTF_8);
        int at = new String(spec, StandardCharsets.ISO_8859_1).indexOf("__");
        spec[at] = (byte) 0xff;
        spec[at + 1] = (byte) 0xfe;
        Api.Answer refused = api.send("POST", "/api/studies", spec);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("detail").asText()).isEqualTo("the body is not valid UTF-8 text");
        assertThat(api.get("/api/studies/u8").status()).isEqualTo(404);
    }

    @Test
    void aBodySentInChunksIsHeldToTheSameLimit() throws Exception {
        byte[] big = ("{\"name\": \"chunked\", \"pad\": \"" + "x".repeat(TunaServer.MAX_BODY_BYTES) + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // A publisher of unknown length: the client sends it in chunks, with no Content-Length to refuse it by.
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.base + "/api/studies"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
                .build();
        java.net.http.HttpResponse<String> r = api.http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("the request body is larger than " + TunaServer.MAX_BODY_BYTES + " bytes");
    }

    @Test
    void aBodyIsReadInTheCharsetItDeclares() throws Exception {
        String spec = Api.quadratic("latin", 1, 1, 0);
        String withChoice = spec.replace("[\"a\", \"b\"]", "[\"a\", \"caf\u00e9\"]");
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.base + "/api/studies"))
                .header("Content-Type", "application/json; charset=ISO-8859-1")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(withChoice.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                .build();
        java.net.http.HttpResponse<String> r = api.http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(api.get("/api/studies/latin").body()).contains("caf\u00e9");
        java.net.http.HttpRequest unknown = java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.base + "/api/studies"))
                .header("Content-Type", "application/json; charset=klingon")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(spec)).build();
        assertThat(api.http.send(unknown, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(415);
    }

    @Test
    void aSpecSentAsAFormOrAsTextIsRefusedSayingWhatToSend() throws Exception {
        // Taken before (201), though the API says it takes application/json.
        String spec = Api.quadratic("typed", 1, 1, 0);
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded")) {
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.base + "/api/studies"))
                    .header("Content-Type", type).POST(java.net.http.HttpRequest.BodyPublishers.ofString(spec)).build();
            java.net.http.HttpResponse<String> r = api.http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(415);
            JsonNode problem = Api.JSON.readTree(r.body());
            assertThat(problem.get("field").asText()).isEqualTo("Content-Type");
            assertThat(problem.get("detail").asText()).isEqualTo("a spec is sent as application/json, got '" + type
                    + "' (curl: -H 'Content-Type: application/json')");
        }
        assertThat(api.get("/api/studies/typed").status()).isEqualTo(404);
    }

    @Test
    void everyMalformedRequestGetsAProblemAndTheServerStaysHealthy() {
        List<Probe> corpus = corpus();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(100);
        List<String> wrong = new ArrayList<>();
        for (Probe p : corpus) {
            Api.Answer a = api.send(p.method(), p.path(), p.body());
            boolean ok = a.status() >= 400 && a.status() < 500 && a.contentType().startsWith(TunaServer.PROBLEM_JSON);
            if (ok) {
                JsonNode problem = a.json();
                ok = problem.get("status").asInt() == a.status() && !problem.get("detail").asText().isBlank()
                        && problem.has("field");
            }
            if (!ok) {
                wrong.add(p.label().substring(0, Math.min(80, p.label().length())) + " -> " + a.status() + " " + a.contentType() + " "
                        + a.body().substring(0, Math.min(200, a.body().length())));
            }
            assertThat(api.get("/api/health").status()).isEqualTo(200);
        }
        assertThat(wrong).isEmpty();
        // Nothing was created by the corpus; the one real study is intact.
        assertThat(api.get("/api/studies").json().findValuesAsText("name")).containsExactly("exists");
    }

    @Test
    void problemsNameTheFieldAtFault() {
        JsonNode p = api.send("POST", "/api/studies", spec("/space/x/low", "5").body()).json();
        assertThat(p.get("field").asText()).isEqualTo("space.x.low");
        assertThat(p.get("detail").asText()).isEqualTo("space.x.low: must not be greater than high (got 5 > 2)");
        JsonNode unknown = api.send("POST", "/api/studies", spec("/sampler/type", "\"foo\"").body()).json();
        assertThat(unknown.get("field").asText()).isEqualTo("sampler.type");
        JsonNode badOption = api.send("POST", "/api/studies", spec("/sampler", "{\"type\": \"gp\", \"options\": {\"startupTrials\": 0}}").body()).json();
        assertThat(badOption.get("field").asText()).isEqualTo("sampler.options.startupTrials");
        // A URL the server cannot decode: refused before any route, with what to look at (it said "Bad Request").
        for (String path : List.of("/api/studies/%", "/api/studies/a%2", "/api/studies/%00")) {
            Api.Answer url = api.raw("GET", path, java.util.Map.of("Host", "127.0.0.1"));
            assertThat(url.status()).isEqualTo(400);
            assertThat(url.body()).contains("\"detail\":\"the request cannot be read: its request line, URL or a header"
                    + " is malformed (in a URL, a '%' must start an escape of two hex digits, such as %2F, and %00 is not"
                    + " allowed)\"");
        }
    }
}
