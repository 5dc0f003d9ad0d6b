package dev.tuna.examples.bench;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.search.Study;
import dev.tuna.web.server.ClusterDatabase;
import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.server.StudyService;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.dispatch.TrialScheduler;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tuna bench cluster}: a Tuna cluster on one machine. An embedded PostgreSQL server, a coordinator in this
 * process ({@code tuna serve --db} with no slots of its own) and 1, 2 and 4 {@code tuna worker} processes (child
 * JVMs). For each number of workers it runs a study of the {@code quadratic} trainable with the random sampler,
 * once with a 0 ms objective (the dispatch's own cost) and once with a 50 ms one (how dispatch scales), and
 * measures trials per second from the trials' own start and end times. The same studies on the local dispatcher
 * (this process's trial scheduler, on MapDB and in memory, one slot) give the baseline for the coordination
 * overhead per trial on PostgreSQL.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        header = "Trials per second of a cluster of 1, 2 and 4 workers.",
        description = "Trials per second of a cluster (embedded PostgreSQL, a coordinator, 1/2/4 worker processes)"
                + " for a 0 ms and a 50 ms objective, and the coordination overhead per trial against the local"
                + " dispatcher.")
final class ClusterBenchmark implements Callable<Integer> {
    private static final Pattern JOINED = Pattern.compile("Tuna worker (\\S+) joined the cluster");
    private static final Duration STUDY_LIMIT = Duration.ofMinutes(10);

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", split = ",", defaultValue = "1,2,4",
            description = "Worker process counts, in increasing order (default: ${DEFAULT-VALUE}).")
    List<Integer> workers;

    @Option(names = "--slots", defaultValue = "1", description = "Slots per worker (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--sleep-millis", split = ",", defaultValue = "0,50",
            description = "Objective durations to measure, in ms (default: ${DEFAULT-VALUE}).")
    List<Integer> sleeps;

    @Option(names = "--queue-per-slot", defaultValue = "2",
            description = {"The study's parallelism per cluster slot: trial jobs queued or running at once (default: ${DEFAULT-VALUE}).",
                    "Above 1, a worker that ends a trial finds the next one queued; at 1 it waits for the coordinator",
                    "to queue it and for its own next look for jobs, measured once as 'cluster-no-queue'."})
    int queuePerSlot;

    @Option(names = "--trials", defaultValue = "100", description = "Trials per measured study (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Measured studies per configuration; the one with the median trials/s is reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-trials", defaultValue = "40",
            description = "Trials of an unmeasured study before each configuration (default: ${DEFAULT-VALUE}).")
    int warmupTrials;

    @Option(names = "--checkin", defaultValue = "5", description = "Cluster check-in interval in seconds (default: ${DEFAULT-VALUE}).")
    double checkin;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/cluster.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    /** Where studies run: the service that runs them, its name in the results, its workers and slots, the study's parallelism. */
    private record Setup(StudyService service, String dispatch, int workers, int slotsEach, int parallelism) {
    }

    /** One measured study. */
    record RunResult(String dispatch, int workers, int slotsPerWorker, int parallelism, int sleepMillis, int trials, int complete,
                     int otherStates, double spanSeconds, double wallSeconds, double trialsPerSecond,
                     double msPerTrialPerSlot, double overheadMsPerTrial, double meanTrialMs,
                     Map<String, Integer> trialsPerNode, List<Double> roundsTrialsPerSecond) {
        RunResult withRounds(List<Double> rounds) {
            return new RunResult(dispatch, workers, slotsPerWorker, parallelism, sleepMillis, trials, complete, otherStates,
                    spanSeconds, wallSeconds, trialsPerSecond, msPerTrialPerSlot, overheadMsPerTrial, meanTrialMs,
                    trialsPerNode, rounds);
        }
    }

    /** What the JSON file holds. */
    record Report(String benchmark, String date, Map<String, Object> machine, String postgres, Map<String, Object> settings,
                  List<RunResult> runs, Map<String, Object> scaling, Map<String, Object> overhead, List<String> notes) {
    }

    private int counter;

    @Override
    public Integer call() throws Exception {
        check(!workers.isEmpty() && workers.stream().allMatch(w -> w >= 1 && w <= 16), "--workers: each must be from 1 to 16");
        for (int i = 1; i < workers.size(); i++) {
            check(workers.get(i) > workers.get(i - 1), "--workers must be in increasing order, got " + workers);
        }
        check(slots >= 1 && slots <= 64, "--slots must be from 1 to 64, got " + slots);
        check(queuePerSlot >= 1 && queuePerSlot <= 16, "--queue-per-slot must be from 1 to 16, got " + queuePerSlot);
        check(!sleeps.isEmpty() && sleeps.stream().allMatch(s -> s >= 0 && s <= 10_000), "--sleep-millis: each must be from 0 to 10000");
        check(rounds >= 1 && rounds <= 25, "--rounds must be from 1 to 25, got " + rounds);
        check(trials >= 10 && trials <= 100_000, "--trials must be from 10 to 100000, got " + trials);
        check(warmupTrials >= 0 && warmupTrials <= 10_000, "--warmup-trials must be from 0 to 10000, got " + warmupTrials);
        check(checkin >= 0.1 && checkin <= 600, "--checkin must be from 0.1 to 600 seconds, got " + checkin);
        PrintWriter console = spec.commandLine().getOut();
        Map<String, Object> machine = BenchResults.machine();
        machine.put("loadAverageBefore", BenchResults.loadAverage());
        Path temp = Files.createTempDirectory("tuna-cluster-bench-");
        List<RunResult> runs = new ArrayList<>();
        String postgresVersion;

        // The baseline first: the local dispatcher, one slot, on MapDB (what `tuna serve` does) and in memory.
        console.println("Local dispatcher (1 slot): MapDB and in memory...");
        console.flush();
        try (ServerRuntime local = ServerRuntime.start(temp.resolve("local"), "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            measureAll(new Setup(local.studies(), "local-mapdb", 0, 1, 1), runs, console);
        }
        try (TrialScheduler scheduler = TrialScheduler.builder(Devices.cpu(1)).build();
             StudyService memory = new StudyService(new InMemoryStorage(), scheduler, Trainables.builtIn())) {
            measureAll(new Setup(memory, "local-memory", 0, 1, 1), runs, console);
        }

        console.println("Starting an embedded PostgreSQL server...");
        console.flush();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            postgresVersion = postgresVersion(postgres);
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE tuna_bench");
            }
            String url = postgres.getJdbcUrl("postgres", "tuna_bench");
            ClusterDatabase db = new ClusterDatabase(url, "postgres", null, Duration.ofMillis(Math.round(checkin * 1000)));
            List<Worker> started = new ArrayList<>();
            try (ServerRuntime coordinator = ServerRuntime.startCluster(db, temp.resolve("coordinator"), "127.0.0.1", 0,
                    null, Trainables.builtInForCluster())) {
                for (int w : workers) {
                    while (started.size() < w) {
                        started.add(Worker.start(url, slots, checkin, temp.resolve("worker-" + (started.size() + 1) + ".log")));
                    }
                    for (Worker worker : started) {
                        worker.awaitJoined();
                    }
                    console.printf(Locale.ROOT, "Cluster: %d worker process%s x %d slot%s...%n", w, w == 1 ? "" : "es",
                            slots, slots == 1 ? "" : "s");
                    console.flush();
                    measureAll(new Setup(coordinator.studies(), "cluster", w, slots, queuePerSlot * w * slots), runs, console);
                    if (w == workers.get(0) && queuePerSlot > 1) {
                        // The same with nothing queued ahead: every trial waits for the coordinator and a worker's poll.
                        RunResult r = median(new Setup(coordinator.studies(), "cluster-no-queue", w, slots, w * slots), 0, Math.min(trials, 30));
                        runs.add(r);
                        report(r, console);
                    }
                }
            } finally {
                for (Worker worker : started) {
                    worker.stop();
                }
            }
        } finally {
            BenchFiles.deleteTree(temp);
        }

        Report report = new Report("cluster", Instant.now().toString(), machine, postgresVersion, settings(),
                runs, scaling(runs), overhead(runs), notes());
        machine.put("loadAverageAfter", BenchResults.loadAverage());
        print(report, console);
        BenchResults.write(out, report);
        console.println("Wrote " + out);
        console.flush();
        return 0;
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /** A warm-up study, then one measured study per objective duration. */
    private void measureAll(Setup setup, List<RunResult> runs, PrintWriter console) throws InterruptedException {
        if (warmupTrials > 0) {
            run(setup, 0, warmupTrials);
        }
        for (int sleep : sleeps) {
            RunResult r = median(setup, sleep, trials);
            runs.add(r);
            report(r, console);
        }
    }

    private static void report(RunResult r, PrintWriter console) {
        console.printf(Locale.ROOT, "  %-16s %d worker(s), parallelism %2d, %3d ms objective: %7.1f trials/s, %7.2f ms per trial per slot%n",
                r.dispatch(), r.workers(), r.parallelism(), r.sleepMillis(), r.trialsPerSecond(), r.msPerTrialPerSlot());
        console.flush();
    }

    /** {@link #rounds} studies of one configuration: the one with the median trials per second, with every round's. */
    private RunResult median(Setup setup, int sleepMillis, int n) throws InterruptedException {
        List<RunResult> all = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            all.add(run(setup, sleepMillis, n));
        }
        List<Double> perRound = all.stream().map(RunResult::trialsPerSecond).toList();
        all.sort(Comparator.comparingDouble(RunResult::trialsPerSecond));
        return all.get(all.size() / 2).withRounds(perRound);
    }

    private RunResult run(Setup setup, int sleepMillis, int n) throws InterruptedException {
        StudyService service = setup.service();
        String name = "bench-" + setup.dispatch() + "-" + setup.workers() + "w-" + sleepMillis + "ms-" + (++counter);
        StudySpec study = service.parser().parse("""
                {"name": "%s", "trials": %d, "parallelism": %d,
                 "sampler": {"type": "random", "seed": 7}, "pruner": {"type": "none"},
                 "trainable": {"type": "quadratic", "epochs": 1, "fixed": {"sleepMillis": %d}},
                 "space": {"x": {"type": "float", "low": -2, "high": 2}, "y": {"type": "float", "low": -2, "high": 2}}}
                """.formatted(name, n, setup.parallelism(), sleepMillis));
        long t0 = System.nanoTime();
        service.submit(study);
        long deadline = t0 + STUDY_LIMIT.toNanos();
        List<FrozenTrial> all;
        while (true) {
            all = service.storage().trials(name);
            int finished = Study.counted(all);
            if (finished >= n) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("study " + name + " did not finish within " + STUDY_LIMIT + ": " + finished + " of " + n);
            }
            Thread.sleep(10);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Instant first = all.stream().map(FrozenTrial::start).filter(Objects::nonNull).min(Comparator.naturalOrder()).orElseThrow();
        Instant last = all.stream().map(FrozenTrial::end).filter(Objects::nonNull).max(Comparator.naturalOrder()).orElseThrow();
        double span = Duration.between(first, last).toNanos() / 1e9;
        int complete = (int) all.stream().filter(t -> t.state() == TrialState.COMPLETE).count();
        double meanTrialMs = all.stream().filter(t -> t.end() != null).mapToDouble(t -> t.duration().toNanos() / 1e6).average().orElse(0);
        Map<String, Integer> perNode = new TreeMap<>();
        for (FrozenTrial t : all) {
            Object node = t.systemAttrs().get("node");
            perNode.merge(node == null ? "(this process)" : node.toString(), 1, Integer::sum);
        }
        // The time a slot spends per trial: the slots are the cluster's (or the local scheduler's one), not the queue.
        int usedSlots = Math.max(1, setup.workers()) * setup.slotsEach();
        double msPerTrialPerSlot = span * 1000 * usedSlots / n;
        return new RunResult(setup.dispatch(), setup.workers(), setup.slotsEach(), setup.parallelism(), sleepMillis, n,
                complete, all.size() - complete, span, wall, n / span, msPerTrialPerSlot, msPerTrialPerSlot - sleepMillis, meanTrialMs, perNode, List.of(n / span));
    }

    /** Trials per second by worker count, per objective duration, and the speed-up over the fewest workers. */
    private Map<String, Object> scaling(List<RunResult> runs) {
        Map<String, Object> bySleep = new LinkedHashMap<>();
        for (int sleep : sleeps) {
            Map<String, Object> curve = new LinkedHashMap<>();
            Double base = null;
            for (RunResult r : runs) {
                if (r.dispatch().equals("cluster") && r.sleepMillis() == sleep) {
                    if (base == null) {
                        base = r.trialsPerSecond();
                    }
                    curve.put(r.workers() + " workers", Map.of("trialsPerSecond", round(r.trialsPerSecond()),
                            "speedup", round(r.trialsPerSecond() / base)));
                }
            }
            bySleep.put(sleep + " ms objective", curve);
        }
        return bySleep;
    }

    /** The cluster's cost per trial with one worker and one slot, against the local dispatcher's. */
    private Map<String, Object> overhead(List<RunResult> runs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RunResult r : runs) {
            boolean single = r.dispatch().startsWith("local") || (r.workers() == workers.get(0) && r.slotsPerWorker() == 1);
            if (single) {
                m.put(r.dispatch() + ", " + r.workers() + " worker(s), " + r.sleepMillis() + " ms objective", Map.of("msPerTrial", round(r.msPerTrialPerSlot()),
                        "overheadMsPerTrial", round(r.overheadMsPerTrial())));
            }
        }
        return m;
    }

    private Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainable", "quadratic, 1 epoch, 2 float parameters");
        m.put("sampler", "random (seed 7)");
        m.put("trials", trials);
        m.put("rounds", rounds + " measured studies per configuration, the median one reported");
        m.put("warmupTrials", warmupTrials);
        m.put("workers", workers);
        m.put("slotsPerWorker", slots);
        m.put("sleepMillis", sleeps);
        m.put("queuePerSlot", queuePerSlot);
        m.put("parallelism", "queuePerSlot x workers x slots (trial jobs queued or running); 1 for the local dispatcher");
        m.put("checkinSeconds", checkin);
        m.put("coordinator", "tuna serve --db in the benchmark's process, 0 slots");
        return m;
    }

    private static List<String> notes() {
        return List.of(
                "trialsPerSecond = trials / (last trial's end - first trial's start), from the trials' own times in storage",
                "msPerTrialPerSlot = span x slots / trials; overheadMsPerTrial = msPerTrialPerSlot - the objective's sleep",
                "cluster-no-queue: parallelism = slots, so a worker that ends a trial finds nothing queued: it waits for "
                        + "the coordinator to queue the next trial and for its own next look for jobs",
                "PostgreSQL, the coordinator and every worker JVM share this machine's cores: CPU-bound work cannot scale "
                        + "past them; the sleeping objective shows how dispatch itself scales");
    }

    private static void print(Report r, PrintWriter console) {
        console.printf(Locale.ROOT, "%n%-16s %7s %5s %11s %8s %7s %10s %14s %12s%n", "dispatch", "workers", "slots", "parallelism",
                "sleep ms", "trials", "trials/s", "ms/trial/slot", "overhead ms");
        for (RunResult x : r.runs()) {
            console.printf(Locale.ROOT, "%-16s %7s %5d %11d %8d %7d %10.1f %14.2f %12.2f%n", x.dispatch(),
                    x.dispatch().startsWith("cluster") ? Integer.toString(x.workers()) : "-", x.slotsPerWorker(), x.parallelism(), x.sleepMillis(),
                    x.complete(), x.trialsPerSecond(), x.msPerTrialPerSlot(), x.overheadMsPerTrial());
        }
        console.println("Machine: " + r.machine().get("cores") + " cores; PostgreSQL " + r.postgres());
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String postgresVersion(EmbeddedPostgres postgres) {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** A {@code tuna worker} child JVM, its output copied to a log file. */
    private static final class Worker {
        final Process process;
        final Path log;
        final CompletableFuture<String> joined = new CompletableFuture<>();

        private Worker(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Worker start(String url, int slots, double checkin, Path log) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "dev.tuna.web.cli.TunaCommand", "worker", "--db", url, "--db-user", "postgres",
                    "--slots", Integer.toString(slots), "--checkin", Double.toString(checkin), "--grace", "5")
                    .redirectErrorStream(true);
            Worker w = new Worker(pb.start(), log);
            Thread reader = new Thread(w::copyOutput, "worker-output");
            reader.setDaemon(true);
            reader.start();
            return w;
        }

        private void copyOutput() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter file = new PrintWriter(Files.newBufferedWriter(log), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    file.println(line);
                    Matcher m = JOINED.matcher(line);
                    if (m.find()) {
                        joined.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                joined.completeExceptionally(e);
            }
            joined.completeExceptionally(new IllegalStateException("worker ended before it joined"));
        }

        String awaitJoined() throws InterruptedException {
            try {
                return joined.get(120, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                String tail;
                try {
                    List<String> lines = Files.readAllLines(log);
                    tail = String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
                } catch (IOException io) {
                    tail = io.toString();
                }
                throw new IllegalStateException("a worker did not join the cluster: " + tail);
            }
        }

        /** SIGTERM: the worker leaves the cluster gracefully. */
        void stop() throws InterruptedException {
            process.toHandle().destroy(); // not Process.destroy(), which also closes the output the log copies
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
