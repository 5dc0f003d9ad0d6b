package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.core.Direction;
import dev.tuna.core.storage.Storage;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every route of the API over real HTTP, against a server on an ephemeral port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TunaServerTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path data;
    ServerRuntime runtime;
    Api api;

    @BeforeAll
    void start() {
        runtime = ServerRuntime.start(data, "127.0.0.1", 0, Devices.cpu(2), Trainables.builtIn());
        api = new Api(runtime.port());
    }

    @AfterAll
    void stop() {
        runtime.close();
    }

    /** What a test does with a server of its own. */
    @FunctionalInterface
    private interface ServerUse {
        void accept(TunaServer server) throws Exception;
    }

    /** Runs {@code use} against a server of its own on {@code storage}, with one CPU slot. */
    private static void serving(Storage storage, ServerUse use) throws Exception {
        try (dev.tuna.worker.dispatch.TrialScheduler scheduler = dev.tuna.worker.dispatch.TrialScheduler.builder(Devices.cpu(1)).build();
             StudyService service = new StudyService(storage, StudyDispatch.local(scheduler), Trainables.builtIn())) {
            TunaServer server = TunaServer.start(service, "127.0.0.1", 0, null);
            try {
                use.accept(server);
            } finally {
                server.close();
            }
        }
    }

    @Test
    void healthSaysFailingWhileTheStorageCannotSaveChanges() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean away = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean slow = new java.util.concurrent.atomic.AtomicBoolean();
        dev.tuna.core.storage.Storage storage = new dev.tuna.core.storage.InMemoryStorage() {
            @Override
            public java.util.Optional<String> writeFailure() {
                return java.util.Optional.ofNullable(failure.get());
            }

            @Override
            public List<dev.tuna.core.storage.StudyInfo> studies() {
                if (slow.get()) {
                    try {
                        Thread.sleep(10_000); // a pool waiting for a connection to a database that is away
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (away.get()) {
                    throw new dev.tuna.core.storage.StorageException("database error: Connection is not available");
                }
                return super.studies();
            }
        };
        serving(storage, server -> {
            Api local = new Api(server.port());
            failure.set("cannot write tuna.db.journal: No space left on device");
            Api.Answer failing = local.get("/api/health");
            assertThat(failing.status()).isEqualTo(503);
            assertThat(failing.json().get("status").asText()).isEqualTo("failing");
            assertThat(failing.json().get("problem").asText()).contains("No space left on device");
            failure.set(null);
            assertThat(local.get("/api/health").status()).isEqualTo(200);
            // A database away: the same shape (it was a problem document, which the dashboard's banner misread).
            away.set(true);
            Api.Answer unread = local.get("/api/health");
            assertThat(unread.status()).isEqualTo(503);
            assertThat(unread.json().get("status").asText()).isEqualTo("failing");
            assertThat(unread.json().get("problem").asText()).contains("Connection is not available");
            // One that does not answer: said within the check's wait (a probe with a short timeout saw a hang of 10 s).
            slow.set(true);
            Api.Answer hanging = local.get("/api/health");
            assertThat(hanging.status()).isEqualTo(503);
            assertThat(hanging.json().get("problem").asText()).isEqualTo("the storage did not answer within 2 s");
            slow.set(false);
        });
    }

    @Test
    void theListLeavesOutAStudyDeletedWhileItIsReadAndTrialNumbersAreAsciiDigits() throws Exception {
        dev.tuna.core.storage.Storage storage = new dev.tuna.core.storage.InMemoryStorage() {
            @Override
            public List<dev.tuna.core.storage.StudyInfo> studies() {
                // One deleted between the list and the read of its trials (another client's DELETE).
                List<dev.tuna.core.storage.StudyInfo> listed = new ArrayList<>(super.studies());
                listed.add(new dev.tuna.core.storage.StudyInfo("gone", dev.tuna.core.Direction.MINIMIZE,
                        java.time.Instant.now(), java.util.Map.of()));
                return listed;
            }
        };
        storage.createStudy("s", dev.tuna.core.Direction.MINIMIZE);
        storage.startTrial("s");
        serving(storage, server -> {
            Api local = new Api(server.port());
            Api.Answer list = local.get("/api/studies");
            assertThat(list.status()).isEqualTo(200); // it answered 404 "no study named 'gone'"
            assertThat(list.json().findValuesAsText("name")).containsExactly("s");

            assertThat(local.get("/api/studies/s/trials/0").status()).isEqualTo(200);
            // "+0" and an Arabic-Indic zero were trial 0 too (Integer.parseInt takes both).
            for (String other : List.of("%2B0", "%D9%A0", "00", "00x")) {
                Api.Answer answer = local.get("/api/studies/s/trials/" + other);
                assertThat(answer.status()).as(other).isEqualTo(400);
                assertThat(answer.json().get("field").asText()).isEqualTo("number");
            }
            assertThat(local.get("/api/studies/s/trials?limit=%2B5").status()).isEqualTo(400);
            assertThat(local.get("/api/studies/s/trials?limit=5").status()).isEqualTo(200);
        });
    }

    @Test
    void healthAndOpenApiDescribeEveryRoute() {
        Api.Answer health = api.get("/api/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");
        JsonNode doc = api.get("/api/openapi.json").json();
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        List<String> paths = new ArrayList<>();
        doc.get("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).containsExactlyInAnyOrder("/api/health", "/api/openapi.json", "/api/studies",
                "/api/studies/{name}", "/api/studies/{name}/trials", "/api/studies/{name}/trials/{number}",
                "/api/studies/{name}/best", "/api/studies/{name}/stop", "/api/studies/{name}/resume",
                "/api/studies/{name}/events", "/api/studies/{name}/importance", "/api/studies/{name}/curves",
                "/api/read-cookie");
        assertThat(doc.at("/paths/~1api~1studies~1{name}/delete")).isNotNull();
        // A trial may return an infinity, which the API sends as a string: its value's schema says so (a best value
        // is never NaN, which fails a trial).
        assertThat(doc.at("/components/schemas/TrialRow/properties/value/oneOf/1/enum").toString())
                .isEqualTo("[\"NaN\",\"Infinity\",\"-Infinity\"]");
        for (String value : List.of("/components/schemas/Best/properties/value", "/components/schemas/Study/properties/best/properties/value")) {
            assertThat(doc.at(value + "/oneOf/1/enum").toString()).as(value).isEqualTo("[\"Infinity\",\"-Infinity\"]");
        }
        // Changes name the bearer token they need beyond loopback; every route says a loopback server may refuse it.
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        doc.get("paths").forEach(path -> path.fields().forEachRemaining(op -> {
            assertThat(op.getValue().at("/responses/403").isMissingNode()).as(op.getKey()).isFalse();
            if (op.getKey().equals("post") || op.getKey().equals("delete")) {
                assertThat(op.getValue().at("/security/0/bearer").isArray()).as(op.getKey()).isTrue();
            }
        }));
        // Reads need it too on a server started with --token-for-reads, but for the health and this document.
        doc.get("paths").fields().forEachRemaining(path -> {
            boolean open = path.getKey().equals("/api/health") || path.getKey().equals("/api/openapi.json");
            path.getValue().fields().forEachRemaining(op -> {
                assertThat(op.getValue().at("/responses/401").isMissingNode()).as(path.getKey()).isEqualTo(open);
                assertThat(op.getValue().at("/security/0/bearer").isArray()).as(path.getKey()).isEqualTo(!open);
            });
        });
    }

    @Test
    void aSubmittedStudyRunsToItsTrialsAndAnswersEveryReadRoute() {
        Api.Answer created = api.post("/api/studies", Api.quadratic("quad-read", 8, 3, 0));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("name").asText()).isEqualTo("quad-read");

        Api.Answer again = api.post("/api/studies", Api.quadratic("quad-read", 8, 3, 0));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).startsWith(TunaServer.PROBLEM_JSON);
        assertThat(again.json().get("field").asText()).isEqualTo("name");

        JsonNode study = api.awaitJson("/api/studies/quad-read", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(study.get("finished").asInt()).isEqualTo(8);
        assertThat(study.get("counts").get("complete").asInt()).isEqualTo(8);
        assertThat(study.get("sampler").asText()).isEqualTo("random");
        assertThat(study.get("spec").get("trainable").get("type").asText()).isEqualTo("quadratic");

        JsonNode list = api.get("/api/studies").json();
        assertThat(list.findValuesAsText("name")).contains("quad-read");

        JsonNode page = api.get("/api/studies/quad-read/trials?state=complete&sort=value&offset=1&limit=3").json();
        assertThat(page.get("total").asInt()).isEqualTo(8);
        assertThat(page.get("trials")).hasSize(3);
        JsonNode all = api.get("/api/studies/quad-read/trials?sort=value").json().get("trials");
        double bestValue = all.get(0).get("value").asDouble();
        for (JsonNode t : all) {
            assertThat(t.get("value").asDouble()).isGreaterThanOrEqualTo(bestValue);
        }
        assertThat(page.get("trials").get(0).get("number").asInt()).isEqualTo(all.get(1).get("number").asInt());
        JsonNode byNumberDesc = api.get("/api/studies/quad-read/trials?sort=-number&limit=1").json().get("trials");
        assertThat(byNumberDesc.get(0).get("number").asInt()).isEqualTo(7);
        // A repeated state adds to the others; curves is true or false, and nothing else.
        assertThat(api.get("/api/studies/quad-read/trials?state=running&state=complete").json().get("total").asInt())
                .isEqualTo(8);
        assertThat(api.get("/api/studies/quad-read/trials?curves=TRUE&limit=1").json().get("trials").get(0)
                .has("intermediateValues")).isTrue();
        Api.Answer yes = api.get("/api/studies/quad-read/trials?curves=yes");
        assertThat(yes.status()).isEqualTo(400);
        assertThat(yes.json().get("field").asText()).isEqualTo("curves");
        assertThat(yes.json().get("detail").asText()).isEqualTo("expected true or false, got 'yes'");

        JsonNode best = api.get("/api/studies/quad-read/best").json();
        assertThat(best.get("value").asDouble()).isEqualTo(bestValue);
        assertThat(best.get("number").asInt()).isEqualTo(all.get(0).get("number").asInt());
        assertThat(best.get("params").has("x")).isTrue();

        JsonNode trial = api.get("/api/studies/quad-read/trials/" + best.get("number").asInt()).json();
        assertThat(trial.get("state").asText()).isEqualTo("COMPLETE");
        assertThat(trial.get("intermediateValues").size()).isEqualTo(3);
        assertThat(trial.get("metrics").get("train_loss").size()).isEqualTo(3);
        // The best trial's metrics at their last step, as Ray Tune's best result has them (it took a second read).
        assertThat(best.get("metrics").get("train_loss").asDouble())
                .isEqualTo(trial.get("metrics").get("train_loss").get("3").asDouble());
        assertThat(best.get("userAttrs").isObject()).isTrue();
        assertThat(trial.get("device").asText()).isEqualTo("cpu");
        assertThat(trial.get("distributions").get("x").get("type").asText()).isEqualTo("float");
        assertThat(trial.get("diagnoses").isArray()).isTrue();
        assertThat(trial.get("durationMillis").asLong()).isNotNegative();
        assertThat(trial.get("start").asText()).isNotEmpty();

        JsonNode importance = api.get("/api/studies/quad-read/importance").json();
        assertThat(importance.get("completed").asInt()).isEqualTo(8);
        assertThat(importance.get("importance").size()).isBetween(1, 3);

        Api.Answer missing = api.get("/api/studies/quad-read/trials/99");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("field").asText()).isEqualTo("number");
    }

    @Test
    void aStudyStopsResumesAndIsDeleted() {
        assertThat(api.post("/api/studies", Api.quadratic("quad-stop", 1000, 2, 20)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/quad-stop", s -> s.get("finished").asInt() >= 2, WAIT);
        Api.Answer stopped = api.post("/api/studies/quad-stop/stop", null);
        assertThat(stopped.status()).isEqualTo(202);
        // Stopped at once, though its interrupted trials may still be ending (it answered "running").
        assertThat(stopped.json().get("state").asText()).isEqualTo("stopped");
        JsonNode study = api.awaitJson("/api/studies/quad-stop", s -> s.get("state").asText().equals("stopped")
                && s.get("counts").get("running").asInt() == 0, WAIT);
        int finished = study.get("finished").asInt();
        assertThat(finished).isLessThan(1000);

        Api.Answer resumed = api.post("/api/studies/quad-stop/resume", null);
        assertThat(resumed.status()).as(resumed.body()).isEqualTo(202);
        api.awaitJson("/api/studies/quad-stop", s -> s.get("finished").asInt() > finished + 1, WAIT);
        Api.Answer again = api.post("/api/studies/quad-stop/resume", null); // running already: left running
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().get("state").asText()).isEqualTo("running");

        assertThat(api.delete("/api/studies/quad-stop").status()).isEqualTo(204);
        assertThat(api.get("/api/studies/quad-stop").status()).isEqualTo(404);
        assertThat(api.get("/api/studies/quad-stop/best").status()).isEqualTo(404);
        assertThat(api.delete("/api/studies/quad-stop").status()).isEqualTo(404);
    }

    @Test
    void aCompleteStudyCanBeNeitherStoppedNorResumedButIsDeleted() {
        assertThat(api.post("/api/studies", Api.quadratic("quad-done", 2, 1, 0)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/quad-done", s -> s.get("state").asText().equals("complete"), WAIT);

        Api.Answer stop = api.post("/api/studies/quad-done/stop", null);
        assertThat(stop.status()).isEqualTo(409);
        assertThat(stop.json().get("detail").asText()).isEqualTo("study 'quad-done' is complete: it cannot be stopped;"
                + " to run more trials, submit its spec again with more, to go on with it (tuna submit --load-if-exists,"
                + " or POST /api/studies?loadIfExists=true)");
        assertThat(api.post("/api/studies/quad-done/resume", null).status()).isEqualTo(409);
        assertThat(api.get("/api/studies/quad-done").json().get("state").asText()).isEqualTo("complete");
        assertThat(api.delete("/api/studies/quad-done").status()).isEqualTo(204);
    }

    @Test
    void aSpecSubmittedAgainWithLoadIfExistsGoesOnWithItsStudy() {
        assertThat(api.post("/api/studies", Api.quadratic("quad-more", 2, 1, 0)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/quad-more", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(api.post("/api/studies", Api.quadratic("quad-more", 5, 1, 0)).status()).isEqualTo(409); // taken
        Api.Answer more = api.post("/api/studies?loadIfExists=true", Api.quadratic("quad-more", 5, 1, 0));
        assertThat(more.status()).as(more.body()).isEqualTo(200);
        JsonNode done = api.awaitJson("/api/studies/quad-more", s -> s.get("state").asText().equals("complete"), WAIT);
        assertThat(done.get("finished").asInt()).isEqualTo(5);
        // Fewer trials: nothing runs, and the study keeps its budget.
        assertThat(api.post("/api/studies?loadIfExists=true", Api.quadratic("quad-more", 3, 1, 0)).status()).isEqualTo(200);
        assertThat(api.get("/api/studies/quad-more").json().get("trials").asInt()).isEqualTo(5);
        // Another space would mix two searches in one study.
        Api.Answer other = api.post("/api/studies?loadIfExists=true",
                Api.quadratic("quad-more", 9, 1, 0).replace("\"low\": -2", "\"low\": -3"));
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.json().get("field").asText()).isEqualTo("space.x.low");
        assertThat(other.json().get("detail").asText()).isEqualTo("study 'quad-more' was submitted with another space"
                + " (space.x.low: -2, now -3): to go on with it, give the same space, or give this study a new name");
        assertThat(api.get("/api/studies/quad-more").json().get("finished").asInt()).isEqualTo(5);
        // A new name is submitted as without the flag; a study made in code has no spec to go on with.
        assertThat(api.post("/api/studies?loadIfExists=true", Api.quadratic("quad-new", 1, 1, 0)).status()).isEqualTo(201);
        Storage storage = runtime.studies().storage();
        storage.createStudy("quad-code", dev.tuna.core.Direction.MINIMIZE);
        storage.finishTrial("quad-code", storage.startTrial("quad-code").number(), dev.tuna.core.TrialState.COMPLETE, 1.0, null);
        Api.Answer code = api.post("/api/studies?loadIfExists=true", Api.quadratic("quad-code", 1, 1, 0));
        assertThat(code.status()).isEqualTo(409);
        assertThat(code.json().get("detail").asText()).contains("made in code");
        assertThat(api.post("/api/studies/quad-code/stop", null).json().get("detail").asText())
                .isEqualTo("study 'quad-code' is complete: it cannot be stopped (it was made in code: the program that"
                        + " made it runs its trials)");
        // A scheduled study is stopped first: its runs to come would keep the spec they were scheduled with.
        String scheduled = Api.quadratic("quad-cron", 1, 1, 0).replaceFirst("\\{", "{\"cron\": \"0 0 0 1 1 ? 2099\", ");
        assertThat(api.post("/api/studies", scheduled).status()).isEqualTo(201);
        Api.Answer cron = api.post("/api/studies?loadIfExists=true", scheduled);
        assertThat(cron.status()).isEqualTo(409);
        assertThat(cron.json().get("detail").asText()).isEqualTo("study 'quad-cron' is scheduled: stop it, then submit the"
                + " spec again to go on with it");
        assertThat(api.post("/api/studies?loadIfExists=maybe", Api.quadratic("quad-x", 1, 1, 0)).status()).isEqualTo(400);
    }

    @Test
    void bestOfAStudyWithoutCompletedTrialsIsNotFound() {
        assertThat(api.post("/api/studies", Api.quadratic("quad-slow", 1, 1, 60_000)).status()).isEqualTo(201);
        // Its trial starts a moment after the submit's answer: read once it runs (read before, it counted none).
        api.awaitJson("/api/studies/quad-slow", s -> s.get("counts").get("running").asInt() == 1, WAIT);
        Api.Answer best = api.get("/api/studies/quad-slow/best");
        assertThat(best.status()).isEqualTo(404);
        // What its trials are, not "yet": a study whose trials all failed has ended without one.
        assertThat(best.json().get("detail").asText()).isEqualTo("study 'quad-slow' has no completed trial (0 complete,"
                + " 0 pruned, 0 failed, 1 running or waiting)");
        assertThat(api.delete("/api/studies/quad-slow").status()).isEqualTo(204);
    }

    @Test
    void aLoopbackServerRefusesOtherHostsAndChangesFromPagesOfOtherSites() {
        assertThat(api.post("/api/studies", Api.quadratic("guarded", 1, 1, 60_000)).status()).isEqualTo(201);
        String self = "127.0.0.1:" + runtime.port();
        // DNS rebinding: a page of evil.example reaches 127.0.0.1 under its own name, which the request carries.
        for (String method : List.of("GET", "DELETE")) {
            Api.Answer rebound = api.raw(method, "/api/studies/guarded", Map.of("Host", "evil.example:" + runtime.port()));
            assertThat(rebound.status()).isEqualTo(403);
            assertThat(rebound.contentType()).startsWith(TunaServer.PROBLEM_JSON);
            assertThat(rebound.json().get("field").asText()).isEqualTo("Host");
        }
        // A cross-site post (a form, or a fetch with a simple content type): the browser says where it comes from.
        Api.Answer csrf = api.raw("POST", "/api/studies/guarded/stop", Map.of("Host", self, "Origin", "http://evil.example"));
        assertThat(csrf.status()).isEqualTo(403);
        assertThat(csrf.json().get("detail").asText()).isEqualTo("a change from a page of another site (http://evil.example) is refused");
        assertThat(api.get("/api/studies/guarded").json().get("state").asText()).isNotEqualTo("stopped");
        // This server's own pages, the name localhost, and programs (no Origin) are served.
        assertThat(api.raw("GET", "/api/studies/guarded", Map.of("Host", "localhost:" + runtime.port())).status()).isEqualTo(200);
        assertThat(api.raw("POST", "/api/studies/guarded/stop", Map.of("Host", self, "Origin", "http://" + self)).status())
                .isEqualTo(202);
        // The stop interrupted the one trial: it does not count, so resuming runs another in its place.
        JsonNode stopped = api.awaitJson("/api/studies/guarded/trials", t -> t.get("trials").size() == 1
                && t.get("trials").get(0).get("state").asText().equals("FAIL"), WAIT);
        assertThat(stopped.get("trials").get(0).get("reason").asText()).isEqualTo("interrupted: the study was stopped");
        assertThat(api.get("/api/studies/guarded").json().get("finished").asInt()).isZero();
        assertThat(api.post("/api/studies/guarded/resume", null).status()).isEqualTo(202);
        api.awaitJson("/api/studies/guarded/trials", t -> t.get("trials").size() == 2, WAIT);
        assertThat(api.delete("/api/studies/guarded").status()).isEqualTo(204);
    }

    @Test
    void aStudyLeftWithoutItsSpecByAKilledSubmitDoesNotBlockItsName() {
        // A kill -9 between creating the study and storing its spec left this behind: no spec, no trials.
        runtime.studies().storage().createStudy("half", dev.tuna.core.Direction.MINIMIZE);
        assertThat(api.post("/api/studies", Api.quadratic("half", 1, 1, 0)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/half", s -> s.get("state").asText().equals("complete"), WAIT);
        // A real study keeps its name.
        assertThat(api.post("/api/studies", Api.quadratic("half", 1, 1, 0)).status()).isEqualTo(409);
        assertThat(api.delete("/api/studies/half").status()).isEqualTo(204);
        // So does one a program made that has no trial yet; it shows what it was made with.
        dev.tuna.search.Study.builder("coded").sampler(new dev.tuna.search.sampler.RandomSampler(1))
                .storage(runtime.studies().storage()).create();
        assertThat(api.post("/api/studies", Api.quadratic("coded", 1, 1, 0)).status()).isEqualTo(409);
        JsonNode coded = api.get("/api/studies/coded").json();
        assertThat(coded.get("sampler").asText()).isEqualTo("RandomSampler");
        assertThat(coded.get("pruner").asText()).isEqualTo("NopPruner");
        assertThat(api.delete("/api/studies/coded").status()).isEqualTo(204);
    }

    @Test
    void aStudyCreatedFromCodeUnderANameNoSpecCouldHaveIsShownAndDeleted() {
        dev.tuna.core.storage.Storage storage = runtime.studies().storage();
        for (String name : List.of("étude-ü-🐟 <i>x</i>", "a-study-with-a-very-long-name-that-keeps-going-and-going-0123456789")) {
            storage.createStudy(name, dev.tuna.core.Direction.MINIMIZE);
            int n = storage.startTrial(name).number();
            storage.finishTrial(name, n, dev.tuna.core.TrialState.COMPLETE, 1.0, null);
            String path = "/api/studies/" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
            storage.setStudyAttr(name, dev.tuna.core.storage.StudyInfo.USER_ATTR_PREFIX + "owner", "ana");
            assertThat(api.get(path).json().get("name").asText()).isEqualTo(name);
            assertThat(api.get(path).json().get("userAttrs").get("owner").asText()).isEqualTo("ana");
            assertThat(api.get(path + "/trials").json().get("trials")).hasSize(1);
            assertThat(api.delete(path).status()).isEqualTo(204);
            assertThat(storage.findStudy(name)).isEmpty();
            Api.Answer gone = api.get(path);
            assertThat(gone.status()).isEqualTo(404);
            assertThat(gone.json().get("detail").asText()).startsWith("no study named '");
        }
        // Methods the API has no route for at all: the answer names the methods this path takes.
        for (String method : List.of("PUT", "PATCH")) {
            Api.Answer a = api.send(method, "/api/studies/x", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(a.status()).isEqualTo(405);
            assertThat(a.header("Allow")).isEqualTo("GET, DELETE");
            assertThat(a.json().get("detail").asText()).isEqualTo("method " + method + " not allowed on /api/studies/x;"
                    + " it takes GET, DELETE");
        }
        Api.Answer stop = api.send("PUT", "/api/studies/x/stop", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(stop.status()).isEqualTo(405);
        assertThat(stop.header("Allow")).isEqualTo("POST");
        assertThat(api.send("PATCH", "/api/nothing", "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
        // Outside the API: a dashboard file takes GET; a path with no file is not found, whatever the method.
        Api.Answer page = api.send("PUT", "/study.html", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(page.status()).isEqualTo(405);
        assertThat(page.header("Allow")).isEqualTo("GET");
        assertThat(api.send("PUT", "/nothing.html", "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
        // A name that is neither stored nor one a spec could have is not found either.
        assertThat(api.get("/api/studies/" + "x".repeat(70)).status()).isEqualTo(404);
    }

    @Test
    void aTrialWithoutReportsHasNoLastStep() {
        dev.tuna.core.storage.Storage storage = runtime.studies().storage();
        storage.createStudy("unreported", dev.tuna.core.Direction.MINIMIZE);
        int failed = storage.startTrial("unreported").number();
        storage.finishTrial("unreported", failed, dev.tuna.core.TrialState.FAIL, null, "failed in its first epoch");
        int reported = storage.startTrial("unreported").number();
        storage.report("unreported", reported, 3, 1.5, java.util.Map.of());
        storage.finishTrial("unreported", reported, dev.tuna.core.TrialState.COMPLETE, 1.5, null);
        com.fasterxml.jackson.databind.JsonNode rows = api.get("/api/studies/unreported/trials").json().get("trials");
        assertThat(rows.get(0).get("lastStep").isNull()).isTrue();
        assertThat(rows.get(1).get("lastStep").asInt()).isEqualTo(3);
        assertThat(api.delete("/api/studies/unreported").status()).isEqualTo(204);
    }

    @Test
    @Timeout(60) // a missed event fails the test instead of blocking the read for ever
    void eventsStreamTrialsAsTheyStartReportAndFinish() throws Exception {
        // About 1 s a trial: the stream only tells of changes after it subscribes, and trials of 0.1 s could all be
        // over by then on a loaded machine.
        assertThat(api.post("/api/studies", Api.quadratic("quad-events", 3, 4, 250)).status()).isEqualTo(201);
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.base + "/api/studies/quad-events/events"))
                .header("Accept", "text/event-stream").build();
        HttpResponse<InputStream> response = api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        Map<Integer, List<Integer>> reportedSteps = new java.util.TreeMap<>();
        Set<Integer> startedSince = new java.util.HashSet<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            int finished = 0;
            String name = null;
            String line;
            while (finished < 3 && (line = in.readLine()) != null) {
                if (line.startsWith("event:")) {
                    name = line.substring("event:".length()).strip();
                    events.add(name);
                    if (name.equals("trial-finished")) {
                        finished++;
                    }
                } else if (line.startsWith("data:") && "trial-started".equals(name)) {
                    startedSince.add(Api.JSON.readTree(line.substring("data:".length())).get("number").asInt());
                } else if (line.startsWith("data:") && "trial-reported".equals(name)) {
                    JsonNode data = Api.JSON.readTree(line.substring("data:".length()));
                    assertThat(data.get("state").asText()).isEqualTo("RUNNING"); // as it was when reported
                    reportedSteps.computeIfAbsent(data.get("number").asInt(), k -> new ArrayList<>()).add(data.get("step").asInt());
                }
            }
        }
        assertThat(events.get(0)).isEqualTo("subscribed");
        assertThat(events).contains("trial-reported").filteredOn("trial-finished"::equals).hasSize(3);
        // Every step reported since the subscription, though a trial reports several between two polls (one event
        // each; there was one for the last of them): all of a trial started since, a tail of one running before.
        for (JsonNode t : api.get("/api/studies/quad-events/trials").json().get("trials")) {
            int number = t.get("number").asInt();
            JsonNode detail = api.get("/api/studies/quad-events/trials/" + number).json();
            List<Integer> stored = new ArrayList<>();
            detail.get("intermediateValues").fieldNames().forEachRemaining(k -> stored.add(Integer.parseInt(k)));
            List<Integer> reported = reportedSteps.getOrDefault(number, List.of());
            assertThat(reported).as("trial %s", number)
                    .isEqualTo(startedSince.contains(number) ? stored : stored.subList(stored.size() - reported.size(), stored.size()));
        }
        assertThat(startedSince).as("trials started after the subscription").isNotEmpty();
        assertThat(api.get("/api/studies/nope/events").status()).isEqualTo(404);
        HttpRequest json = HttpRequest.newBuilder(URI.create(api.base + "/api/studies/quad-events/events"))
                .header("Accept", "application/json").build();
        assertThat(api.http.send(json, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(406);
    }

    @Test
    void trialsWithoutAValueGoLastInEitherValueOrder() {
        Storage storage = runtime.studies().storage();
        storage.createStudy("unvalued", Direction.MINIMIZE);
        for (double v : new double[] {3, 1, 2}) {
            int n = storage.startTrial("unvalued").number();
            storage.finishTrial("unvalued", n, dev.tuna.core.TrialState.COMPLETE, v, null);
        }
        storage.startTrial("unvalued"); // running: no value
        assertThat(api.get("/api/studies/unvalued/trials?sort=value").json().get("trials").findValuesAsText("number"))
                .containsExactly("1", "2", "0", "3");
        // Reversed, the running trial came first.
        assertThat(api.get("/api/studies/unvalued/trials?sort=-value").json().get("trials").findValuesAsText("number"))
                .containsExactly("0", "2", "1", "3");
    }

    @Test
    void aStudyDeletedAsItsFirstClientSubscribesEndsTheStreamWithStudyGone() throws Exception {
        // Deleted after the route found the study but before the hub read its trials: the stream closed without a word.
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        Storage storage = new dev.tuna.core.storage.InMemoryStorage() {
            @Override
            public List<dev.tuna.core.FrozenTrial> trials(String name) {
                if (name.equals("racing") && armed.getAndSet(false)) {
                    deleteStudy(name);
                }
                return super.trials(name);
            }
        };
        storage.createStudy("racing", Direction.MINIMIZE);
        serving(storage, server -> {
            armed.set(true);
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/studies/racing/events")).header("Accept", "text/event-stream").build();
            HttpResponse<String> response = api.http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(armed).isFalse();
            assertThat(response.body()).contains("event: subscribed").contains("event: study-gone");
        });
    }

    @Test
    void aStorageThatFailsForAWhileKeepsTheStreamAndItsNewsComeOnceItAnswers() throws Exception {
        // A database out of reach: every look fails. The stream said the study was gone, and pages said "deleted".
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        Storage storage = new dev.tuna.core.storage.InMemoryStorage() {
            @Override
            public Optional<dev.tuna.core.storage.StudyInfo> findStudy(String name) {
                failIfDown();
                return super.findStudy(name);
            }

            @Override
            public List<dev.tuna.core.FrozenTrial> trialsFrom(String name, int from) {
                failIfDown();
                return super.trialsFrom(name, from);
            }

            private void failIfDown() {
                if (down.get()) {
                    throw new dev.tuna.core.storage.StorageException("database error: Connection is not available");
                }
            }
        };
        storage.createStudy("outage", Direction.MINIMIZE);
        serving(storage, server -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/studies/outage/events")).header("Accept", "text/event-stream").build();
            HttpResponse<InputStream> response = api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(in.readLine()).isEqualTo("event: subscribed");
                EventHub hub = server.events();
                for (int i = 0; i < 500 && hub.listeners("outage") == 0; i++) {
                    Thread.sleep(10);
                }
                down.set(true);
                storage.startTrial("outage"); // unseen while the storage fails
                Thread.sleep(1_000); // five looks, all failing
                assertThat(hub.listeners("outage")).isEqualTo(1);
                down.set(false);
                assertThat(nextEvent(in)).isEqualTo("event: trial-started");
            }
        });
    }

    @Test
    @Timeout(60)
    void aTrialThatStartedAndFinishedBetweenTwoLooksIsToldAsItStartedThenAsItEnded() throws Exception {
        // Its trial-started event said COMPLETE with the final value.
        Storage storage = new dev.tuna.core.storage.InMemoryStorage();
        storage.createStudy("quick", Direction.MINIMIZE);
        serving(storage, server -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/studies/quick/events")).header("Accept", "text/event-stream").build();
            HttpResponse<InputStream> response = api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(in.readLine()).isEqualTo("event: subscribed");
                for (int i = 0; i < 500 && server.events().listeners("quick") == 0; i++) {
                    Thread.sleep(10);
                }
                storage.finishTrial("quick", storage.startTrial("quick").number(), dev.tuna.core.TrialState.COMPLETE, 2.5, null);
                assertThat(nextEvent(in)).isEqualTo("event: trial-started");
                JsonNode started = Api.JSON.readTree(in.readLine().substring("data:".length()));
                assertThat(started.get("state").asText()).isEqualTo("RUNNING");
                assertThat(started.get("value").isNull()).isTrue();
                assertThat(nextEvent(in)).isEqualTo("event: trial-finished");
                JsonNode finished = Api.JSON.readTree(in.readLine().substring("data:".length()));
                assertThat(finished.get("state").asText()).isEqualTo("COMPLETE");
                assertThat(finished.get("value").asDouble()).isEqualTo(2.5);
            }
        });
    }

    @Test
    void aFinishedStudyWithAListenerIsReadOnlyNowAndThen() throws Exception {
        // Every trial was read every 200 ms while a client listened, also when none could change any more.
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Storage storage = countingReads("quiet", reads, new java.util.concurrent.atomic.AtomicInteger());
        storage.createStudy("quiet", Direction.MINIMIZE);
        for (int i = 0; i < 3; i++) {
            storage.finishTrial("quiet", storage.startTrial("quiet").number(), dev.tuna.core.TrialState.COMPLETE, 1.0, null);
        }
        serving(storage, server -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/studies/quiet/events")).header("Accept", "text/event-stream").build();
            HttpResponse<InputStream> response = api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(in.readLine()).isEqualTo("event: subscribed");
                // The first look, which finds it idle: it comes after "subscribed", later on a loaded machine.
                for (int i = 0; i < 1000 && reads.get() == 0; i++) {
                    Thread.sleep(10);
                }
                Thread.sleep(500);
                int before = reads.get();
                Thread.sleep(2_000);
                assertThat(reads.get() - before).as("reads in 2 s").isLessThanOrEqualTo(2); // every 200 ms: 10
                // A trial that starts is still seen, at the next look.
                storage.startTrial("quiet");
                String line;
                do {
                    line = in.readLine();
                } while (line != null && !line.equals("event: trial-started"));
                assertThat(line).isEqualTo("event: trial-started");
            }
        });
    }

    @Test
    void aRunningStudyWithAListenerIsReadFromItsFirstUnfinishedTrialOn() throws Exception {
        // Every trial was read at each look (5 a second), the finished ones too, which never change.
        java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();
        Storage storage = countingReads("busy", new java.util.concurrent.atomic.AtomicInteger(), read);
        storage.createStudy("busy", Direction.MINIMIZE);
        for (int i = 0; i < 200; i++) {
            storage.finishTrial("busy", storage.startTrial("busy").number(), dev.tuna.core.TrialState.COMPLETE, 1.0, null);
        }
        int running = storage.startTrial("busy").number();
        serving(storage, server -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/studies/busy/events")).header("Accept", "text/event-stream").build();
            HttpResponse<InputStream> response = api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(in.readLine()).isEqualTo("event: subscribed");
                // The hub's first look reads every trial; it comes after "subscribed", later on a loaded machine.
                for (int i = 0; i < 1000 && read.get() < 201; i++) {
                    Thread.sleep(10);
                }
                Thread.sleep(300);
                int before = read.get();
                Thread.sleep(1_000);
                // About 5 looks at the one running trial; each read all 201 before.
                assertThat(read.get() - before).as("trials read in 1 s").isBetween(1, 20);
                // What the running trial does, and a trial after it, are still seen.
                storage.report("busy", running, 1, 0.5, Map.of());
                assertThat(nextEvent(in)).isEqualTo("event: trial-reported");
                storage.finishTrial("busy", running, dev.tuna.core.TrialState.COMPLETE, 0.5, null);
                assertThat(nextEvent(in)).isEqualTo("event: trial-finished");
                storage.startTrial("busy");
                assertThat(nextEvent(in)).isEqualTo("event: trial-started");
            }
            // A page of trials by number from an offset reads only those (the dashboard's reading on).
            Api other = new Api(server.port());
            int before = read.get();
            JsonNode page = other.get("/api/studies/busy/trials?offset=150&limit=1000").json();
            assertThat(read.get() - before).isLessThan(60);
            assertThat(page.get("total").asInt()).isEqualTo(202);
            assertThat(page.get("trials").findValuesAsText("number")).hasSize(52).first().isEqualTo("150");
            assertThat(other.get("/api/studies/busy/trials?offset=500").json().get("total").asInt()).isEqualTo(202);
            assertThat(other.get("/api/studies/busy/trials?offset=200&limit=1&sort=-number").json()
                    .get("trials").findValuesAsText("number")).containsExactly("1");
        });
    }

    /** A storage that counts the reads of one study's trials: the calls, and the trials they returned. */
    private static Storage countingReads(String study, java.util.concurrent.atomic.AtomicInteger calls,
                                         java.util.concurrent.atomic.AtomicInteger trials) {
        return new dev.tuna.core.storage.InMemoryStorage() {
            @Override
            public List<dev.tuna.core.FrozenTrial> trialsFrom(String name, int from) {
                List<dev.tuna.core.FrozenTrial> read = super.trialsFrom(name, from);
                if (name.equals(study)) {
                    calls.incrementAndGet();
                    trials.addAndGet(read.size());
                }
                return read;
            }
        };
    }

    /** The next event's line of a stream, after what is not one (data, blank lines, keep-alive comments). */
    private static String nextEvent(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
        } while (line != null && !line.startsWith("event: "));
        return line;
    }

    @Test
    void aStudyDeletedAndMadeAgainEndsItsStreamWithStudyGone() throws Exception {
        Storage storage = runtime.studies().storage();
        storage.createStudy("again", Direction.MINIMIZE);
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.base + "/api/studies/again/events"))
                .header("Accept", "text/event-stream").build();
        HttpResponse<InputStream> response = api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        List<String> events = new ArrayList<>();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        events.add(line.substring("event:".length()).strip());
                        if (events.size() == 1) {
                            // "subscribed" comes before the hub has noted the client and its study: wait for that,
                            // or the study could be replaced before it was ever followed.
                            EventHub hub = runtime.server().events();
                            for (int i = 0; i < 500 && hub.listeners("again") == 0; i++) {
                                Thread.sleep(10);
                            }
                            // Between two polls: deleted and made again, with a trial numbered 0 of its own.
                            storage.deleteStudy("again");
                            storage.createStudy("again", Direction.MINIMIZE);
                            storage.startTrial("again");
                        }
                    }
                }
            }
        }, () -> "the stream went on after the study was replaced: " + events);
        // The stream followed the new study's trial 0 as if it were the old study's.
        assertThat(events).containsExactly("subscribed", "study-gone");
    }

    @Test
    void aClientThatLeavesAFinishedStudysStreamIsLetGoAtTheNextHeartbeat() throws Exception {
        assertThat(api.post("/api/studies", Api.quadratic("quad-quiet", 1, 1, 0)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/quad-quiet", s -> s.get("state").asText().equals("complete"), WAIT);
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.base + "/api/studies/quad-quiet/events"))
                .header("Accept", "text/event-stream").build();
        HttpResponse<InputStream> response = api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        EventHub hub = runtime.server().events();
        response.body().readNBytes(1);
        // The "subscribed" event is sent just before the client joins the hub's set.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (hub.listeners("quad-quiet") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(hub.listeners("quad-quiet")).isEqualTo(1);

        response.body().close(); // the browser left; the study is finished, so no event will notice
        while (hub.listeners("quad-quiet") > 0 && System.nanoTime() < deadline) {
            hub.heartbeat();
            Thread.sleep(100);
        }
        assertThat(hub.listeners("quad-quiet")).isZero();
    }

    @Test
    void anEventStreamIsServedToWhatCurlAccepts() throws Exception {
        assertThat(api.post("/api/studies", Api.quadratic("quad-curl", 1, 1, 0)).status()).isEqualTo(201);
        // Javalin routes ".../events/" to the stream too: it answered an empty 200.
        for (String[] pathAndAccept : new String[][] {{"events", "*/*"}, {"events", "text/*"}, {"events", null},
                {"events/", "*/*"}}) {
            String accept = pathAndAccept[1];
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.base + "/api/studies/quad-curl/" + pathAndAccept[0]));
            if (accept != null) {
                b.header("Accept", accept);
            }
            HttpResponse<InputStream> response = api.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(accept).startsWith("text/event-stream");
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(in.readLine()).as(accept).isEqualTo("event: subscribed");
            }
        }
        assertThat(api.delete("/api/studies/quad-curl").status()).isEqualTo(204);

        assertThat(TunaServer.acceptsEventStream("*/*")).isTrue();
        assertThat(TunaServer.acceptsEventStream(null)).isTrue();
        assertThat(TunaServer.acceptsEventStream("application/json, text/*;q=0.5")).isTrue();
        assertThat(TunaServer.acceptsEventStream("text/event-stream")).isTrue();
        assertThat(TunaServer.acceptsEventStream("application/json")).isFalse();
        assertThat(TunaServer.acceptsEventStream("text/html, application/xml")).isFalse();
    }

    @Test
    void withTokenForReadsEveryApiReadNeedsTheTokenFromAHeaderOrTheDashboardsCookie(@TempDir Path other) {
        try (ServerRuntime closed = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn(), true)) {
            Api anyone = new Api(closed.port());
            String token = closed.token().value();
            String host = "127.0.0.1:" + closed.port();
            // Reads without the token are refused, the health check, the API's document and the pages are not.
            Api.Answer refused = anyone.get("/api/studies");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer");
            assertThat(refused.json().get("detail").asText()).startsWith("no API token given: this server needs"
                    + " 'Authorization: Bearer TOKEN' for reads too");
            assertThat(anyone.get("/api/health").status()).isEqualTo(200);
            assertThat(anyone.get("/api/openapi.json").status()).isEqualTo(200);
            assertThat(anyone.get("/study.html").status()).isEqualTo(200);
            // The health check tells anyone its status, and the rest (how many studies, a problem's text) only the
            // token's holders.
            java.util.List<String> told = new java.util.ArrayList<>();
            anyone.get("/api/health").json().fieldNames().forEachRemaining(told::add);
            assertThat(told).containsExactly("status");
            // The token in a header, or in the dashboard's cookie (an event stream sends no header).
            Api holder = new Api(closed.port());
            holder.token = token;
            assertThat(holder.post("/api/studies", Api.quadratic("q", 1, 1, 0)).status()).isEqualTo(201);
            assertThat(holder.get("/api/studies").status()).isEqualTo(200);
            // The cookie holds a key for reads, set by the server HttpOnly for the token's holder: the token itself in a
            // cookie went to every port of the host (cookies know no ports), and two servers of one host shared one.
            assertThat(anyone.post("/api/read-cookie", "").status()).isEqualTo(401);
            Api.Answer set = holder.post("/api/read-cookie", "");
            assertThat(set.status()).isEqualTo(204);
            String cookie = set.header("Set-Cookie");
            String key = closed.token().readKey();
            assertThat(cookie).isEqualTo("tuna-read-" + closed.port() + "=" + key + "; Path=/api; HttpOnly; SameSite=Strict");
            assertThat(key).doesNotContain(token).hasSize(64);
            String readCookie = "tuna-read-" + closed.port() + "=" + key;
            assertThat(anyone.raw("GET", "/api/studies/q", Map.of("Host", host, "Cookie", readCookie)).status())
                    .isEqualTo(200);
            assertThat(anyone.raw("GET", "/api/health", Map.of("Host", host, "Cookie", readCookie)).body())
                    .contains("\"studies\":1");
            assertThat(holder.get("/api/health").json().get("studies").asInt()).isEqualTo(1);
            for (String wrong : List.of("tuna-read-" + closed.port() + "=nope", "tuna-token=" + token,
                    "tuna-read-1=" + key)) {
                assertThat(anyone.raw("GET", "/api/studies/q", Map.of("Host", host, "Cookie", wrong)).status()).as(wrong)
                        .isEqualTo(401);
            }
            // Changes never take the cookie: another site's page could make the browser send it along.
            assertThat(anyone.raw("POST", "/api/studies/q/stop", Map.of("Host", host, "Cookie", readCookie))
                    .status()).isEqualTo(401);
        }
    }

    @Test
    void aServerThatStopsCleanlyLeavesItsRunningTrialsInterruptedAndNotCounted(@TempDir Path other) {
        // Each trial sleeps far longer than the scheduler's grace period, so closing has to interrupt it.
        try (ServerRuntime first = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            Api client = new Api(first.port());
            assertThat(client.post("/api/studies", Api.quadratic("long", 3, 1, 60_000)).status()).isEqualTo(201);
            client.awaitJson("/api/studies/long", s -> s.get("counts").get("running").asInt() == 1, WAIT);
        }
        try (ServerRuntime second = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            Api client = new Api(second.port());
            assertThat(second.resumed()).isEqualTo(1);
            JsonNode first = client.get("/api/studies/long/trials/0").json();
            assertThat(first.get("state").asText()).isEqualTo("FAIL");
            assertThat(first.get("reason").asText()).isEqualTo("interrupted: the worker shut down");
            assertThat(client.get("/api/studies/long").json().get("finished").asInt()).isZero();
        }
    }

    @Test
    void aStudyWhoseGridIsUsedUpIsCompleteAndNotResumed(@TempDir Path other) {
        String grid = """
                {"name": "small-grid", "trials": 10, "sampler": {"type": "grid", "options": {"grid": {"x": [0.5, 1.5]}}},
                 "trainable": {"type": "quadratic"}, "space": {"x": {"type": "float", "low": -2, "high": 2}}}
                """;
        try (ServerRuntime first = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            Api client = new Api(first.port());
            assertThat(client.post("/api/studies", grid).status()).isEqualTo(201);
            JsonNode study = client.awaitJson("/api/studies/small-grid", s -> s.get("state").asText().equals("complete"),
                    WAIT);
            assertThat(study.get("finished").asInt()).isEqualTo(2);
            assertThat(study.get("exhausted").asBoolean()).as("says why it ended before its 10 trials").isTrue();
        }
        try (ServerRuntime second = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            assertThat(second.resumed()).isZero();
            assertThat(new Api(second.port()).get("/api/studies/small-grid").json().get("state").asText())
                    .isEqualTo("complete");
        }
    }

    @Test
    void aStoredSpecThisBuildCannotRunIsShownButNotResumed(@TempDir Path other) {
        try (ServerRuntime first = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            Api client = new Api(first.port());
            assertThat(client.post("/api/studies", Api.quadratic("orphan", 1000, 1, 20)).status()).isEqualTo(201);
            assertThat(client.post("/api/studies/orphan/stop", null).status()).isEqualTo(202);
        }
        // A build without the trainable: the study is still readable, resuming it is refused with a reason.
        try (ServerRuntime second = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), new Trainables(List.of()))) {
            Api client = new Api(second.port());
            JsonNode study = client.get("/api/studies/orphan").json();
            assertThat(study.get("state").asText()).isEqualTo("stopped");
            assertThat(study.get("spec").get("trainable").get("type").asText()).isEqualTo("quadratic");
            Api.Answer resume = client.post("/api/studies/orphan/resume", null);
            assertThat(resume.status()).isEqualTo(422);
            assertThat(resume.json().get("detail").asText()).contains("cannot run here").contains("unknown trainable 'quadratic'");
            assertThat(client.get("/api/health").status()).isEqualTo(200);
        }
    }

    @Test
    void aStartThatFailsLeavesNoTokenUnshownAndAnEmptyTokenFileIsRefused(@TempDir Path other) throws Exception {
        try (ServerRuntime first = ServerRuntime.start(other.resolve("a"), "127.0.0.1", 0, Devices.cpu(1),
                Trainables.builtIn())) {
            // The port is taken: the token this start made was never printed, so it must not stay either.
            Path data = other.resolve("b");
            assertThatThrownBy(() -> ServerRuntime.start(data, "0.0.0.0", first.port(), Devices.cpu(1),
                    Trainables.builtIn())).hasMessageContaining("already in use");
            assertThat(data.resolve(ApiToken.FILE)).doesNotExist();
        }
        Path empty = other.resolve("c");
        Files.createDirectories(empty);
        Files.writeString(empty.resolve(ApiToken.FILE), "\n");
        assertThatThrownBy(() -> ServerRuntime.start(empty, "0.0.0.0", 0, Devices.cpu(1), Trainables.builtIn()))
                .hasMessageContaining("api-token is empty: delete it");
        // A byte that is not ASCII: said so (it read "Input length = 1").
        Files.write(empty.resolve(ApiToken.FILE), new byte[] {'a', 'b', (byte) 0xff, '\n'});
        assertThatThrownBy(() -> ApiToken.loadOrCreate(empty)).hasMessageContaining("holds a byte that is not ASCII");
    }

    @Test
    void tokenFileIsOwnerOnlyAndGuardsChangesBeyondLoopback(@TempDir Path other) throws Exception {
        try (ServerRuntime open = ServerRuntime.start(other, "0.0.0.0", 0, Devices.cpu(1), Trainables.builtIn())) {
            assertThat(open.token().created()).isTrue();
            Path file = other.resolve(ApiToken.FILE);
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            Api client = new Api(open.port());
            assertThat(client.get("/api/studies").status()).isEqualTo(200);
            Api.Answer refused = client.post("/api/studies", Api.quadratic("guarded", 1, 1, 0));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.contentType()).startsWith(TunaServer.PROBLEM_JSON);
            assertThat(refused.json().get("detail").asText()).startsWith("no API token given: ").contains("api-token");
            client.token = "wrong";
            Api.Answer wrong = client.post("/api/studies", Api.quadratic("guarded", 1, 1, 0));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.json().get("detail").asText()).startsWith("wrong API token: ");
            // The right token in another scheme: said so (it was "wrong API token").
            Api.Answer basic = client.raw("POST", "/api/studies/guarded/stop", Map.of("Host", "127.0.0.1:" + open.port(),
                    "Authorization", "Basic " + open.token().value()));
            assertThat(basic.status()).isEqualTo(401);
            assertThat(basic.json().get("detail").asText()).startsWith("the Authorization header is not a Bearer token: ");
            client.token = open.token().value();
            assertThat(client.post("/api/studies", Api.quadratic("guarded", 1, 1, 0)).status()).isEqualTo(201);
        }
        // The scheme's case does not matter (RFC 7235); an empty token is never one.
        ApiToken token = ApiToken.loadOrCreate(other);
        assertThat(token.accepts("bearer " + token.value())).isTrue();
        assertThat(token.accepts("Bearer ")).isFalse();
        assertThat(token.accepts("Bearer")).isFalse();
        // A second start reads the same token and does not print it again.
        ApiToken again = ApiToken.loadOrCreate(other);
        assertThat(again.created()).isFalse();
        assertThat(again.value()).isEqualTo(Files.readString(other.resolve(ApiToken.FILE)).strip());
        assertThat(Set.of(again.toString())).noneMatch(s -> s.contains(again.value()));
    }

    @Test
    void theSpecsTrialTimeoutAbortsEachTrialPastItAndTheStudyGoesOn() {
        api.checkTrialTimeout("trial-timeout", WAIT);
    }
}
