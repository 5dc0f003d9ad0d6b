package dev.tuna.web.cli;

import static dev.tuna.web.cli.OptionChecks.check;
import static dev.tuna.web.cli.OptionChecks.checkPort;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.search.Study;
import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.server.StudyService;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.StudySpecParser;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tuna demo}: starts the server on the data folder's embedded MapDB, submits a study that tunes the
 * {@code mlp} on the bundled MNIST digits (GP sampler, ASHA pruner, maximising {@code val_accuracy}), prints the
 * dashboard's address and a progress line, and keeps serving until Ctrl-C (or, with {@code --exit-when-done},
 * until the study has finished). An unfinished demo study resumes; a finished one run with the same options starts
 * afresh, with more trials resumes, and with fewer trials or other slots runs nothing (other options never delete
 * its trials).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "Tunes an MLP on MNIST and serves the dashboard to watch it.",
        description = "Starts the server on DIR/tuna.db, submits the demo study (an MLP on MNIST, GP sampler and ASHA"
                + " pruner), prints the dashboard's address and serves it until Ctrl-C. An unfinished demo resumes;"
                + " a finished one run with the same options starts afresh, with more --trials it resumes, with fewer"
                + " --trials or other --slots it runs nothing.")
final class DemoCommand implements Callable<Integer> {
    /** The name of the demo's study. */
    static final String STUDY = "demo-mnist";
    /** Only the local machine can reach the demo's server. */
    static final String HOST = "127.0.0.1";
    /** How often the progress line is redrawn. */
    private static final long POLL_MILLIS = 500;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "7070", description = "Port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "tuna-data",
            description = "Data folder (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--trials", paramLabel = "N", defaultValue = "20",
            description = "Number of trials of the study (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--exit-when-done", description = "Stop the server and exit once the study has finished.")
    boolean exitWhenDone;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the GP sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "2",
            description = "Trials trained at once on the CPU (default: ${DEFAULT-VALUE}).")
    int slots;

    // For tests: a subset of the digits and fewer epochs keep a demo to seconds.
    @Option(names = "--dataset", defaultValue = "mnist", hidden = true)
    String dataset;

    @Option(names = "--epochs", defaultValue = "6", hidden = true)
    int epochs;

    @Override
    public Integer call() throws InterruptedException {
        checkPort(spec, port);
        check(spec, trials >= 1 && trials <= StudySpec.MAX_TRIALS, "--trials must be from 1 to " + StudySpec.MAX_TRIALS + ", got " + trials);
        check(spec, slots >= 1 && slots <= 64, "--slots must be from 1 to 64, got " + slots);
        check(spec, epochs >= 1 && epochs <= 1000, "--epochs must be from 1 to 1000, got " + epochs);
        // One PyTorch thread per slot: the slots share the cores instead of fighting over them.
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", "1");
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path folder = data.toAbsolutePath().normalize();
        StudySpec demo = new StudySpecParser(Trainables.builtIn()).parse(spec());
        Plan plan = plan(folder, demo);
        // Its dashboard takes new studies too: their datasets' files only from the folder's datasets, as tuna serve's.
        ServerRuntime runtime = ServerRuntime.start(folder, HOST, port,
                Devices.cpu(slots), Trainables.forServer(false, List.of(folder.resolve(ServeCommand.DATASETS))));
        CountDownLatch closed = new CountDownLatch(1);
        AtomicBoolean closing = new AtomicBoolean();
        AtomicBoolean watching = new AtomicBoolean();
        PrintWriter err = spec.commandLine().getErr();
        Thread hook = new Thread(() -> {
            // Read first: once closing is set, the progress loop ends and the main thread clears it.
            boolean wasWatching = watching.get();
            // Then closing, so that the progress loop does not take the end of the run that closing causes for its end.
            closing.set(true);
            if (wasWatching) {
                // Said here: the process ends when this hook does, and a line the main thread was about to write
                // after it was lost.
                err.printf("%nInterrupted: running trials get 5 s to finish. Run ./tuna demo again to resume the study"
                        + " if it is unfinished (its finished trials are kept).%n");
                err.flush();
            }
            runtime.close();
            closed.countDown();
        }, "tuna-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean closeHere = true;
        try {
            out.println(start(runtime.studies(), demo, plan));
            out.printf("Dashboard: http://%s:%d/ (study page: http://%s:%d/study.html?name=%s)%n",
                    HOST, runtime.port(), HOST, runtime.port(), STUDY);
            out.flush();
            watching.set(true);
            boolean finished = watch(runtime.studies(), closing, closed);
            watching.set(false);
            if (!finished) {
                closeHere = false; // Ctrl-C: the hook says so and closes the server.
                return 130;
            }
            out.println(summary(runtime.studies()));
            if (!exitWhenDone) {
                out.printf("The dashboard stays at http://%s:%d/ until Ctrl-C.%n", HOST, runtime.port());
                out.flush();
                closed.await();
                closeHere = false;
            }
            out.flush();
            return 0;
        } finally {
            if (closeHere) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    runtime.close();
                } catch (IllegalStateException shuttingDown) {
                    // The JVM is exiting: the hook closes the server.
                }
            }
        }
    }

    /** The demo study's spec: the search space of issue 3's MNIST study, small enough for a laptop's CPU. */
    ObjectNode spec() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode s = f.objectNode();
        s.put("name", STUDY);
        s.put("direction", "maximize");
        s.put("metric", "val_accuracy");
        s.put("trials", trials);
        s.put("parallelism", slots);
        s.putObject("sampler").put("type", "gp").put("seed", seed);
        s.putObject("pruner").put("type", "asha").put("minResource", 1).put("reductionFactor", 3);
        ObjectNode trainable = s.putObject("trainable").put("type", "mlp").put("dataset", dataset).put("epochs", epochs);
        trainable.putObject("fixed").put("batchSize", 128);
        ObjectNode space = s.putObject("space");
        space.putObject("lr").put("type", "float").put("low", 1e-4).put("high", 1e-1).put("log", true);
        space.putObject("units").put("type", "int").put("low", 32).put("high", 512).put("log", true);
        space.putObject("optimizer").put("type", "categorical").putArray("choices").add("adam").add("momentum");
        space.putObject("dropout").put("type", "float").put("low", 0.0).put("high", 0.5);
        return s;
    }

    /** What becomes of the demo study: the line that says so, and whether it is submitted anew or resumed. */
    private record Plan(String line, boolean submit, boolean resume) {
    }

    /**
     * Decides what becomes of a stored demo study, before the server starts (which resumes an unfinished study at
     * once). An unfinished study resumes, with the new number of trials and slots if they changed; a finished one
     * starts afresh when run with the same options. A study the options would change otherwise is refused, never
     * deleted: its trials are the user's.
     */
    private static Plan plan(Path folder, StudySpec demo) {
        Path db = folder.resolve(ServerRuntime.DB_FILE);
        if (!java.nio.file.Files.exists(db)) {
            return new Plan(submitted(demo), true, false);
        }
        try (MapDbStorage storage = MapDbStorage.open(db)) {
            Optional<StudyInfo> found = storage.findStudy(STUDY);
            // A demo killed as it submitted left a study without its spec: submitted afresh (it was refused as "run
            // with another spec").
            if (found.isEmpty() || StudyService.halfSubmitted(storage, found.get())) {
                return new Plan(submitted(demo), true, false);
            }
            Map<?, ?> given = StudySpecParser.toStored(demo);
            Map<?, ?> stored = found.get().attrs().get(StudyService.ATTR_SPEC) instanceof Map<?, ?> m ? m : null;
            Optional<String> differs = stored == null ? Optional.of("spec") : new StudySpecParser(Trainables.builtIn())
                    .difference(stored, given).map(d -> d.field() + " (" + d.said() + ")");
            if (differs.isPresent()) {
                throw new IllegalArgumentException("--data " + folder + ": study '" + STUDY + "' there was run with "
                        + "another " + differs.get() + "; run the demo with the same options to resume it, or give it "
                        + "another --data folder");
            }
            int done = Study.counted(storage.trials(STUDY));
            int storedTrials = stored.get("trials") instanceof Number t ? t.intValue() : Integer.MAX_VALUE;
            boolean sameOptions = storedTrials == demo.trials()
                    && stored.get("parallelism") instanceof Number p && p.intValue() == demo.parallelism();
            if (done >= demo.trials() && sameOptions) {
                storage.deleteStudy(STUDY);
                return new Plan(String.format("Study '%s' already has %d finished trials: starting afresh.", STUDY, done),
                        true, false);
            }
            if (done >= demo.trials()) {
                // The server resumes an unfinished study as it starts: one asked for fewer trials is held stopped.
                boolean unfinished = done < storedTrials;
                if (unfinished) {
                    storage.setStudyAttr(STUDY, StudyService.ATTR_STOPPED, true);
                }
                return new Plan(String.format("Study '%s' already has %d finished trials (--trials %d): nothing to run%s.",
                        STUDY, done, demo.trials(), unfinished ? "; it stays stopped (resume it on the dashboard)" : ""),
                        false, false);
            }
            storage.setStudyAttr(STUDY, StudyService.ATTR_SPEC, given); // the new number of trials and slots
            return new Plan(String.format("Resuming study '%s': %d of %d trials already done.", STUDY, done,
                    demo.trials()), false, true);
        }
    }

    private static String submitted(StudySpec demo) {
        return String.format("Study '%s' submitted: %d trials.", STUDY, demo.trials());
    }

    /** Carries out the plan on the started server: submits the study, or resumes one that is not running. */
    private static String start(StudyService studies, StudySpec demo, Plan plan) {
        if (plan.submit()) {
            studies.submit(demo);
            return plan.line();
        }
        if (!plan.resume()) {
            return plan.line();
        }
        int done = Study.counted(studies.storage().trials(STUDY));
        StudyService.State state = studies.state(studies.info(STUDY), done);
        if (state == StudyService.State.STOPPED || state == StudyService.State.IDLE) {
            studies.resume(STUDY); // stopped from the dashboard, or its last run ended early
        }
        return plan.line();
    }

    /**
     * Redraws the progress line until the study's run ends.
     *
     * @return true when the run ended, false when the server is closing (Ctrl-C)
     */
    private boolean watch(StudyService studies, AtomicBoolean closing, CountDownLatch closed)
            throws InterruptedException {
        int done = Study.counted(studies.storage().trials(STUDY));
        // A study with more trials than --trials asks for (run before with more) shows them all, as tuna run's does.
        try (DemoProgress progress = new DemoProgress(STUDY, Math.max(done, trials), done, spec.commandLine().getErr())) {
            while (true) {
                if (closing.get()) {
                    return false;
                }
                List<FrozenTrial> all = studies.storage().trials(STUDY);
                done = Study.counted(all);
                progress.update(done, best(all));
                StudyService.State state = studies.state(studies.info(STUDY), done);
                if (state != StudyService.State.RUNNING && state != StudyService.State.SCHEDULED) {
                    return !closing.get();
                }
                if (closed.await(POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return false;
                }
            }
        }
    }

    private static String summary(StudyService studies) {
        List<FrozenTrial> all = studies.storage().trials(STUDY);
        Optional<FrozenTrial> best = all.stream().filter(t -> t.state() == TrialState.COMPLETE)
                .max(java.util.Comparator.comparingDouble(FrozenTrial::value));
        // Stopped from the dashboard or the API is not finished: its run ended, the study did not.
        StudyService.State state = studies.state(studies.info(STUDY), Study.counted(all));
        String ended = state == StudyService.State.COMPLETE ? "finished" : state == StudyService.State.STOPPED
                ? "stopped (resume it on the dashboard or with ./tuna demo)" : "ended early";
        String outcome = String.format(Locale.ROOT, "Study '%s' %s: %s.", STUDY, ended, StudyService.outcomes(all));
        String error = studies.lastError(STUDY).map(e -> " Last error: " + e).orElse("");
        return outcome + error + best.map(t -> String.format(Locale.ROOT, "%nBest trial #%d: val_accuracy %.4f %s",
                t.number(), t.value(), t.params())).orElse("");
    }

    private static Double best(List<FrozenTrial> trials) {
        return trials.stream().filter(t -> t.state() == TrialState.COMPLETE).map(FrozenTrial::value)
                .max(Double::compare).orElse(null);
    }
}
