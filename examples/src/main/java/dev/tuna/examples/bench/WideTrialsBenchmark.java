package dev.tuna.examples.bench;

import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.search.Objective;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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
 * {@code tuna bench wide-trials}: the time a trial takes with many parameters (a define-by-run space of hundreds of
 * layers' settings, say), in memory, on MapDB and on an embedded PostgreSQL. Each parameter is one suggestion, one
 * sampler call and one storage write, so what grows faster than the number of parameters shows here.
 */
@Command(name = "wide-trials", mixinStandardHelpOptions = true,
        header = "Time per trial with many parameters, in memory, on MapDB and on PostgreSQL.",
        description = "Runs trials that suggest N float parameters each (random sampler, trivial objective) and reports"
                + " the mean milliseconds per trial after a warm-up, for each N and storage.")
final class WideTrialsBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--params", paramLabel = "N", split = ",", defaultValue = "10,100,1000",
            description = "Parameters per trial, one run each (default: ${DEFAULT-VALUE}).")
    List<Integer> params;

    @Option(names = "--trials", paramLabel = "N", defaultValue = "10",
            description = "Timed trials per run, after two untimed ones (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--postgres", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also on an embedded PostgreSQL (default: ${DEFAULT-VALUE}).")
    boolean postgres;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/wide-trials.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (trials < 1 || params.stream().anyMatch(p -> p < 1)) {
            throw new ParameterException(spec.commandLine(), "--trials and every --params must be at least 1");
        }
        PrintWriter console = spec.commandLine().getOut();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "wide-trials");
        report.put("date", Instant.now().toString());
        report.put("machine", BenchResults.machine());
        report.put("sampler", "RandomSampler(42)");
        report.put("trials", trials);
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        // Untimed: the first pass warms the JIT up for all (measured first, memory came out slower than MapDB).
        measure(console, "warm-up (memory)", InMemoryStorage::new);
        results.put("memory", measure(console, "memory", InMemoryStorage::new));
        Path temp = Files.createTempDirectory("tuna-bench-wide");
        try {
            int[] file = {0};
            results.put("mapdb", measure(console, "mapdb", () -> MapDbStorage.open(temp.resolve("wide" + file[0]++ + ".db"))));
        } finally {
            BenchFiles.deleteTree(temp);
        }
        if (postgres) {
            console.println("Starting an embedded PostgreSQL server...");
            console.flush();
            try (EmbeddedPostgres server = EmbeddedPostgres.builder().start()) {
                String url = server.getJdbcUrl("postgres", "postgres");
                results.put("postgresql", measure(console, "postgresql", () -> PostgresStorage.open(url, "postgres", null)));
            }
        }
        report.put("msPerTrial", results);
        report.put("loadAverage", BenchResults.loadAverage());
        console.printf("%-11s", "storage");
        params.forEach(p -> console.printf("%14s", p + " params"));
        console.println();
        results.forEach((storage, byParams) -> {
            console.printf("%-11s", storage);
            byParams.values().forEach(ms -> console.printf(Locale.ROOT, "%11.2f ms", ms));
            console.println();
        });
        BenchResults.write(out, report);
        console.println("Wrote " + out);
        return 0;
    }

    /** Mean milliseconds per trial for each number of parameters, each run on a storage of its own. */
    private Map<String, Double> measure(PrintWriter console, String name, Supplier<Storage> storages) {
        Map<String, Double> byParams = new LinkedHashMap<>();
        for (int p : params) {
            console.printf("%s, %d parameters...%n", name, p);
            console.flush();
            Objective objective = trial -> {
                double sum = 0;
                for (int i = 0; i < p; i++) {
                    sum += trial.suggestFloat("x" + i, 0, 1);
                }
                return sum;
            };
            try (Storage storage = storages.get()) {
                Study study = Study.builder("wide" + p).storage(storage).sampler(new RandomSampler(42)).create();
                study.optimize(objective, 2); // warm-up: class loading, the JIT, a new table's first rows
                long start = System.nanoTime();
                study.optimize(objective, trials);
                byParams.put(String.valueOf(p), (System.nanoTime() - start) / 1e6 / trials);
                if (study.trials().size() != trials + 2) {
                    throw new IllegalStateException("ran " + study.trials().size() + " trials, expected " + (trials + 2));
                }
            }
        }
        return byParams;
    }
}
