package dev.tuna.web.cli;

import dev.tuna.core.storage.FileErrors;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.core.storage.StorageInUseException;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.server.StudyService;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.StudySpecParser;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tuna run SPEC.json}: runs a study here, into {@code DIR/tuna.db}, with a progress bar, and prints the best
 * trial. A study of that name already there is resumed up to the spec's number of trials.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        header = "Runs the study of SPEC.json here and prints the best trial.",
        description = "Runs the study of SPEC.json in this process, with a progress bar, and prints the best trial."
                + " A study of that name already in DIR resumes up to its number of trials; its space, sampler,"
                + " pruner and trainable must stay the same.")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SPEC.json", description = "The study spec ('-': standard input).")
    Path specFile;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "tuna-data", description = "Data folder (default: ${DEFAULT-VALUE}).")
    Path data;

    @Override
    public Integer call() {
        StudySpec studySpec = readSpec(specFile);
        if (studySpec.cron() != null) {
            throw new IllegalArgumentException("cron: a scheduled study runs on a server; use 'tuna submit'");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path db = data.resolve(ServerRuntime.DB_FILE).toAbsolutePath().normalize();
        try {
            dev.tuna.core.storage.DataFolder.create(db.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + data + ": " + FileErrors.describe(e), e);
        }
        AtomicBoolean ctrlC = new AtomicBoolean();
        CountDownLatch closed = new CountDownLatch(1);
        try (MapDbStorage storage = openData(db)) {
            Map<?, ?> given = StudySpecParser.toStored(studySpec);
            Optional<StudyInfo> found = storage.findStudy(studySpec.name());
            Optional<Object> stored = found.map(info -> info.attrs().get(StudyService.ATTR_SPEC));
            if (found.isPresent() && stored.isEmpty() && !StudyService.halfSubmitted(storage, found.get())) {
                // Its trials came from a program's objective: a spec's would mix another search into them.
                throw new IllegalArgumentException(SpecFile.shown(specFile) + ": name: study '" + studySpec.name()
                        + "' in " + data + " was made in code, not run from a spec: it cannot go on with one; give"
                        + " this study a new name");
            }
            stored.ifPresent(old -> checkSameStudy(old, given));
            if (stored.isEmpty()) {
                // One an earlier version's kill left without its spec is replaced, as a submit does; made here, not
                // "in code". Created with its spec in one write.
                found.ifPresent(half -> storage.deleteStudy(half.name()));
                storage.createStudy(studySpec.name(), studySpec.direction(), Map.of(StudyService.ATTR_SPEC, given));
            }
            Study study = StudyService.study(studySpec, storage);
            int done = study.countedTrials();
            List<Map<String, Object>> points = StudyService.newPoints(study, studySpec.enqueue(), studySpec.trials());
            if (done < studySpec.trials()) {
                // The budget this run goes up to: what the user asked for last, as Optuna's n_trials (a server
                // started on the folder later resumes the study up to it, and no further).
                storage.setStudyAttr(study.name(), StudyService.ATTR_SPEC, given);
                StudyService.clearTimedOut(storage, storage.findStudy(study.name()).orElseThrow());
                StudyService.queueGoingOn(study, points, studySpec.trials());
            }
            if (done >= studySpec.trials()) {
                out.printf("Study '%s' already has %d finished trials (the spec asks for %d): nothing to run.%n",
                        study.name(), done, studySpec.trials());
            } else if (done > 0) {
                out.printf("Resuming study '%s': %d of %d trials already done.%n", study.name(), done,
                        studySpec.trials());
            }
            out.flush();
            long began = System.nanoTime();
            // Trials run on the machine's devices, as a server's do: every GPU, and as many CPU slots as trials run at
            // once. Made once the spec is known to run here: its Quartz and the GPU probe take a moment.
            try (TrialScheduler scheduler = TrialScheduler.builder(Devices.discover(studySpec.parallelism()))
                    .shutdownGrace(ServerRuntime.SHUTDOWN_GRACE).build()) {
                OptimizeOptions.Builder options = OptimizeOptions.builder().optTotalTrials(studySpec.trials())
                        .optParallelism(studySpec.parallelism())
                        .optExecutor(scheduler.executor().withMaxConcurrent(studySpec.parallelism()));
                studySpec.timeout().ifPresent(options::optTimeout);
                studySpec.trialTimeout().ifPresent(options::optTrialTimeout);
                // Ctrl-C ends the process in the middle of the run. As when a server shuts down, no new trial starts
                // and the running ones get a few seconds to finish, then are interrupted (they end FAIL "interrupted"),
                // and the data file is closed before the process ends; then a line says how to go on. Trials left
                // running were only marked by the next command to open the file, with a warning.
                PrintWriter err = spec.commandLine().getErr();
                Thread interrupted = new Thread(() -> {
                    ctrlC.set(true);
                    scheduler.shutdown(ServerRuntime.SHUTDOWN_GRACE);
                    try {
                        closed.await(INTERRUPTED_END_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    err.printf("%nInterrupted; run the same command again to resume (finished trials are kept).%n");
                    err.flush();
                }, "tuna-run-interrupted");
                Runtime.getRuntime().addShutdownHook(interrupted);
                // A study with more trials than the spec asks for shows them all (it showed 8/8 for 12).
                try (TrialProgress progress = new TrialProgress(study, Math.max(done, studySpec.trials()), done, err)) {
                    study.optimize(Trainables.builtIn().create(studySpec), options.optCallback(progress).build());
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(interrupted);
                    } catch (IllegalStateException shuttingDown) {
                        // Ctrl-C: the hook says so.
                    }
                }
            }
            if (ctrlC.get()) {
                Thread.interrupted();
                return 130; // 128 + SIGINT; the data file closes below, then the process ends
            }
            int counted = study.countedTrials();
            if (counted < studySpec.trials() && study.isExhausted()) {
                // As the server marks it: no new point to try, so the study is complete, not waiting to resume.
                storage.setStudyAttr(study.name(), StudyService.ATTR_EXHAUSTED, true);
                out.printf("Complete after %d of %d trials: the sampler has no point left.%n", counted,
                        studySpec.trials());
            } else if (counted < studySpec.trials()) {
                if (studySpec.ranOutOfTime(began)) {
                    // As a server marks it: held stopped, so that a server on this folder does not give it its time again.
                    storage.setStudyAttr(study.name(), StudyService.ATTR_TIMED_OUT, true);
                }
                String why = studySpec.timeout().map(t -> "its timeout of " + t.toSeconds() + " s ran out")
                        .orElse("it stopped");
                out.printf("Stopped after %d of %d trials: %s; run the same command again to go on.%n", counted,
                        studySpec.trials(), why);
            }
            List<FrozenTrial> trials = study.trials();
            String counts = StudyService.outcomes(trials);
            FrozenTrial best = study.findBestTrial().orElseThrow(() ->
                    new IllegalStateException("no trial of study '" + study.name() + "' completed (" + counts + ")"));
            out.printf(Locale.ROOT, "Best trial #%d: value %.6g%n", best.number(), best.value());
            best.params().forEach((k, v) -> out.printf("  %s = %s%n", Terminal.printable(k),
                    Terminal.printable(String.valueOf(v))));
            out.printf("Data: %s (study '%s', %d trials: %s)%n", db, study.name(), trials.size(), counts);
            out.flush();
        } finally {
            closed.countDown();
        }
        return 0;
    }

    /**
     * Resuming a study may change how many trials it gets, how many run at once and its timeout; anything else
     * would mix trials of two different searches in one study, so it is refused.
     */
    private void checkSameStudy(Object stored, Map<?, ?> given) {
        if (!(stored instanceof Map<?, ?> old)) {
            return;
        }
        new StudySpecParser(Trainables.builtIn()).difference(old, given).ifPresent(d -> {
            throw new IllegalArgumentException(SpecFile.shown(specFile) + ": " + d.path() + ": study '" + given.get("name")
                    + "' in " + data + " was run " + runWith(d) + "; to resume it, use"
                    + " the same " + d.field() + ", or give this study a new name");
        });
    }

    /** How the stored spec and this one differ at one place: "with 10, not 20", "without it (now 20)". */
    private static String runWith(StudySpecParser.Difference d) {
        if (d.was().equals("none")) {
            return "without it (now " + d.now() + ")";
        }
        return "with " + d.was() + (d.now().equals("none") ? " (now without it)" : ", not " + d.now());
    }

    /** How long Ctrl-C waits, after the grace, for interrupted trials to end and the data file to close. */
    private static final int INTERRUPTED_END_SECONDS = 5;


    /** Reads and checks a spec file; problems name the file and the field. */
    static StudySpec readSpec(Path file) {
        String json = SpecFile.read(file);
        try {
            return new StudySpecParser(Trainables.builtIn()).parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SpecFile.shown(file) + ": " + e.getMessage());
        }
    }

    /** The data folder's storage; while a server holds it, the message says how to run the spec there instead. */
    private static MapDbStorage openData(Path db) {
        try {
            return MapDbStorage.open(db);
        } catch (StorageInUseException e) {
            throw new StorageInUseException(e.getMessage() + "; if that is a server, send the spec there with"
                    + " 'tuna submit SPEC --server URL' (a program of yours must close it first)", e);
        }
    }
}
