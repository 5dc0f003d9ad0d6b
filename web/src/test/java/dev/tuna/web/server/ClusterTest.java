package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A cluster end to end: an embedded PostgreSQL server, {@code tuna serve --db} with no slots in this JVM (a
 * coordinator that runs no trial itself) and one real {@code tuna worker --slots 2} process. Studies submitted over
 * REST run on the worker; the API (counts, best, events) works on PostgreSQL as on MapDB; a study stops and resumes
 * across the cluster; a new server resumes the studies of one that stopped; a cron spec is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {
    private static final Pattern JOINED = Pattern.compile("Tuna worker (\\S+) joined the cluster");
    private static final Duration WAIT = Duration.ofSeconds(90);

    private EmbeddedPostgres postgres;
    private String url;
    private Path data;
    private ServerRuntime coordinator;
    private Process worker;
    private Thread workerReader;
    private String workerNode;
    private final List<String> workerOutput = new CopyOnWriteArrayList<>();
    private Api api;
    private JsonNode healthWithoutWorker;
    private JsonNode earlyWithoutWorker;

    @BeforeAll
    void startCluster() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE tuna_cluster");
        }
        url = postgres.getJdbcUrl("postgres", "tuna_cluster");
        data = Files.createTempDirectory("tuna-cluster-test-");
        coordinator = ServerRuntime.startCluster(new ClusterDatabase(url, "postgres", null, Duration.ofSeconds(2)), data,
                "127.0.0.1", 0, null, Trainables.builtIn());
        api = new Api(coordinator.port());
        // Before any worker: what the server says of a study it queues trials for that nothing runs.
        healthWithoutWorker = api.get("/api/health").json();
        assertThat(api.post("/api/studies", Api.quadratic("cl-early", 2, 1, 0)).status()).isEqualTo(201);
        earlyWithoutWorker = api.awaitJson("/api/studies/cl-early", s -> s.get("state").asText().equals("running"), WAIT);
        startWorker();
        // Ended before the tests start: one counts the studies a new server resumes.
        api.awaitJson("/api/studies/cl-early", s -> s.get("state").asText().equals("complete"), WAIT);
    }

    private void startWorker() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        worker = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.tuna.web.cli.TunaCommand",
                "worker", "--db", url, "--db-user", "postgres", "--slots", "2", "--checkin", "2", "--grace", "5")
                .redirectErrorStream(true).start();
        CompletableFuture<String> joined = new CompletableFuture<>();
        workerReader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    workerOutput.add(line);
                    Matcher m = JOINED.matcher(line);
                    if (m.find()) {
                        joined.complete(m.group(1));
                    }
                }
            } catch (Exception e) {
                joined.completeExceptionally(e);
            }
            joined.completeExceptionally(new IllegalStateException("tuna worker ended: " + workerOutput));
        }, "worker-output");
        workerReader.setDaemon(true);
        workerReader.start();
        workerNode = joined.get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    void stopCluster() throws Exception {
        try {
            if (worker != null) {
                // SIGTERM: the worker leaves the cluster gracefully and ends. Through its handle, because
                // Process.destroy() also closes our end of its output, and its last line would be lost.
                worker.toHandle().destroy();
                boolean ended = worker.waitFor(60, TimeUnit.SECONDS);
                if (!ended) {
                    worker.destroyForcibly();
                }
                assertThat(ended).as("the worker ends on SIGTERM; its output: %s", workerOutput).isTrue();
                workerReader.join(10_000);
                assertThat(workerOutput).as("the worker leaves the cluster gracefully (exit %d)", worker.exitValue())
                        .anyMatch(l -> l.contains("Tuna worker " + workerNode + " left the cluster"));
            }
        } finally {
            if (coordinator != null) {
                coordinator.close();
            }
            if (postgres != null) {
                postgres.close();
            }
            // Empty: on a loopback address the coordinator writes no API token.
            Files.deleteIfExists(data);
        }
    }

    @Test
    void aSubmittedStudyRunsOnTheWorkerAndTheApiWorksOnPostgres() throws Exception {
        assertThat(coordinator.nodeName()).isNotEqualTo(workerNode);
        assertThat(api.post("/api/studies", Api.quadratic("cl", 8, 3, 60)).status()).isEqualTo(201);
        // The event stream, as the dashboard reads it: storage is PostgreSQL, the trials run in another process.
        HttpResponse<InputStream> stream = api.http.send(HttpRequest.newBuilder(URI.create(api.base + "/api/studies/cl/events"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        List<String> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while (!events.contains("trial-finished") && (line = in.readLine()) != null) {
                if (line.startsWith("event:")) {
                    events.add(line.substring("event:".length()).strip());
                }
            }
        }
        assertThat(events).startsWith("subscribed").contains("trial-finished");

        JsonNode study = api.awaitJson("/api/studies/cl", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(study.get("finished").asInt()).isEqualTo(8);
        assertThat(study.get("counts").get("complete").asInt()).isEqualTo(8);
        assertThat(study.get("counts").get("fail").asInt()).isZero();

        JsonNode trials = api.get("/api/studies/cl/trials?limit=100&sort=value").json();
        assertThat(trials.get("total").asInt()).isEqualTo(8);
        Set<Integer> numbers = new HashSet<>();
        for (JsonNode t : trials.get("trials")) {
            numbers.add(t.get("number").asInt());
            assertThat(t.get("node").asText()).isEqualTo(workerNode); // in the list too, not only the trial's page
            JsonNode detail = api.get("/api/studies/cl/trials/" + t.get("number").asInt()).json();
            assertThat(detail.get("state").asText()).isEqualTo("COMPLETE");
            assertThat(detail.get("systemAttrs").get("node").asText()).isEqualTo(workerNode);
            assertThat(detail.get("systemAttrs").has("cluster_job")).isTrue();
            assertThat(detail.get("intermediateValues").size()).isEqualTo(3);
        }
        assertThat(numbers).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);

        JsonNode best = api.get("/api/studies/cl/best").json();
        assertThat(best.get("value").asDouble()).isEqualTo(trials.get("trials").get(0).get("value").asDouble());
        assertThat(api.get("/").status()).isEqualTo(200);
    }

    @Test
    void aStudySubmittedWhileNoWorkerIsUpSaysItWaitsAndRunsOnceOneJoins() {
        assertThat(healthWithoutWorker.get("status").asText()).isEqualTo("ok");
        assertThat(healthWithoutWorker.get("workers").asInt()).isZero();
        assertThat(earlyWithoutWorker.get("waiting").asText()).isEqualTo(TunaServer.NO_WORKER);

        JsonNode health = api.awaitJson("/api/health", h -> h.get("workers").asInt() == 1, WAIT);
        assertThat(health.get("status").asText()).isEqualTo("ok");
        JsonNode study = api.awaitJson("/api/studies/cl-early", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(study.get("finished").asInt()).isEqualTo(2);
        assertThat(study.has("waiting")).isFalse();
    }

    @Test
    void aClusterStudyStopsAndResumesOverRest() {
        // Trials of 20 steps of 100 ms: one caught mid-run by the stop is aborted, not finished.
        assertThat(api.post("/api/studies", Api.quadratic("cl-stop", 4, 20, 100)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/cl-stop/trials?state=RUNNING", p -> {
            for (JsonNode t : p.get("trials")) {
                if (t.get("lastStep").asInt() >= 1 && t.get("lastStep").asInt() <= 8) {
                    return true;
                }
            }
            return false;
        }, WAIT);
        assertThat(api.post("/api/studies/cl-stop/stop", null).status()).isEqualTo(202);
        JsonNode stopped = api.awaitJson("/api/studies/cl-stop",
                s -> s.get("state").asText().equals("stopped") && s.get("counts").get("running").asInt() == 0, WAIT);
        assertThat(stopped.get("finished").asInt()).isLessThan(4);
        JsonNode failed = api.get("/api/studies/cl-stop/trials?state=FAIL&limit=100").json();
        assertThat(failed.get("trials")).isNotEmpty();
        for (JsonNode t : failed.get("trials")) {
            assertThat(t.get("reason").asText()).isEqualTo("interrupted: the study was stopped");
        }

        assertThat(api.post("/api/studies/cl-stop/resume", null).status()).isEqualTo(202);
        JsonNode done = api.awaitJson("/api/studies/cl-stop", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(done.get("finished").asInt()).isEqualTo(4);
        JsonNode all = api.get("/api/studies/cl-stop/trials?state=COMPLETE&limit=100").json();
        assertThat(all.get("trials")).isNotEmpty();
        for (JsonNode t : all.get("trials")) {
            JsonNode detail = api.get("/api/studies/cl-stop/trials/" + t.get("number").asInt()).json();
            assertThat(detail.get("systemAttrs").get("node").asText()).isEqualTo(workerNode);
        }
    }

    @Test
    void aStudyDeletedWhileItsTrialsRunWritesNothingIntoANewStudyOfItsName() {
        // Trials address the storage by study name and number: a trial of the old study that wrote nothing between
        // the delete and the new study's creation (one long epoch) then finished into the new study's trial 0,
        // with its own value (near 100^2 here).
        String old = Api.quadratic("cl-again", 1, 1, 3000).replace("\"sleepMillis\": 3000", "\"sleepMillis\": 3000, \"center\": 100");
        assertThat(api.post("/api/studies", old).status()).isEqualTo(201);
        api.awaitJson("/api/studies/cl-again/trials?state=RUNNING", p -> p.get("trials").size() > 0, WAIT);
        assertThat(api.delete("/api/studies/cl-again").status()).isEqualTo(204);
        assertThat(api.post("/api/studies", Api.quadratic("cl-again", 2, 2, 2000)).status()).isEqualTo(201);

        JsonNode done = api.awaitJson("/api/studies/cl-again", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(done.get("counts").get("complete").asInt()).isEqualTo(2);
        for (JsonNode t : api.get("/api/studies/cl-again/trials?limit=100").json().get("trials")) {
            JsonNode detail = api.get("/api/studies/cl-again/trials/" + t.get("number").asInt()).json();
            // This study's values are at most 14 (29 at its first step); the old one's near 10^4.
            assertThat(detail.get("value").asDouble()).as("trial %s", detail).isLessThan(15);
            assertThat(detail.get("intermediateValues").size()).as("trial %s", detail).isEqualTo(2);
            detail.get("intermediateValues").forEach(v -> assertThat(v.asDouble()).isLessThan(30));
        }
        // The old trial's end is an ordinary one on the worker, not an error.
        assertThat(workerOutput).noneMatch(l -> l.contains("ERROR") && l.contains("cl-again"));
    }

    @Test
    void aWorkerTellsWhetherAServerRunsOnItsCluster() throws Exception {
        // With the server up, the worker's start says nothing of it.
        assertThat(workerOutput).noneMatch(l -> l.contains("No `tuna serve --db` runs on this cluster"));
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE tuna_lonely");
        }
        // On a database no server runs on, a worker idled without a word (started before the server, say).
        String lonely = postgres.getJdbcUrl("postgres", "tuna_lonely");
        try (WorkerRuntime alone = WorkerRuntime.start(new ClusterDatabase(lonely, "postgres", null, Duration.ofSeconds(2)),
                Devices.cpu(1), Trainables.builtInForCluster(), Duration.ofSeconds(1))) {
            assertThat(alone.serverRuns()).contains(false);
        }
        try (WorkerRuntime beside = WorkerRuntime.start(new ClusterDatabase(url, "postgres", null, Duration.ofSeconds(2)),
                Devices.cpu(1), Trainables.builtInForCluster(), Duration.ofSeconds(1))) {
            assertThat(beside.serverRuns()).contains(true);
        }
        // Another cluster in a schema of the same database: the server on "public" is not its server (a worker there
        // was told that one ran), and a server of its own may start beside it (it was refused).
        ClusterDatabase other = new ClusterDatabase(url + "&currentSchema=other_cluster", "postgres", null,
                Duration.ofSeconds(2));
        try (WorkerRuntime inOther = WorkerRuntime.start(other, Devices.cpu(1), Trainables.builtInForCluster(),
                Duration.ofSeconds(1))) {
            assertThat(inOther.serverRuns()).contains(false);
            try (CoordinatorLock otherServer = CoordinatorLock.take(other)) {
                assertThat(inOther.serverRuns()).contains(true);
                assertThat(otherServer.held()).isTrue();
            }
        }
    }

    @Test
    void aSecondServerOnTheDatabaseIsRefusedWhileTheFirstRuns() throws Exception {
        // Two servers would each queue and resume the same studies: one resumed a study the other ran (11/10 trials).
        assertThatThrownBy(() -> ServerRuntime.startCluster(new ClusterDatabase(url, "postgres", null, Duration.ofSeconds(2)),
                data, "127.0.0.1", 0, null, Trainables.builtIn()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("--db: another `tuna serve` already runs on this cluster, "
                        + ClusterDatabase.shown(url) + " (one per database schema: it queues every study's trials); add"
                        + " slots with `tuna worker --db`; it holds the lock in database session ")
                // Which server, and how to free the lock of one that hangs (it blocked every new server for good).
                .hasMessageContaining("(tuna serve " + ProcessHandle.current().pid() + "@")
                .hasMessageMatching(".*if that server hangs or its machine is gone, the database ends its session 60 s"
                        + " after its last check, or end its session now to free the lock: SELECT pg_terminate_backend\\(\\d+\\)")
                .extracting(Throwable::getMessage).asString().doesNotContain("\n");
        assertThat(api.get("/api/health").status()).isEqualTo(200); // the first goes on

        // A database restart ends the session holding the lock: the server takes it again on a new connection.
        String holder = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1953854326 AND objid = "
                + CoordinatorLock.key("public") + " AND objsubid = 2 AND granted";
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            int before;
            try (java.sql.ResultSet rs = st.executeQuery(holder)) {
                assertThat(rs.next()).as("the server holds its lock").isTrue();
                before = rs.getInt(1);
            }
            st.execute("SELECT pg_terminate_backend(" + before + ")");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Integer after = null;
            while (after == null && System.nanoTime() < deadline) {
                Thread.sleep(200);
                try (java.sql.ResultSet rs = st.executeQuery(holder)) {
                    after = rs.next() && rs.getInt(1) != before ? rs.getInt(1) : null;
                }
            }
            assertThat(after).as("the lock is held again").isNotNull();
        }
        assertThatThrownBy(() -> ServerRuntime.startCluster(new ClusterDatabase(url, "postgres", null, Duration.ofSeconds(2)),
                data, "127.0.0.1", 0, null, Trainables.builtIn())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aHungServersLockExpiresSoThatAnotherServerMayStart() throws Exception {
        // A server that hangs (SIGSTOP), or whose machine is gone while its connection lingers, held its lock for good:
        // every new server was refused until someone ended its session by hand.
        try (Connection c = java.sql.DriverManager.getConnection(url, "postgres", null); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA hung_cluster");
        }
        ClusterDatabase db = new ClusterDatabase(url + "&currentSchema=hung_cluster", "postgres", null,
                Duration.ofSeconds(2));
        try (CoordinatorLock hung = CoordinatorLock.take(db, Duration.ofSeconds(1))) {
            // It sends nothing from here on (its first check is 10 s away), as a hung server does.
            assertThatThrownBy(() -> CoordinatorLock.take(db)).isInstanceOf(IllegalStateException.class);
            CoordinatorLock next = null;
            for (long until = System.nanoTime() + Duration.ofSeconds(20).toNanos(); next == null
                    && System.nanoTime() < until; ) {
                try {
                    next = CoordinatorLock.take(db);
                } catch (IllegalStateException stillHeld) {
                    Thread.sleep(200);
                }
            }
            assertThat(next).as("a new server's lock, once the hung one's session ended").isNotNull();
            try {
                // The hung server, woken, finds that another took its lock: it queues no more trials.
                assertThat(hung.held()).isFalse();
                assertThat(hung.lost()).isTrue();
            } finally {
                next.close();
            }
        }
    }

    @Test
    void aServerWhoseLockAnotherTookAfterARestartRefusesStudiesUntilItHoldsItAgain() throws Exception {
        // A database restart freed the server's lock and a second server took it: both queued the same studies' trials
        // (a study ran 21 of 20).
        ClusterDatabase db = new ClusterDatabase(url, "postgres", null, Duration.ofSeconds(2));
        CoordinatorLock other = null;
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            for (int attempt = 0; attempt < 5 && other == null; attempt++) {
                Integer pid = null;
                for (int i = 0; i < 150 && pid == null; i++) { // the server takes it again within its check's 10 s
                    try (java.sql.ResultSet rs = st.executeQuery("SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
                            + " AND classid = 1953854326 AND objid = " + CoordinatorLock.key("public") + " AND objsubid = 2 AND granted")) {
                        pid = rs.next() ? rs.getInt(1) : null;
                    }
                    if (pid == null) {
                        Thread.sleep(100);
                    }
                }
                assertThat(pid).as("the server holds its lock").isNotNull();
                st.execute("SELECT pg_terminate_backend(" + pid + ")");
                try {
                    other = CoordinatorLock.take(db);
                } catch (IllegalStateException tookItBackFirst) {
                    // the server's check came in between: again
                }
            }
        }
        assertThat(other).as("a second server's lock").isNotNull();
        try {
            // It took the study and showed it running, and never ran it: once it has looked at its lock (every 10 s),
            // its health says why, and it refuses studies.
            long lookedAt = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (api.get("/api/health").status() != 503 && System.nanoTime() < lookedAt) {
                Thread.sleep(200);
            }
            Api.Answer refused = api.post("/api/studies", Api.quadratic("cl-held", 3, 1, 0));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().get("detail").asText()).startsWith("another `tuna serve` took this cluster's"
                    + " coordinator lock");
            assertThat(api.get("/api/health").status()).isEqualTo(503);
            assertThat(api.get("/api/studies/cl-held").status()).isEqualTo(404);
        } finally {
            other.close();
        }
        // Freed, the lock is taken again (within the server's 10 s check), and a study runs.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (api.get("/api/health").status() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(api.post("/api/studies", Api.quadratic("cl-held", 3, 1, 0)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/cl-held", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(api.get("/api/studies/cl-held").json().get("counts").get("complete").asInt()).isEqualTo(3);
    }

    @Test
    void twoProgramsSharingTheDatabaseRunAGridsPointsOnce() throws Exception {
        // Optuna-style distributed optimisation from code: two storages on the database, as two processes would open.
        java.util.Map<String, List<?>> grid = new java.util.LinkedHashMap<>();
        grid.put("a", java.util.stream.IntStream.range(0, 6).boxed().toList());
        grid.put("b", List.of(0.5, 1.5, 2.5));
        dev.tuna.search.Objective objective = trial -> trial.suggestInt("a", 0, 5) + trial.suggestFloat("b", 0, 3);
        try (dev.tuna.core.storage.PostgresStorage one = dev.tuna.core.storage.PostgresStorage.open(url, "postgres", null);
             dev.tuna.core.storage.PostgresStorage two = dev.tuna.core.storage.PostgresStorage.open(url, "postgres", null)) {
            dev.tuna.search.Study first = dev.tuna.search.Study.builder("code-grid").storage(one)
                    .sampler(new dev.tuna.search.sampler.GridSampler(grid)).create();
            dev.tuna.search.Study second = dev.tuna.search.Study.builder("code-grid").storage(two)
                    .sampler(new dev.tuna.search.sampler.GridSampler(grid)).create();
            dev.tuna.search.OptimizeOptions options = dev.tuna.search.OptimizeOptions.builder().optTrials(100)
                    .optParallelism(2).build();
            Thread other = new Thread(() -> second.optimize(objective, options));
            other.start();
            first.optimize(objective, options);
            other.join();
            List<java.util.Map<String, Object>> points = first.trials().stream().map(dev.tuna.core.FrozenTrial::params).toList();
            assertThat(points).hasSize(18).doesNotHaveDuplicates();
        }
    }

    @Test
    void aNewServerOnTheDatabaseResumesTheStudiesOfOneThatStopped() {
        assertThat(api.post("/api/studies", Api.quadratic("cl-restart", 6, 10, 100)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/cl-restart", s -> s.get("finished").asInt() >= 1, WAIT);
        coordinator.close();
        coordinator = ServerRuntime.startCluster(new ClusterDatabase(url, "postgres", null, Duration.ofSeconds(2)), data,
                "127.0.0.1", 0, null, Trainables.builtIn());
        api = new Api(coordinator.port());
        assertThat(coordinator.resumed()).isEqualTo(1);
        JsonNode done = api.awaitJson("/api/studies/cl-restart", s -> s.get("state").asText().equals("complete"), WAIT);
        // Trials running on the worker when the first server left finish there, so a few more than 6 may end.
        assertThat(done.get("finished").asInt()).isGreaterThanOrEqualTo(6);
        assertThat(done.get("counts").get("fail").asInt()).isZero();
        for (JsonNode t : api.get("/api/studies/cl-restart/trials?limit=100").json().get("trials")) {
            JsonNode detail = api.get("/api/studies/cl-restart/trials/" + t.get("number").asInt()).json();
            assertThat(detail.get("systemAttrs").get("node").asText()).isEqualTo(workerNode);
        }
    }

    @Test
    void theSpecsTimeoutEndsAClusterRun() {
        // 50 trials of 1 s, one at a time, would take 50 s; the run ends after 1 s and its running trial finishes.
        String spec = Api.quadratic("cl-timeout", 50, 10, 100).replaceFirst("\\{", "{\"timeoutSeconds\": 1, ");
        assertThat(api.post("/api/studies", spec).status()).isEqualTo(201);
        // Stopped, timed out, so that a server started later does not resume it.
        JsonNode ended = api.awaitJson("/api/studies/cl-timeout",
                s -> s.get("state").asText().equals("stopped") && s.get("counts").get("running").asInt() == 0, WAIT);
        assertThat(ended.get("timedOut").asBoolean()).isTrue();
        assertThat(ended.get("finished").asInt()).isLessThan(50);
        assertThat(ended.get("counts").get("complete").asInt()).isEqualTo(ended.get("finished").asInt());
    }

    @Test
    void aCronSpecIsRefusedOnACluster() {
        String spec = Api.quadratic("cl-cron", 2, 1, 0).replaceFirst("\\{", "{\"cron\": \"0 0 * * * ?\", ");
        Api.Answer answer = api.post("/api/studies", spec);
        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().get("field").asText()).isEqualTo("cron");
        assertThat(api.get("/api/studies/cl-cron").status()).isEqualTo(404);
    }

    @Test
    void theSpecsTrialTimeoutAbortsEachTrialPastItAndTheStudyGoesOn() {
        api.checkTrialTimeout("cl-trial-timeout", WAIT);
    }
}
