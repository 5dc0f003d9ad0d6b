package dev.tuna.examples.bench;

import dev.tuna.core.Direction;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.core.storage.Storage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tuna bench storage-reads}: how long reading a big study's trials takes, on MapDB and on an embedded
 * PostgreSQL. Samplers read every trial at each suggestion, pruners at each report, and a dashboard's event stream
 * several times a second, so these reads decide how a study of thousands of trials runs. It times a storage's first
 * read of every trial, the reads after it, and the reads of the last trial alone (from the first unfinished one on,
 * as event streams read), with the last trial still running. On PostgreSQL another storage than the one that wrote
 * reads, as another process would, knowing nothing yet; MapDB (one process only) keeps every trial in memory.
 */
@Command(name = "storage-reads", mixinStandardHelpOptions = true,
        header = "Time to read a big study's trials, on MapDB and PostgreSQL.",
        description = "Times reading every trial of a study of many trials with curves (first read, later reads) and"
                + " reading from its running last trial on, on MapDB and on an embedded PostgreSQL.")
final class StorageReadBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trials", paramLabel = "N", defaultValue = "5000",
            description = "Trials in the study, the last one running (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "20",
            description = "Steps each trial reports, with two metrics besides its value (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--reads", paramLabel = "N", defaultValue = "20",
            description = "Timed reads of each kind; the median is reported (default: ${DEFAULT-VALUE}).")
    int reads;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/storage-reads.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (trials < 1 || steps < 1 || reads < 1) {
            throw new ParameterException(spec.commandLine(), "--trials, --steps and --reads must be at least 1");
        }
        PrintWriter console = spec.commandLine().getOut();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "storage-reads");
        report.put("date", Instant.now().toString());
        report.put("machine", BenchResults.machine());
        report.put("trials", trials);
        report.put("steps", steps);
        report.put("reads", reads);
        Map<String, Object> results = new LinkedHashMap<>();
        Path temp = Files.createTempDirectory("tuna-bench-reads");
        try {
            console.printf("Writing %d trials of %d steps to MapDB...%n", trials, steps);
            console.flush();
            // MapDB: one process only, so the storage that wrote reads (it keeps every trial in memory).
            try (Storage storage = MapDbStorage.open(temp.resolve("tuna.db"))) {
                fill(storage);
                results.put("mapdb", measure(storage));
            }

            console.println("Starting an embedded PostgreSQL server and writing the same study...");
            console.flush();
            try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
                String url = postgres.getJdbcUrl("postgres", "postgres");
                // Another storage reads, as another process would: it starts knowing nothing.
                try (Storage writer = PostgresStorage.open(url, "postgres", null);
                     Storage reader = PostgresStorage.open(url, "postgres", null)) {
                    fill(writer);
                    results.put("postgresql", measure(reader));
                }
            }
        } finally {
            BenchFiles.deleteTree(temp);
        }
        report.put("results", results);
        report.put("loadAverage", BenchResults.loadAverage());
        console.printf("%-11s %16s %16s %22s%n", "storage", "first read ms", "later reads ms", "from the running ms");
        results.forEach((name, r) -> {
            @SuppressWarnings("unchecked")
            Map<String, Double> m = (Map<String, Double>) r;
            console.printf(Locale.ROOT, "%-11s %16.3f %16.3f %22.3f%n", name, m.get("firstReadMs"), m.get("laterReadsMs"),
                    m.get("fromRunningMs"));
        });
        BenchResults.write(out, report);
        console.println("Wrote " + out);
        return 0;
    }

    /** Writes the study: every trial with a parameter and its curves, finished but the last. */
    private void fill(Storage storage) {
        storage.createStudy("big", Direction.MINIMIZE);
        FloatDistribution x = new FloatDistribution(0, 1);
        for (int i = 0; i < trials; i++) {
            int n = storage.startTrial("big").number();
            storage.setParam("big", n, "x", x, (i % 100) / 100.0);
            for (int step = 0; step < steps; step++) {
                storage.report("big", n, step, 1.0 / (step + 1), Map.of("loss", 2.0 / (step + 1), "accuracy", 0.5));
            }
            if (i < trials - 1) {
                storage.finishTrial("big", n, TrialState.COMPLETE, 1.0 / steps, null);
            }
        }
    }

    /** The times of the three kinds of read on a storage that has not read the study yet (medians but the first). */
    private Map<String, Double> measure(Storage storage) {
        long start = System.nanoTime();
        int count = storage.trials("big").size();
        double first = (System.nanoTime() - start) / 1e6;
        if (count != trials) {
            throw new IllegalStateException("read " + count + " trials of " + trials);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("firstReadMs", first);
        m.put("laterReadsMs", median(() -> storage.trials("big").size(), trials));
        m.put("fromRunningMs", median(() -> storage.trialsFrom("big", trials - 1).size(), 1));
        return m;
    }

    /** The median milliseconds of {@link #reads} reads, each checked to return {@code expected} trials. */
    private double median(Supplier<Integer> read, int expected) {
        double[] ms = new double[reads];
        for (int i = 0; i < reads; i++) {
            long start = System.nanoTime();
            int count = read.get();
            ms[i] = (System.nanoTime() - start) / 1e6;
            if (count != expected) {
                throw new IllegalStateException("read " + count + " trials, expected " + expected);
            }
        }
        Arrays.sort(ms);
        return ms[reads / 2];
    }
}
