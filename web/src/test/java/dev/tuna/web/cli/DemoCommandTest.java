package dev.tuna.web.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.web.demo.Branin;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

class DemoCommandTest {
    private static final String STUDY = DemoCommand.STUDY;

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run tuna(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TunaCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(Ansi.OFF));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Run demo(Path data, int trials, long seed) {
        return tuna("demo", "--data", data.toString(), "--trials", String.valueOf(trials), "--seed", String.valueOf(seed));
    }

    private static List<FrozenTrial> storedTrials(Path data) {
        try (MapDbStorage storage = MapDbStorage.open(data.resolve("tuna.db"))) {
            return storage.trials(STUDY);
        }
    }

    @Test
    void runsTheStudyIntoTheDataFolderAndPrintsTheBestTrial() {
        Run run = demo(dir, 8, 7);

        assertThat(run.code()).as(run.err()).isZero();
        List<FrozenTrial> trials = storedTrials(dir);
        assertThat(trials).hasSize(8).allMatch(t -> t.state() == TrialState.COMPLETE);
        assertThat(trials).allSatisfy(t -> assertThat(t.value())
                .isEqualTo(Branin.value((Double) t.params().get("x1"), (Double) t.params().get("x2"))));
        FrozenTrial best = trials.stream().min(Comparator.comparingDouble(FrozenTrial::value)).orElseThrow();
        assertThat(run.out())
                .contains(String.format(Locale.ROOT, "Best trial #%d: value %.6f, regret %.6f",
                        best.number(), best.value(), best.value() - Branin.OPTIMUM))
                .contains(String.format(Locale.ROOT, "x1 = %.6f", (Double) best.params().get("x1")))
                .contains(String.format(Locale.ROOT, "x2 = %.6f", (Double) best.params().get("x2")))
                .contains("Data: " + dir.resolve("tuna.db").toAbsolutePath())
                .doesNotContain("Resuming", "afresh");
        // The progress bar went to stderr, got to the end and showed the best value.
        assertThat(run.err()).contains("8/8", String.format(Locale.ROOT, "best %.6g", best.value()));
    }

    @Test
    void aFinishedDemoStartsAfreshWithTheSameTrials() {
        assertThat(demo(dir, 6, 7).code()).isZero();
        List<Map<String, Object>> first = storedTrials(dir).stream().map(FrozenTrial::params).toList();

        Run again = demo(dir, 6, 7);

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("Study 'demo-branin' already has 6 finished trials: starting afresh.");
        List<FrozenTrial> trials = storedTrials(dir);
        assertThat(trials).hasSize(6);
        assertThat(trials.stream().map(FrozenTrial::params).toList()).isEqualTo(first);
    }

    @Test
    void anInterruptedDemoResumesUpToItsTotal() {
        // What a demo killed after 3 trials leaves behind: 3 finished trials and one still RUNNING.
        try (MapDbStorage storage = MapDbStorage.open(dir.resolve("tuna.db"))) {
            Study study = Study.builder(STUDY).sampler(new RandomSampler(7)).storage(storage).create();
            study.optimize(t -> Branin.value(t.suggestFloat("x1", -5, 10), t.suggestFloat("x2", 0, 15)), 3);
            study.ask();
        }
        List<FrozenTrial> before = storedTrials(dir).subList(0, 3);

        Run run = demo(dir, 8, 7);

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Resuming study 'demo-branin': 3 of 8 trials already done.");
        List<FrozenTrial> trials = storedTrials(dir);
        assertThat(trials).hasSize(9);
        assertThat(trials.subList(0, 3)).isEqualTo(before);
        assertThat(trials.get(3).state()).isEqualTo(TrialState.FAIL);
        assertThat(trials.get(3).wasInterrupted()).isTrue();
        assertThat(trials.subList(4, 9)).allMatch(t -> t.state() == TrialState.COMPLETE);
        assertThat(run.err()).contains("8/8");
    }

    @Test
    void theSeedFixesTheTrials() {
        assertThat(demo(dir.resolve("a"), 5, 1).code()).isZero();
        assertThat(demo(dir.resolve("b"), 5, 1).code()).isZero();
        assertThat(demo(dir.resolve("c"), 5, 2).code()).isZero();

        List<Map<String, Object>> a = storedTrials(dir.resolve("a")).stream().map(FrozenTrial::params).toList();
        List<Map<String, Object>> b = storedTrials(dir.resolve("b")).stream().map(FrozenTrial::params).toList();
        List<Map<String, Object>> c = storedTrials(dir.resolve("c")).stream().map(FrozenTrial::params).toList();
        assertThat(b).isEqualTo(a);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void aLockedDatabaseGivesOneLineAndAnErrorCode() {
        try (MapDbStorage lock = MapDbStorage.open(dir.resolve("tuna.db"))) {
            Run run = demo(dir, 5, 7);

            assertThat(run.code()).isNotZero();
            assertThat(run.err().lines().toList()).singleElement().asString()
                    .startsWith("tuna demo: cannot open ")
                    .contains("already open in another process")
                    .doesNotContain("Exception");
            assertThat(run.out()).isEmpty();
            assertThat(lock.studies()).isEmpty();
        }
    }

    @Test
    void rejectsATrialCountBelowOne() {
        Run run = demo(dir, 0, 7);

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err()).startsWith("--trials must be at least 1, got 0");
        assertThat(dir.resolve("tuna.db")).doesNotExist();
    }

    @Test
    void withoutACommandItSaysWhichToUse() {
        Run run = tuna();

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err()).startsWith("Missing a command").contains("demo");
    }
}
