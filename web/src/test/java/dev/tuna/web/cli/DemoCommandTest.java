package dev.tuna.web.cli;

import static dev.tuna.web.cli.TunaRun.tuna;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.search.Study;
import dev.tuna.web.server.StudyService;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.StudySpecParser;
import dev.tuna.web.spec.Trainables;
import java.io.IOException;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo in-process on a 600-digit subset, 2 epochs and a few trials, so that it takes seconds. */
class DemoCommandTest {
    private static final String STUDY = DemoCommand.STUDY;
    private static final Pattern ADDRESS = Pattern.compile("Dashboard: http://127\\.0\\.0\\.1:(\\d+)/ ");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static String[] demoArgs(Path data, int trials, String... more) {
        List<String> args = new ArrayList<>(List.of("demo", "--data", data.toString(), "--port", "0",
                "--trials", String.valueOf(trials), "--dataset", "mnist?samples=600", "--epochs", "2"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static List<FrozenTrial> storedTrials(Path data) {
        try (MapDbStorage storage = MapDbStorage.open(data.resolve("tuna.db"))) {
            return storage.trials(STUDY);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int port(String out) {
        Matcher m = ADDRESS.matcher(out);
        assertThat(m.find()).as("dashboard address in: %s", out).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static void waitFor(StringWriter out, String text) throws InterruptedException {
        for (int i = 0; i < 1200 && !out.toString().contains(text); i++) {
            Thread.sleep(100);
        }
        assertThat(out.toString()).contains(text);
    }

    @Test
    void servesTheDashboardWhileTheStudyRunsAndAfterItFinished() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread demo = new Thread(() -> code.set(tuna(out, err, demoArgs(dir, 3)).code()), "demo-under-test");
        demo.start();
        try {
            waitFor(out, "Dashboard: ");
            int port = port(out.toString());
            HttpResponse<String> health = get(port, "/api/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
            assertThat(out.toString()).startsWith("Study 'demo-mnist' submitted: 3 trials.");

            waitFor(out, "until Ctrl-C");
            assertThat(out.toString()).contains("Study 'demo-mnist' finished: ", "Best trial #")
                    .contains("The dashboard stays at http://127.0.0.1:" + port + "/ until Ctrl-C.");
            // Still serving after the study ended: the study's page data and the dashboard itself.
            JsonNode study = JSON.readTree(get(port, "/api/studies/" + STUDY).body());
            assertThat(study.get("state").asText()).isEqualTo("complete");
            assertThat(study.get("finished").asInt()).isEqualTo(3);
            assertThat(get(port, "/").statusCode()).isEqualTo(200);
            JsonNode spec = study.get("spec");
            assertThat(spec.get("sampler").get("type").asText()).isEqualTo("gp");
            assertThat(spec.get("pruner").get("type").asText()).isEqualTo("asha");
            assertThat(spec.get("metric").asText()).isEqualTo("val_accuracy");
            assertThat(err.toString()).contains("3/3");
        } finally {
            demo.interrupt();
            demo.join(30_000);
        }
        assertThat(demo.isAlive()).isFalse();
        List<FrozenTrial> trials = storedTrials(dir);
        assertThat(trials).hasSize(3).allMatch(t -> t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED);
        assertThat(trials).anyMatch(t -> t.state() == TrialState.COMPLETE);
        assertThat(trials).allSatisfy(t -> assertThat(t.params()).containsOnlyKeys("lr", "units", "optimizer", "dropout"));
    }

    @Test
    void exitsWhenDoneAndAFinishedDemoStartsAfresh() throws Exception {
        TunaRun first = tuna(demoArgs(dir, 2, "--exit-when-done"));

        assertThat(first.code()).as(first.err()).isZero();
        int port = port(first.out());
        assertThat(first.out()).contains("Study 'demo-mnist' finished: ").doesNotContain("until Ctrl-C");
        FrozenTrial best = storedTrials(dir).stream().filter(t -> t.state() == TrialState.COMPLETE)
                .max((a, b) -> Double.compare(a.value(), b.value())).orElseThrow();
        assertThat(best.value()).isBetween(0.0, 1.0);
        assertThat(first.out()).contains(String.format(java.util.Locale.ROOT, "Best trial #%d: val_accuracy %.4f",
                best.number(), best.value()));
        // The server is gone with the command.
        assertThatThrownBy(() -> get(port, "/api/health")).isInstanceOf(ConnectException.class);

        TunaRun again = tuna(demoArgs(dir, 2, "--exit-when-done"));

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).startsWith("Study 'demo-mnist' already has 2 finished trials: starting afresh.");
        assertThat(storedTrials(dir)).hasSize(2);

        // Other options never delete the user's trials: fewer trials run nothing, another seed is refused.
        TunaRun fewer = tuna(demoArgs(dir, 1, "--exit-when-done"));

        assertThat(fewer.code()).as(fewer.err()).isZero();
        assertThat(fewer.out()).startsWith("Study 'demo-mnist' already has 2 finished trials (--trials 1): nothing to run.");
        assertThat(storedTrials(dir)).hasSize(2);
        // The progress shows the study's trials, as tuna run's does (it showed 1/1).
        assertThat(fewer.err()).contains(" 2/2 trials").doesNotContain("1/1");

        TunaRun other = tuna(demoArgs(dir, 2, "--exit-when-done", "--seed", "7"));

        assertThat(other.code()).isEqualTo(1);
        assertThat(other.err().strip()).isEqualTo("tuna demo: --data " + dir.toAbsolutePath().normalize() + ": study "
                + "'demo-mnist' there was run with another sampler (sampler.seed: 42, now 7); run the demo with the same"
                + " options to resume it, or "
                + "give it another --data folder");
        assertThat(storedTrials(dir)).hasSize(2);
    }

    @Test
    void aDemoKilledAsItSubmittedItsStudyStartsAfresh() throws Exception {
        // What a kill between creating the study and storing its spec leaves: it was refused as "another spec".
        try (MapDbStorage storage = MapDbStorage.open(dir.resolve("tuna.db"))) {
            storage.createStudy(STUDY, dev.tuna.core.Direction.MAXIMIZE);
        }
        TunaRun run = tuna(demoArgs(dir, 1, "--exit-when-done"));

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Study 'demo-mnist' submitted: 1 trials.");
        assertThat(storedTrials(dir)).hasSize(1);
    }

    @Test
    void anUnfinishedDemoResumesUpToItsTotal() throws Exception {
        // What a demo killed after one trial leaves: the submitted spec and one finished trial.
        DemoCommand command = new DemoCommand();
        String[] args = demoArgs(dir, 3);
        new CommandLine(command).parseArgs(java.util.Arrays.copyOfRange(args, 1, args.length));
        StudySpec spec = new StudySpecParser(Trainables.builtIn()).parse(command.spec());
        try (MapDbStorage storage = MapDbStorage.open(dir.resolve("tuna.db"))) {
            Study study = StudyService.study(spec, storage);
            storage.setStudyAttr(STUDY, StudyService.ATTR_SPEC,
                    JSON.convertValue(StudySpecParser.toJson(spec), Map.class));
            study.optimize(Trainables.builtIn().create(spec), 1);
        }
        FrozenTrial first = storedTrials(dir).get(0);

        // Fewer trials than it has finished: nothing runs, though the server resumes unfinished studies as it starts.
        TunaRun fewer = tuna(demoArgs(dir, 1, "--exit-when-done"));
        assertThat(fewer.code()).as(fewer.err()).isZero();
        assertThat(fewer.out()).startsWith("Study 'demo-mnist' already has 1 finished trials (--trials 1): nothing to run;"
                + " it stays stopped (resume it on the dashboard).");
        assertThat(storedTrials(dir)).containsExactly(first);

        // More trials than it was started with: it resumes up to the new number (it used to start afresh).
        TunaRun run = tuna(demoArgs(dir, 4, "--exit-when-done"));

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Resuming study 'demo-mnist': 1 of 4 trials already done.");
        List<FrozenTrial> trials = storedTrials(dir);
        assertThat(trials).hasSize(4);
        assertThat(trials.get(0)).isEqualTo(first);
    }

    @Test
    void stoppedWhileItRunsTheDemoSaysItResumesNotThatItFinished() throws Exception {
        String output = stopWhenShown("Dashboard:", "demo", "--data", dir.toString(), "--port", "0", "--trials", "200",
                "--dataset", "mnist?samples=600", "--epochs", "2");
        assertThat(output).contains("Interrupted: running trials get 5 s to finish. Run ./tuna demo again to resume the"
                + " study if it is unfinished (its finished trials are kept).")
                .doesNotContain("finished:").doesNotContain("stays at");
    }

    @Test
    void stoppedWhileItRunsTunaRunSaysHowToGoOn() throws Exception {
        // Two trials at a time, each 12 s long: longer than the 5 s they get to finish after Ctrl-C.
        Path spec = dir.resolve("slow.json");
        java.nio.file.Files.writeString(spec, """
                {"name": "slow", "trials": 100, "parallelism": 2, "sampler": {"type": "random", "seed": 1},
                 "trainable": {"type": "branin", "epochs": 40, "fixed": {"sleepMillis": 300}},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """);
        String output = stopWhenShown("trials", "run", spec.toString(), "--data", dir.resolve("data").toString());
        assertThat(output).contains(System.lineSeparator() + "Interrupted; run the same command again to resume"
                + " (finished trials are kept).");
        // The trials it was running were interrupted there, in both threads, and the file was closed: nothing was
        // left for the next command to find running (which marks such trials "interrupted" alone, and warns).
        try (MapDbStorage storage = MapDbStorage.open(dir.resolve("data").resolve("tuna.db"))) {
            assertThat(storage.trials("slow")).hasSize(2).allSatisfy(t -> {
                assertThat(t.state()).isEqualTo(TrialState.FAIL);
                assertThat(t.reason()).isEqualTo(dev.tuna.worker.dispatch.TrialScheduler.REASON_SHUTDOWN);
                assertThat(t.duration().toMillis()).as("ran its grace first").isGreaterThan(5000);
            });
        }
    }

    /**
     * Runs {@code tuna ARGS} in a process of its own, sends it SIGINT (what Ctrl-C sends) once its output shows
     * {@code shown}, and returns all it wrote. ({@code Process.destroy()} ended the JVM here without running its
     * shutdown hooks, so the signal is sent with {@code kill}.)
     */
    private static String stopWhenShown(String shown, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TunaCommand.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuffer output = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var in = new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)) {
                char[] buffer = new char[1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    output.append(buffer, 0, n);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        try {
            for (int i = 0; i < 1200 && !output.toString().contains(shown); i++) {
                Thread.sleep(50);
            }
            assertThat(output.toString()).contains(shown);
            // Time for both parallel trials to start in the new JVM, on a loaded machine too (1 s was close).
            Thread.sleep(3000);
            assertThat(new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor()).isZero();
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as(output.toString()).isTrue();
            reader.join(10_000);
            return output.toString();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void rejectsBadOptionsInOneLine() {
        TunaRun run = tuna("demo", "--data", dir.toString(), "--trials", "0");

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("tuna demo: --trials must be from 1 to 1000000, got 0 (see 'tuna demo --help')"
                + System.lineSeparator());
        assertThat(dir.resolve("tuna.db")).doesNotExist();
        assertThat(tuna("demo", "--data", dir.toString(), "--port", "70000").err().strip())
                .isEqualTo("tuna demo: --port must be from 0 to 65535, got 70000 (see 'tuna demo --help')");
    }

    @Test
    void withoutACommandItSaysWhichToUse() {
        TunaRun run = tuna();

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err().strip()).isEqualTo("tuna: Missing a command, e.g. 'tuna demo' (see 'tuna --help')");
    }
}
