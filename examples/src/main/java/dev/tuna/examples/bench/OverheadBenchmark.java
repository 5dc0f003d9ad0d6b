package dev.tuna.examples.bench;

import dev.tuna.core.Direction;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tuna bench overhead}: how many trials per second Tuna itself can run, with a trivial 4-parameter
 * objective and the random sampler, in memory and on MapDB (where every trial is durable when it is told).
 * After a warm-up round per storage, it measures several rounds, prints a table of the medians and writes the
 * results as JSON.
 */
@Command(name = "overhead", mixinStandardHelpOptions = true,
        header = "Trials per second of the orchestration, in memory and on MapDB.",
        description = "Measures orchestration overhead: trials per second with a trivial 4-parameter objective and"
                + " the random sampler, in memory and on MapDB (each trial durable when told).")
final class OverheadBenchmark implements Callable<Integer> {
    static final String STUDY = "overhead";
    /** Issue 2's targets on a 2-core machine. */
    static final double MEMORY_TARGET = 7_000;
    static final double MAPDB_TARGET = 500;
    /** The breakdown's name for the time spent outside storage calls. */
    static final String REST = "rest (study, sampler, objective)";

    @Spec
    CommandSpec spec;

    @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds per storage (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--memory-trials", paramLabel = "N", defaultValue = "20000",
            description = "Trials per round in memory (default: ${DEFAULT-VALUE}).")
    int memoryTrials;

    @Option(names = "--mapdb-trials", paramLabel = "N", defaultValue = "3000",
            description = "Trials per round on MapDB (default: ${DEFAULT-VALUE}).")
    int mapdbTrials;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the MapDB files go (default: a new folder in the system's temporary folder).")
    Path dir;

    @Option(names = "--breakdown", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"After the measured rounds, run one more per storage that times each storage call,",
                    "to show where the time goes (default: on)."})
    boolean breakdown;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/overhead.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    /** How a storage is opened for a round, checked after it, and cleaned up. */
    private interface Backend {
        Storage open(int round) throws IOException;

        /** Called after the storage is closed, with the number of trials it must hold. */
        void verifyAndClean(int round, int trials) throws IOException;
    }

    /** The figures of one storage. */
    record StorageResult(String storage, String detail, int trialsPerRound, List<Double> trialsPerSecond,
                         double medianTrialsPerSecond, double medianMicrosPerTrial, double targetTrialsPerSecond,
                         boolean meetsTarget, Map<String, Share> breakdown) {
    }

    /** One kind of storage call (or the rest of the work) in the timed round: per trial and share of the time. */
    record Share(double callsPerTrial, double microsPerTrial, double percentOfTime) {
    }

    /** What the JSON file holds. */
    record Report(String benchmark, String date, String objective, String sampler, int warmupRounds,
                  Map<String, Object> machine, List<StorageResult> results) {
    }

    @Override
    public Integer call() throws IOException {
        requirePositive("--rounds", rounds);
        requirePositive("--memory-trials", memoryTrials);
        requirePositive("--mapdb-trials", mapdbTrials);
        PrintWriter console = spec.commandLine().getOut();
        Map<String, Object> machine = machine();
        console.printf(Locale.ROOT, "Orchestration overhead: random sampler, 4 parameters, %s cores, Java %s%n",
                machine.get("cores"), machine.get("java"));

        List<StorageResult> results = new ArrayList<>();
        results.add(measure("memory", "InMemoryStorage", memoryTrials, MEMORY_TARGET, new Backend() {
            @Override
            public Storage open(int round) {
                return new InMemoryStorage();
            }

            @Override
            public void verifyAndClean(int round, int trials) {
            }
        }, console));

        Path base = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("tuna-bench-");
        String fileSystem = Files.getFileStore(base).type();
        machine.put("mapdbFileSystem", fileSystem);
        try {
            results.add(measure("mapdb", "MapDbStorage, commit (fsync) per finished trial, on " + fileSystem,
                    mapdbTrials, MAPDB_TARGET, new Backend() {
                        @Override
                        public Storage open(int round) {
                            return MapDbStorage.open(roundFile(base, round));
                        }

                        @Override
                        public void verifyAndClean(int round, int trials) throws IOException {
                            // The file, read afresh, holds every trial of the round.
                            try (MapDbStorage reopened = MapDbStorage.open(roundFile(base, round))) {
                                checkComplete(reopened, trials, "the reopened MapDB file");
                            }
                            deleteRoundFiles(base, round);
                        }
                    }, console));
        } finally {
            if (dir == null) {
                BenchFiles.deleteTree(base);
            }
        }

        // Other processes on a small machine change the figures: the load says how quiet it was.
        machine.put("loadAverageAfter", BenchResults.loadAverage());
        printTable(results, console);
        Report report = new Report(STUDY, Instant.now().toString(),
                "x^2 + y^2 + n + index(c): x, y float in [-10, 10], n int in [0, 10], c in {a, b, c}",
                "RandomSampler(" + seed + ")", 1, machine, results);
        BenchResults.write(out, report);
        console.printf("Wrote %s%n", out);
        console.flush();
        return 0;
    }

