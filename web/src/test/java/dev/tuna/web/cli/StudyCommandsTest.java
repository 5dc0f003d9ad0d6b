package dev.tuna.web.cli;

import static dev.tuna.web.cli.TunaRun.tuna;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.server.StudyService;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tuna run}, {@code submit}, {@code studies}, {@code trials}, {@code best}, {@code export}, {@code stop},
 * {@code resume} and {@code delete}, on a data folder and a server.
 */
class StudyCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path spec(String name, int trials) throws Exception {
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, """
                {"name": "%s", "trials": %d, "sampler": {"type": "sobol", "seed": 3},
                 "trainable": {"type": "branin", "epochs": 2},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """.formatted(name, trials));
        return file;
    }

    @Test
    void aDataFolderHeldByAServerInAnotherProcessSaysHowToReachIt() throws Exception {
        Path data = dir.resolve("held");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        Process server = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "dev.tuna.web.cli.TunaCommand",
                "serve", "--data", data.toString(), "--port", "0").redirectErrorStream(true).start();
        try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("Tuna server listening on")) {
                // its start-up lines
            }
            assertThat(line).as("the server started").isNotNull();
            // Whoever may submit a spec had the server read any file it could, and got its first line back.
            Path leak = dir.resolve("leak.json");
            Files.writeString(leak, """
                    {"name": "leak", "trials": 1, "direction": "maximize",
                     "trainable": {"type": "mlp", "dataset": "csv:/etc/passwd?label=nope", "epochs": 1},
                     "space": {"lr": {"type": "float", "low": 0.001, "high": 0.01}}}
                    """);
            TunaRun submit = tuna("submit", leak.toString(), "--server", line.substring(line.indexOf("http"),
                    line.indexOf(' ', line.indexOf("http"))));
            assertThat(submit.code()).isNotZero();
            assertThat(submit.err()).contains("trainable.dataset: csv /etc/passwd: a server reads dataset files only"
                    + " from its dataset folders (" + data.toAbsolutePath().normalize().resolve("datasets") + ")")
                    .doesNotContain("root");
            TunaRun read = tuna("studies", "--data", data.toString());
            assertThat(read.code()).isEqualTo(1);
            assertThat(read.err().strip()).endsWith("is already open in another process; if that is a server, read"
                    + " through it with --server URL (a program of yours must close it first)").doesNotContain("\n");
            TunaRun run = tuna("run", spec("br", 2).toString(), "--data", data.toString());
            assertThat(run.code()).isEqualTo(1);
            assertThat(run.err().strip()).endsWith("is already open in another process; if that is a server, send the"
                    + " spec there with 'tuna submit SPEC --server URL' (a program of yours must close it first)");
            // A second server on the folder says what to do instead too.
            TunaRun serve = tuna("serve", "--data", data.toString(), "--port", "0");
            assertThat(serve.code()).isEqualTo(1);
            assertThat(serve.err().strip()).endsWith("is already open in another process; if that is another server,"
                    + " use it (its dashboard, or 'tuna submit SPEC --server URL'), or serve another --data folder")
                    .doesNotContain("\n");
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void runShowsTheBestTrialsValuesEscaped() throws Exception {
        Path file = dir.resolve("esc.json");
        Files.writeString(file, """
                {"name": "esc", "trials": 1, "sampler": {"type": "random", "seed": 1}, "trainable": {"type": "quadratic"},
                 "space": {"c": {"type": "categorical", "choices": ["\\u001b[31mRED\\nX"]}, "x": {"type": "float", "low": 0, "high": 1}}}
                """);
        TunaRun run = tuna("run", file.toString(), "--data", dir.resolve("esc").toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("  c = \\u001b[31mRED\\nX\n").doesNotContain("\u001b");
    }

    @Test
    @SuppressWarnings("unchecked")
    void runWritesTheStudyAndReadCommandsShowIt() throws Exception {
        Path data = dir.resolve("data");
        TunaRun run = tuna("run", spec("br", 6).toString(), "--data", data.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Best trial #");

        List<FrozenTrial> trials;
        try (MapDbStorage storage = MapDbStorage.open(data.resolve(ServerRuntime.DB_FILE))) {
            trials = storage.trials("br");
        }
        assertThat(trials).hasSize(6).allMatch(t -> t.state() == TrialState.COMPLETE && t.intermediateValues().size() == 2);
        FrozenTrial best = trials.stream().min(Comparator.comparingDouble(FrozenTrial::value)).orElseThrow();

        TunaRun json = tuna("best", "br", "--json", "--data", data.toString());
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode b = JSON.readTree(json.out());
        assertThat(b.get("number").asInt()).isEqualTo(best.number());
        assertThat(b.get("value").asDouble()).isEqualTo(best.value());
        assertThat(b.get("params").get("x1").asDouble()).isEqualTo((Double) best.params().get("x1"));
        assertThat(b.get("metrics").get("train_loss").asDouble()).isEqualTo(best.metric("train_loss").lastEntry().getValue());
        assertThat(tuna("best", "br", "--data", data.toString()).out()).contains("  metric train_loss = ");

        TunaRun studies = tuna("studies", "--data", data.toString());
        assertThat(studies.out()).contains("br").contains("complete").contains("6/6").contains("sobol");
        // The data file given for its folder: it read "no studies in .../tuna.db (no tuna.db)".
        TunaRun file = tuna("studies", "--data", data.resolve(ServerRuntime.DB_FILE).toString());
        assertThat(file.code()).isNotZero();
        assertThat(file.err().strip()).isEqualTo("tuna studies: --data names a data folder, and "
                + data.resolve(ServerRuntime.DB_FILE) + " is a file: give its folder, " + data.toAbsolutePath());

        TunaRun list = tuna("trials", "br", "--data", data.toString());
        assertThat(list.out().lines().count()).isEqualTo(7);
        assertThat(tuna("trials", "br", "--state", "complete", "--data", data.toString()).out().lines().count()).isEqualTo(7);
        assertThat(tuna("trials", "br", "--state", "PRUNED,FAIL", "--data", data.toString()).out().lines()).hasSize(1); // the header
        TunaRun badState = tuna("trials", "br", "--state", "done", "--data", data.toString());
        assertThat(badState.code()).isEqualTo(2);
        assertThat(badState.err().lines().findFirst().orElseThrow()).contains("--state").contains("done");

        TunaRun csv = tuna("export", "br", "--format", "csv", "--data", data.toString());
        List<String> lines = csv.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("number,state,value,duration_ms,device,reason,param_x1,param_x2,metric_train_loss");
        assertThat(lines).hasSize(7);
        assertThat(lines.get(1 + best.number())).startsWith(best.number() + ",COMPLETE," + best.value() + ",");

        TunaRun exported = tuna("export", "br", "--format", "json", "--data", data.toString());
        JsonNode all = JSON.readTree(exported.out());
        assertThat(all).hasSize(6);
        assertThat(all.get(0).get("intermediateValues").size()).isEqualTo(2);
        // Run on a device slot of this machine, as a server runs them (a GPU where there is one).
        all.forEach(t -> assertThat(t.get("systemAttrs").get("device").asText()).matches("cpu|gpu:\\d+"));

        // Running the same spec with more trials resumes the study.
        Files.writeString(dir.resolve("br.json"), Files.readString(dir.resolve("br.json")).replace("\"trials\": 6", "\"trials\": 8"));
        TunaRun more = tuna("run", dir.resolve("br.json").toString(), "--data", data.toString());
        assertThat(more.code()).as(more.err()).isZero();
        assertThat(more.out()).contains("Resuming study 'br': 6 of 8").contains("(study 'br', 8 trials: 8 complete, 0 pruned,"
                + " 0 failed)");
        assertThat(tuna("trials", "br", "--data", data.toString()).out().lines().count()).isEqualTo(9);

        // A budget of 12 stopped at 8 (Ctrl-C), then a run that asks for 9: the study's budget is the last run's, so
        // that a server started on the folder later does not run 3 trials nobody asked for any more.
        try (MapDbStorage storage = MapDbStorage.open(data.resolve(ServerRuntime.DB_FILE))) {
            Map<String, Object> stored = new java.util.LinkedHashMap<>(
                    (Map<String, Object>) storage.findStudy("br").orElseThrow().attrs().get(StudyService.ATTR_SPEC));
            stored.put("trials", 12);
            storage.setStudyAttr("br", StudyService.ATTR_SPEC, stored);
        }
        Files.writeString(dir.resolve("br.json"), Files.readString(dir.resolve("br.json")).replace("\"trials\": 8", "\"trials\": 9"));
        TunaRun nine = tuna("run", dir.resolve("br.json").toString(), "--data", data.toString());
        assertThat(nine.out()).contains("Resuming study 'br': 8 of 9").contains("(study 'br', 9 trials: ");
        assertThat(tuna("studies", "--data", data.toString()).out()).contains("9/9");

        // Fewer trials than the study has: nothing runs, and the line says so.
        Files.writeString(dir.resolve("br.json"), Files.readString(dir.resolve("br.json")).replace("\"trials\": 9", "\"trials\": 4"));
        TunaRun fewer = tuna("run", dir.resolve("br.json").toString(), "--data", data.toString());
        assertThat(fewer.out()).startsWith("Study 'br' already has 9 finished trials (the spec asks for 4): nothing to run.");
        assertThat(fewer.err()).contains("9/9 trials").doesNotContain("4/4"); // its trials as they are (4/4 before)
        assertThat(tuna("studies", "--data", data.toString()).out()).contains("9/9"); // its budget is not cut to 4
        assertThat(tuna("trials", "br", "--data", data.toString()).out().lines().count()).isEqualTo(10);

        // Another space under the same name would mix two searches in one study: refused, the study left as it was.
        Files.writeString(dir.resolve("br.json"), Files.readString(dir.resolve("br.json")).replace("\"high\": 10", "\"high\": 20"));
        TunaRun other = tuna("run", dir.resolve("br.json").toString(), "--data", data.toString());
        assertThat(other.code()).isEqualTo(1);
        assertThat(other.err().strip()).isEqualTo("tuna run: " + dir.resolve("br.json") + ": space.x1.high: study 'br'"
                + " in " + data + " was run with 10, not 20; to resume it, use the same space, or give"
                + " this study a new name")
                .doesNotContain("\n");
        // A setting only one of the two has is named so (it read "was run with none, not 0.5").
        Files.writeString(dir.resolve("br.json"), Files.readString(dir.resolve("br.json")).replace("\"high\": 20",
                "\"high\": 10, \"step\": 0.5"));
        assertThat(tuna("run", dir.resolve("br.json").toString(), "--data", data.toString()).err())
                .contains(": space.x1.step: study 'br' in " + data + " was run without it (now 0.5); to resume it");
        assertThat(tuna("trials", "br", "--data", data.toString()).out().lines().count()).isEqualTo(10);
    }

    @Test
    void aRunThatEndsShortOfItsTrialsSaysWhy() throws Exception {
        Path grid = dir.resolve("grid.json");
        Files.writeString(grid, """
                {"name": "g", "trials": 10, "sampler": {"type": "grid"}, "trainable": {"type": "branin", "epochs": 1},
                 "space": {"x1": {"type": "float", "low": 0, "high": 2, "step": 1}, "x2": {"type": "float", "low": 1, "high": 1}}}
                """);
        TunaRun run = tuna("run", grid.toString(), "--data", dir.resolve("data").toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Complete after 3 of 10 trials: the sampler has no point left.");
        assertThat(tuna("studies", "--data", dir.resolve("data").toString()).out()).containsPattern("g +complete +3/10");

        Path slow = dir.resolve("slow.json");
        Files.writeString(slow, """
                {"name": "slow", "trials": 50, "timeoutSeconds": 1, "sampler": {"type": "random", "seed": 1},
                 "trainable": {"type": "branin", "epochs": 1, "fixed": {"sleepMillis": 400}},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """);
        TunaRun timed = tuna("run", slow.toString(), "--data", dir.resolve("data").toString());
        assertThat(timed.code()).as(timed.err()).isZero();
        assertThat(timed.out()).containsPattern("Stopped after \\d+ of 50 trials: its timeout of 1 s ran out; run the same command");
    }

    @Test
    void submitRunsOnAServerAndReadCommandsAskIt() throws Exception {
        try (ServerRuntime server = ServerRuntime.start(dir.resolve("srv"), "127.0.0.1", 0, Devices.cpu(2), Trainables.builtIn())) {
            String url = "http://127.0.0.1:" + server.port();
            TunaRun submit = tuna("submit", spec("remote", 5).toString(), "--server", url);
            assertThat(submit.code()).as(submit.err()).isZero();
            assertThat(submit.out()).contains("Submitted study 'remote'");

            TunaRun again = tuna("submit", spec("remote", 5).toString(), "--server", url);
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err().strip()).isEqualTo("tuna submit: a study named 'remote' already exists: to go on with it, submit with loadIfExists=true"
                    + " (tuna submit --load-if-exists), or give this study a new name").doesNotContain("\n");

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!tuna("studies", "--server", url).out().contains("complete") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            TunaRun studies = tuna("studies", "--server", url);
            assertThat(studies.out()).contains("remote").contains("complete").contains("5/5");
            TunaRun best = tuna("best", "remote", "--json", "--server", url);
            assertThat(best.code()).as(best.err()).isZero();
            assertThat(JSON.readTree(best.out()).get("params").has("x2")).isTrue();
            assertThat(tuna("export", "remote", "--format", "csv", "--server", url).out().lines().count()).isEqualTo(6);
            // Submitted again to go on: up to its new number of trials.
            TunaRun more = tuna("submit", spec("remote", 7).toString(), "--server", url, "--load-if-exists");
            assertThat(more.code()).as(more.err()).isZero();
            assertThat(more.out()).contains("Going on with study 'remote'");
            while (!tuna("studies", "--server", url).out().contains("7/7") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(tuna("studies", "--server", url).out()).contains("7/7");
            TunaRun missing = tuna("best", "nope", "--server", url);
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.err()).contains("nope");
        }
    }

    @Test
    void stopResumeAndDeleteChangeAStudyOnAServerAndDeleteOneInAFolder() throws Exception {
        Path slow = dir.resolve("slow.json");
        Files.writeString(slow, """
                {"name": "slow", "trials": 200, "sampler": {"type": "random", "seed": 3},
                 "trainable": {"type": "branin", "epochs": 2, "fixed": {"sleepMillis": 100}},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """);
        try (ServerRuntime server = ServerRuntime.start(dir.resolve("srv"), "127.0.0.1", 0, Devices.cpu(2), Trainables.builtIn())) {
            String url = "http://127.0.0.1:" + server.port();
            assertThat(tuna("submit", slow.toString(), "--server", url).code()).isZero();
            TunaRun stop = tuna("stop", "slow", "--server", url);
            assertThat(stop.code()).as(stop.err()).isZero();
            assertThat(stop.out()).isEqualTo("Stopped study 'slow' (stopped); 'tuna resume' goes on with it.\n");
            assertThat(server.studies().state(server.studies().info("slow"), 0)).isEqualTo(StudyService.State.STOPPED);

            TunaRun resume = tuna("resume", "slow", "--server", url);
            assertThat(resume.code()).as(resume.err()).isZero();
            assertThat(resume.out()).isEqualTo("Resumed study 'slow' (running).\n");

            TunaRun delete = tuna("delete", "slow", "--server", url);
            assertThat(delete.code()).as(delete.err()).isZero();
            assertThat(delete.out()).isEqualTo("Deleted study 'slow'.\n");
            assertThat(server.studies().storage().findStudy("slow")).isEmpty();
            TunaRun again = tuna("stop", "slow", "--server", url);
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err().strip()).isEqualTo("tuna stop: no study named 'slow'");
        }
        Path data = dir.resolve("local");
        assertThat(tuna("run", spec("gone", 2).toString(), "--data", data.toString()).code()).isZero();
        assertThat(tuna("run", spec("kept", 2).toString(), "--data", data.toString()).code()).isZero();
        TunaRun delete = tuna("delete", "gone", "--data", data.toString());
        assertThat(delete.code()).as(delete.err()).isZero();
        assertThat(tuna("studies", "--data", data.toString()).out()).doesNotContain("gone").contains("kept");
        TunaRun missing = tuna("delete", "gone", "--data", data.toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("tuna delete: no study named 'gone'");
    }

    @Test
    void aStudyWithRunningTrialsIsDeletedOnlyThroughItsServer() {
        InMemoryStorage storage = new InMemoryStorage();
        storage.createStudy("busy", dev.tuna.core.Direction.MINIMIZE);
        storage.startTrial("busy");
        try (StudySource.Local local = new StudySource.Local(storage)) {
            assertThatThrownBy(() -> local.delete("busy")).hasMessage("study 'busy' has 1 running trial: delete it"
                    + " through the server that runs it (--server URL)");
            assertThat(storage.findStudy("busy")).isPresent();
        }
    }

    @Test
    void runRefusesToGoOnWithAStudyMadeInCode() throws Exception {
        Path data = dir.resolve("coded");
        try (MapDbStorage storage = MapDbStorage.open(data.resolve(ServerRuntime.DB_FILE))) {
            dev.tuna.search.Study.builder("mine").storage(storage).create()
                    .optimize(t -> t.suggestInt("units", 1, 9), 3);
            dev.tuna.search.Study.builder("empty").storage(storage).create(); // no trial yet
        }
        for (String name : List.of("mine", "empty")) {
            Path file = spec(name, 6);
            TunaRun run = tuna("run", file.toString(), "--data", data.toString());
            assertThat(run.code()).isEqualTo(1);
            assertThat(run.err().strip()).isEqualTo("tuna run: " + file + ": name: study '" + name + "' in " + data
                    + " was made in code, not run from a spec: it cannot go on with one; give this study a new name");
        }
        try (MapDbStorage storage = MapDbStorage.open(data.resolve(ServerRuntime.DB_FILE))) {
            assertThat(storage.trials("mine")).hasSize(3).allSatisfy(t -> assertThat(t.params()).containsOnlyKeys("units"));
            assertThat(storage.trials("empty")).isEmpty();
            // What a run killed before it stored its spec leaves (no spec, no trial) is run as new, whatever its
            // direction.
            storage.createStudy("half", dev.tuna.core.Direction.MAXIMIZE);
        }
        TunaRun half = tuna("run", spec("half", 2).toString(), "--data", data.toString());
        assertThat(half.code()).as(half.err()).isZero();
    }

    @Test
    void aStudyNamedInCodeIsReadByItsNameFromAFolderAndAServer() throws Exception {
        Path data = dir.resolve("named");
        String name = "my study/\u00fc #1?";
        try (MapDbStorage storage = MapDbStorage.open(data.resolve(ServerRuntime.DB_FILE))) {
            dev.tuna.search.Study study = dev.tuna.search.Study.builder(name).storage(storage)
                    .sampler(new dev.tuna.search.sampler.RandomSampler(1)).create();
            study.optimize(t -> t.suggestFloat("x", 0, 1), 3);
        }
        TunaRun local = tuna("trials", name, "--data", data.toString());
        assertThat(local.code()).as(local.err()).isZero();
        assertThat(local.out().lines().count()).isEqualTo(4);
        try (ServerRuntime server = ServerRuntime.start(data, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            // The scheme's case does not matter (RFC 3986).
            TunaRun remote = tuna("export", name, "--format", "csv", "--server", "HTTP://127.0.0.1:" + server.port());
            assertThat(remote.code()).as(remote.err()).isZero();
            assertThat(remote.out().lines().count()).isEqualTo(4);
        }
        TunaRun escaped = tuna("trials", "\u001b[31mX", "--data", data.toString());
        assertThat(escaped.err().strip()).isEqualTo("tuna trials: no study named '\\u001b[31mX'");
        try (ServerRuntime guarded = ServerRuntime.start(dir.resolve("guarded"), "0.0.0.0", 0, Devices.cpu(1),
                Trainables.builtIn())) {
            TunaRun noToken = tuna("submit", spec("tokenless", 1).toString(), "--server", "http://127.0.0.1:" + guarded.port());
            assertThat(noToken.err().strip()).startsWith("tuna submit: no API token given: ")
                    .endsWith("(give it with --token or the environment variable TUNA_TOKEN)");
        }
        // A server whose reads need the token: the read commands give it with --token (or TUNA_TOKEN).
        try (ServerRuntime closed = ServerRuntime.start(dir.resolve("closed"), "127.0.0.1", 0, Devices.cpu(1),
                Trainables.builtIn(), true)) {
            String url = "http://127.0.0.1:" + closed.port();
            TunaRun without = tuna("studies", "--server", url);
            assertThat(without.code()).isEqualTo(1);
            assertThat(without.err().strip()).startsWith("tuna studies: no API token given: this server needs")
                    .endsWith("(give it with --token or the environment variable TUNA_TOKEN)");
            TunaRun with = tuna("studies", "--server", url, "--token", closed.token().value());
            assertThat(with.code()).as(with.err()).isZero();
        }
        TunaRun tokenAlone = tuna("studies", "--token", "x", "--data", dir.toString());
        assertThat(tokenAlone.code()).isEqualTo(2);
        assertThat(tokenAlone.err()).contains("--token: only with --server");
        TunaRun noScheme = tuna("studies", "--server", "127.0.0.1:7070");
        assertThat(noScheme.code()).isEqualTo(2);
        assertThat(noScheme.err().strip()).isEqualTo("tuna studies: --server: expected the server's http:// or https:// URL,"
                + " such as http://127.0.0.1:7070, got '127.0.0.1:7070' (see 'tuna studies --help')");
        TunaRun query = tuna("studies", "--server", "http://127.0.0.1:7070/?x=1");
        assertThat(query.err().strip()).endsWith("without a query or fragment, got 'http://127.0.0.1:7070/?x=1'"
                + " (see 'tuna studies --help')");
        // A server that fails without a word: the line says where to look.
        com.sun.net.httpserver.HttpServer failing = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        failing.createContext("/", exchange -> {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        failing.start();
        try {
            TunaRun failed = tuna("studies", "--server", "http://127.0.0.1:" + failing.getAddress().getPort());
            assertThat(failed.err().strip()).isEqualTo("tuna studies: HTTP 500 from the server (its log says why)");
        } finally {
            failing.stop(0);
        }
        // Stop and resume act on the server that runs the study (--db was an unknown option).
        TunaRun onDb = tuna("stop", "x", "--db", "jdbc:postgresql://127.0.0.1:5432/tuna");
        assertThat(onDb.code()).isEqualTo(2);
        assertThat(onDb.err().strip()).isEqualTo("tuna stop: --db: a study's run is stopped and resumed on the server that"
                + " runs it, the one of this database: give its --server URL (see 'tuna stop --help')");
        TunaRun onData = tuna("resume", "x", "--data", dir.toString());
        assertThat(onData.err().strip()).startsWith("tuna resume: --data: a study's run is stopped and resumed on the"
                + " server that runs it: give its --server URL");
        TunaRun port = tuna("best", "x", "--server", "http://127.0.0.1:99999");
        assertThat(port.err().strip()).isEqualTo("tuna best: --server: port 99999 is out of range (1 to 65535)"
                + " (see 'tuna best --help')");
        // A token pasted with a line inside it: named, and not echoed.
        TunaRun broken = tuna("studies", "--server", "http://127.0.0.1:7070", "--token", "abc\ndef");
        assertThat(broken.code()).isEqualTo(2);
        assertThat(broken.err().strip()).isEqualTo("tuna studies: --token: the token holds a line break or another"
                + " control character; give the token alone (see 'tuna studies --help')");
    }

    @Test
    void aSpecComesFromStandardInputOrAFileWithAByteOrderMarkAndOtherTextIsNamed() throws Exception {
        Path data = dir.resolve("stdin");
        java.io.InputStream console = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(Files.readAllBytes(spec("piped", 2))));
            TunaRun piped = tuna("run", "-", "--data", data.toString());
            assertThat(piped.code()).as(piped.err()).isZero();
            assertThat(piped.out()).contains("Best trial #");
        } finally {
            System.setIn(console);
        }
        try {
            System.setIn(new java.io.ByteArrayInputStream("{\"name\": \"b\", \"trials\": 0}".getBytes()));
            assertThat(tuna("run", "-", "--data", data.toString()).err().strip())
                    .isEqualTo("tuna run: standard input: trials: must be between 1 and 1000000, got 0");
        } finally {
            System.setIn(console);
        }
        Path marked = dir.resolve("marked.json");
        Files.write(marked, concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, Files.readAllBytes(spec("marked", 2))));
        TunaRun withMark = tuna("run", marked.toString(), "--data", data.toString());
        assertThat(withMark.code()).as(withMark.err()).isZero();
        Path latin1 = dir.resolve("latin1.json");
        Files.write(latin1, Files.readString(spec("caf\u00e9", 2)).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        TunaRun notUtf8 = tuna("run", latin1.toString(), "--data", data.toString());
        assertThat(notUtf8.err().strip()).isEqualTo("tuna run: " + latin1 + ": not UTF-8 text (save the spec as UTF-8)");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void readCommandsLeaveTheDataFolderAsItWas() throws Exception {
        // A backup of a folder a server was writing to: its journal holds changes, and a trial was running.
        Path data = dir.resolve("kept");
        Files.createDirectories(data);
        Path live = dir.resolve("live").resolve(ServerRuntime.DB_FILE);
        try (MapDbStorage storage = MapDbStorage.open(live)) {
            dev.tuna.search.Study study = dev.tuna.search.Study.builder("ro").storage(storage).create();
            study.optimize(t -> t.suggestFloat("x", 0, 1), 2);
            study.ask();
            for (String file : List.of(ServerRuntime.DB_FILE, ServerRuntime.DB_FILE + ".journal")) {
                Files.copy(live.resolveSibling(file), data.resolve(file));
            }
        }
        Map<String, String> before = contents(data);
        for (String[] read : List.of(new String[] {"studies"}, new String[] {"trials", "ro"}, new String[] {"best", "ro"},
                new String[] {"export", "ro", "--format", "json"})) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(read), java.util.stream.Stream.of(
                    "--data", data.toString())).toArray(String[]::new);
            TunaRun run = tuna(args);
            assertThat(run.code()).as(run.err()).isZero();
        }
        Map<String, String> after = contents(data);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
    }

    /** Each file of a folder by name, with a digest of its bytes. */
    private static Map<String, String> contents(Path folder) throws Exception {
        Map<String, String> all = new java.util.TreeMap<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.toList()) {
                all.put(f.getFileName().toString(), java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return all;
    }

    @Test
    void anExportIsNotWrittenOverTheDataFolderItReads() throws Exception {
        Path data = dir.resolve("own");
        assertThat(tuna("run", spec("ex", 2).toString(), "--data", data.toString()).code()).isZero();
        Path link = Files.createSymbolicLink(dir.resolve("export.csv"), data.resolve("tuna.db"));
        for (Path target : List.of(data.resolve("tuna.db"), data.resolve("tuna.db.journal"), link)) {
            TunaRun export = tuna("export", "ex", "--format", "csv", "-o", target.toString(), "--data", data.toString());
            assertThat(export.code()).isEqualTo(2);
            assertThat(export.err()).startsWith("tuna export: --output: " + target + " is a file of the data folder "
                    + data.toRealPath() + ": writing there would destroy its studies; choose another file");
        }
        assertThat(tuna("studies", "--data", data.toString()).out()).contains("2/2");
        // A data file by another name, that a folder's tuna.db links to, is the folder's too.
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.move(data.resolve("tuna.db"), elsewhere.resolve("store.mapdb"));
        Files.move(data.resolve("tuna.db.journal"), elsewhere.resolve("store.mapdb.journal"));
        Files.createSymbolicLink(data.resolve("tuna.db"), elsewhere.resolve("store.mapdb"));
        assertThat(tuna("studies", "--data", data.toString()).out()).contains("2/2");
        for (Path target : List.of(elsewhere.resolve("store.mapdb"), elsewhere.resolve("store.mapdb.journal"))) {
            TunaRun export = tuna("export", "ex", "--format", "csv", "-o", target.toString(), "--data", data.toString());
            assertThat(export.code()).as(target.toString()).isEqualTo(2);
            assertThat(export.err()).contains("writing there would destroy its studies");
        }
        assertThat(tuna("studies", "--data", data.toString()).out()).contains("2/2");
        // Beside them, a file of another name is written.
        assertThat(tuna("export", "ex", "--format", "csv", "-o", data.resolve("tuna.db.csv").toString(), "--data",
                data.toString()).code()).isZero();
        assertThat(Files.readAllLines(data.resolve("tuna.db.csv"))).hasSize(3);
    }

    @Test
    void anExportThatCannotBeWrittenInFullSaysSoAndLeavesNoCutFile() throws Exception {
        Path data = dir.resolve("full");
        assertThat(tuna("run", spec("ex", 3).toString(), "--data", data.toString()).code()).isZero();
        // Standard output on a full disk: every write fails, and a PrintWriter only remembers that it did.
        java.io.Writer full = new java.io.Writer() {
            @Override
            public void write(char[] buffer, int offset, int length) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        picocli.CommandLine cl = TunaCommand.commandLine();
        cl.setOut(new java.io.PrintWriter(full, true));
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err, true));
        assertThat(cl.execute("export", "ex", "--format", "json", "--data", data.toString())).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("tuna export: could not write all of the export to the standard output");

        Path kept = dir.resolve("kept.csv");
        Files.writeString(kept, "an older export\n");
        TunaRun intoFolder = tuna("export", "ex", "--format", "csv", "--data", data.toString(), "-o", dir.toString());
        assertThat(intoFolder.code()).isEqualTo(1);
        Path nowhere = dir.resolve("none").resolve("x.csv");
        TunaRun noFolder = tuna("export", "ex", "--format", "csv", "--data", data.toString(), "-o", nowhere.toString());
        assertThat(noFolder.err().strip()).isEqualTo("tuna export: --output " + nowhere + ": no such file or folder: "
                + nowhere.toAbsolutePath());
        java.util.Set<java.nio.file.attribute.PosixFilePermission> private640 =
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(kept, private640);
        TunaRun written = tuna("export", "ex", "--format", "csv", "--data", data.toString(), "-o", kept.toString());
        assertThat(written.code()).as(written.err()).isZero();
        assertThat(Files.readAllLines(kept)).hasSize(4);
        assertThat(Files.getPosixFilePermissions(kept)).isEqualTo(private640); // a private export stays private
        // A link is followed, not replaced; '-' is the standard output.
        Path link = dir.resolve("link.csv");
        Files.createSymbolicLink(link, kept);
        Files.writeString(kept, "");
        assertThat(tuna("export", "ex", "--format", "csv", "--data", data.toString(), "-o", link.toString()).code()).isZero();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readAllLines(kept)).hasSize(4);
        TunaRun dash = tuna("export", "ex", "--format", "csv", "--data", data.toString(), "-o", "-");
        assertThat(dash.out().lines()).hasSize(4);
        assertThat(Path.of("-")).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void badInputEndsWithOneLineAndAnExitCode() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"name\": \"b\", \"trials\": 0}");
        TunaRun run = tuna("run", bad.toString(), "--data", dir.toString());
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("tuna run: " + bad + ": trials: must be between 1 and 1000000, got 0");

        TunaRun missing = tuna("run", dir.resolve("none.json").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip().lines().count()).isEqualTo(1);

        TunaRun noServer = tuna("studies", "--server", "http://127.0.0.1:1");
        assertThat(noServer.code()).isEqualTo(1);
        assertThat(noServer.err().strip()).isEqualTo("tuna studies: cannot reach the server at http://127.0.0.1:1");
        assertThat(noServer.out()).as("no table header before the error").isEmpty();

        TunaRun both = tuna("studies", "--server", "http://x", "--data", dir.toString());
        assertThat(both.code()).isEqualTo(2); // options that do not go together: a usage error
        assertThat(both.err()).contains("one of --data, --server or --db");

        TunaRun noData = tuna("studies", "--data", dir.resolve("empty").toString());
        assertThat(noData.code()).isEqualTo(1);
        assertThat(noData.err()).contains("no studies");
        assertThat(noData.out()).as("no table header before the error").isEmpty();

        TunaRun badName = tuna("best", "../x", "--data", dir.toString());
        assertThat(badName.code()).isNotZero();

        TunaRun format = tuna("export", "x", "--format", "xml");
        assertThat(format.code()).isEqualTo(2);
    }
}
