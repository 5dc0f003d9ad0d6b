package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code tuna serve} process killed with SIGKILL mid-study and started again on the same data: finished
 * trials and their curves are intact, the trials that were running are FAIL "interrupted", and the study goes on to
 * its number of trials.
 */
class RestartTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path data;

    /** A child {@code tuna serve} and the port it listens on. */
    private record Server(Process process, int port) {
    }

    private Server serve() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.tuna.web.cli.TunaCommand", "serve", "--port", "0", "--slots", "2", "--data", data.toString())
                .redirectErrorStream(true);
        Process p = pb.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("tuna serve ended with " + p.waitFor()));
            } catch (Exception e) {
                port.completeExceptionally(e);
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        return new Server(p, port.get(60, TimeUnit.SECONDS));
    }

    @Test
    void aKilledServerResumesItsStudyOnTheSameData() throws Exception {
        Server first = serve();
        Map<Integer, JsonNode> finishedBefore = new HashMap<>();
        List<Integer> runningAtKill;
        try {
            Api api = new Api(first.port());
            assertThat(api.post("/api/studies", Api.quadratic("restart", 10, 10, 80)).status()).isEqualTo(201);
            api.awaitJson("/api/studies/restart", s -> s.get("finished").asInt() >= 3, WAIT);
            // What was finished before the kill (durable once finished), with its curves: read first, so that the
            // kill follows the sight of a running trial at once.
            for (JsonNode t : api.get("/api/studies/restart/trials?state=COMPLETE&limit=1000").json().get("trials")) {
                int n = t.get("number").asInt();
                finishedBefore.put(n, api.get("/api/studies/restart/trials/" + n).json());
            }
            // Storage commits a running trial within 200 ms; one that reported 4 steps of 80 ms is on disk, and one
            // that reported at most 6 of its 10 has 320 ms left to run.
            api.awaitJson("/api/studies/restart/trials?state=RUNNING", p -> {
                for (JsonNode t : p.get("trials")) {
                    int step = t.get("lastStep").asInt();
                    if (step >= 4 && step <= 6) {
                        return true;
                    }
                }
                return false;
            }, WAIT);
            first.process().destroyForcibly(); // SIGKILL
            assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            first.process().destroyForcibly();
        }

        Server second = serve();
        try {
            Api api = new Api(second.port());
            // Right after the restart: what the killed process left, before the resumed run adds to it.
            JsonNode left = api.get("/api/studies/restart/trials?limit=1000").json().get("trials");
            runningAtKill = new java.util.ArrayList<>();
            for (JsonNode t : left) {
                if (t.get("state").asText().equals("FAIL") && "interrupted".equals(t.get("reason").asText())) {
                    runningAtKill.add(t.get("number").asInt());
                }
            }
            assertThat(finishedBefore).hasSizeGreaterThanOrEqualTo(3);
            assertThat(runningAtKill).isNotEmpty();

            JsonNode study = api.awaitJson("/api/studies/restart", s -> s.get("state").asText().equals("complete"), WAIT);
            assertThat(study.get("finished").asInt()).isEqualTo(10);
            JsonNode after = api.get("/api/studies/restart/trials?limit=1000").json().get("trials");
            for (Map.Entry<Integer, JsonNode> e : finishedBefore.entrySet()) {
                JsonNode detail = api.get("/api/studies/restart/trials/" + e.getKey()).json();
                assertThat(detail.get("state").asText()).isEqualTo("COMPLETE");
                assertThat(detail.get("value")).isEqualTo(e.getValue().get("value"));
                assertThat(detail.get("params")).isEqualTo(e.getValue().get("params"));
                assertThat(detail.get("intermediateValues")).isEqualTo(e.getValue().get("intermediateValues"));
                assertThat(detail.get("metrics")).isEqualTo(e.getValue().get("metrics"));
                assertThat(detail.get("intermediateValues").size()).isEqualTo(10);
            }
            for (JsonNode t : after) {
                int n = t.get("number").asInt();
                if (runningAtKill.contains(n)) {
                    assertThat(t.get("state").asText()).isEqualTo("FAIL");
                    assertThat(t.get("reason").asText()).isEqualTo("interrupted");
                }
            }
            long complete = 0;
            for (JsonNode t : after) {
                complete += t.get("state").asText().equals("COMPLETE") ? 1 : 0;
            }
            assertThat(complete).isEqualTo(10);
            assertThat(after.size()).isEqualTo(10 + runningAtKill.size());
        } finally {
            second.process().destroy();
            second.process().waitFor(30, TimeUnit.SECONDS);
            second.process().destroyForcibly();
        }
    }
}