    private void requirePositive(String option, int value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), option + " must be at least 1, got " + value);
        }
    }

    private StorageResult measure(String name, String detail, int trials, double target, Backend backend,
                                  PrintWriter console) throws IOException {
        // The warm-up round lets the JIT compile the hot paths; its figure is shown but not counted.
        double warm = round(backend, 0, trials);
        console.printf(Locale.ROOT, "  %-6s warm-up   %,12.0f trials/s%n", name, warm);
        List<Double> perSecond = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            System.gc(); // so that one round's garbage is not collected in the next one's time
            double rate = round(backend, r, trials);
            perSecond.add(rate);
            console.printf(Locale.ROOT, "  %-6s round %d/%d %,12.0f trials/s%n", name, r, rounds, rate);
            console.flush();
        }
        double median = median(perSecond);
        Map<String, Share> shares = breakdown ? breakdown(name, backend, rounds + 1, trials, console) : null;
        return new StorageResult(name, detail, trials, perSecond, median, 1e6 / median, target, median >= target, shares);
    }

    /** One more round, with every storage call timed: the share of each kind of call and of the rest. */
    private Map<String, Share> breakdown(String name, Backend backend, int round, int trials, PrintWriter console)
            throws IOException {
        TimedStorage[] timed = new TimedStorage[1];
        long elapsed = run(backend, round, trials, s -> timed[0] = new TimedStorage(s), () -> timed[0].reset());
        Map<String, Share> shares = new LinkedHashMap<>();
        long inStorage = 0;
        for (Map.Entry<String, TimedStorage.Calls> e : timed[0].calls().entrySet()) {
            TimedStorage.Calls c = e.getValue();
            inStorage += c.nanos();
            shares.put(e.getKey(), share(c.count(), c.nanos(), trials, elapsed));
        }
        shares.put(REST, share(0, elapsed - inStorage, trials, elapsed));
        console.printf(Locale.ROOT, "  %-6s timed round: %,.0f trials/s; where the time goes:%n", name, trials / (elapsed / 1e9));
        console.printf("           %-34s %11s %9s %6s%n", "", "calls/trial", "us/trial", "time");
        shares.forEach((call, sh) -> console.printf(Locale.ROOT, "           %-34s %11s %9.1f %5.1f%%%n", call,
                call.equals(REST) ? "" : String.format(Locale.ROOT, "%.2f", sh.callsPerTrial()),
                sh.microsPerTrial(), sh.percentOfTime()));
        return shares;
    }

    private static Share share(long calls, long nanos, int trials, long elapsed) {
        return new Share((double) calls / trials, nanos / 1e3 / trials, 100.0 * nanos / elapsed);
    }

    /** Runs one round of {@code trials} trials on a fresh storage; returns trials per second. */
    private double round(Backend backend, int round, int trials) throws IOException {
        return trials / (run(backend, round, trials, s -> s, () -> { }) / 1e9);
    }

    /**
     * Runs one round on a fresh storage, seen through {@code wrap}; {@code beforeTrials} runs just before the
     * clock starts. Returns the nanoseconds the trials took.
     */
    private long run(Backend backend, int round, int trials, UnaryOperator<Storage> wrap, Runnable beforeTrials)
            throws IOException {
        long elapsed;
        try (Storage storage = backend.open(round)) {
            // Created before the storage is wrapped, so that a timed round counts only what the trials do.
            storage.createStudy(STUDY, Direction.MINIMIZE);
            Study study = Study.builder(STUDY).sampler(new RandomSampler(seed + round)).storage(wrap.apply(storage)).create();
            OverheadObjective objective = new OverheadObjective();
            beforeTrials.run();
            long start = System.nanoTime();
            study.optimize(objective, trials);
            elapsed = System.nanoTime() - start;
            checkComplete(storage, trials, "the storage");
        }
        backend.verifyAndClean(round, trials);
        return elapsed;
    }

    private static void checkComplete(Storage storage, int trials, String where) {
        int complete = storage.trials(STUDY, EnumSet.of(TrialState.COMPLETE)).size();
        if (complete != trials) {
            throw new IllegalStateException(where + " holds " + complete + " completed trials, expected " + trials);
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void printTable(List<StorageResult> results, PrintWriter console) {
        console.println();
        console.printf("%-8s %12s %7s %16s %11s %10s%n", "storage", "trials/round", "rounds", "median trials/s",
                "us/trial", "target/s");
        for (StorageResult r : results) {
            console.printf(Locale.ROOT, "%-8s %,12d %7d %,16.0f %,11.1f %,10.0f  %s%n", r.storage(), r.trialsPerRound(),
                    r.trialsPerSecond().size(), r.medianTrialsPerSecond(), r.medianMicrosPerTrial(),
                    r.targetTrialsPerSecond(), r.meetsTarget() ? "met" : "MISSED");
        }
        console.println();
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = BenchResults.machine();
        m.put("jvm", System.getProperty("java.vm.name"));
        m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        m.put("loadAverageBefore", BenchResults.loadAverage());
        return m;
    }

    private static Path roundFile(Path base, int round) {
        return base.resolve("round-" + round + ".db");
    }

    /** MapDB keeps a write-ahead log next to the file: remove both. */
    private static void deleteRoundFiles(Path base, int round) throws IOException {
        String prefix = roundFile(base, round).getFileName().toString();
        try (Stream<Path> files = Files.list(base)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
