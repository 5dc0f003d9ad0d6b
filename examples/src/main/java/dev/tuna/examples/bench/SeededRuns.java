package dev.tuna.examples.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The seeded runs of a sampler benchmark ({@code samplers}, {@code mixed-spaces}): every (case, sampler, seed) on a
 * pool of threads at once, then each (case, sampler) pair's runs in the order of their seeds, 0 first.
 */
final class SeededRuns {
    /** One seeded run of a case (a function, a problem) with a sampler. */
    @FunctionalInterface
    interface Run<T> {
        T run(String caseName, String sampler, long seed) throws Exception;
    }

    /** What is done with a pair's runs once all of them have ended. */
    @FunctionalInterface
    interface Done<T> {
        void done(String caseName, String sampler, List<T> runs) throws Exception;
    }

    private SeededRuns() {
    }

    /** Refuses fewer than one seed, a sampler the benchmark does not know, a budget under one trial. */
    static void check(CommandSpec spec, int seeds, List<String> samplers, Collection<String> known, List<Integer> budgets) {
        if (seeds < 1) {
            throw new ParameterException(spec.commandLine(), "--seeds must be at least 1, got " + seeds);
        }
        for (String s : samplers) {
            if (!known.contains(s)) {
                throw new ParameterException(spec.commandLine(), "--samplers: unknown sampler '" + s + "'; expected one of "
                        + known);
            }
        }
        if (budgets.stream().anyMatch(b -> b < 1)) {
            throw new ParameterException(spec.commandLine(), "--budgets must be positive, got " + budgets);
        }
    }

    /**
     * Runs seeds 0 to {@code seeds - 1} of every case with every sampler, on {@code threads} threads (0: one per core),
     * and hands each pair's runs to {@code done} in the order of the cases and samplers, saying so on the console.
     */
    static <T> void run(int threads, List<String> cases, List<String> samplers, int seeds, PrintWriter console,
                        Run<T> run, Done<T> done) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        try {
            Map<String, Map<String, List<Future<T>>>> runs = new LinkedHashMap<>();
            for (String c : cases) {
                for (String s : samplers) {
                    List<Future<T>> perSeed = new ArrayList<>();
                    for (int seed = 0; seed < seeds; seed++) {
                        long sd = seed;
                        perSeed.add(pool.submit(() -> run.run(c, s, sd)));
                    }
                    runs.computeIfAbsent(c, k -> new LinkedHashMap<>()).put(s, perSeed);
                }
            }
            for (String c : cases) {
                for (String s : samplers) {
                    List<T> ended = new ArrayList<>();
                    for (Future<T> f : runs.get(c).get(s)) {
                        ended.add(f.get());
                    }
                    done.done(c, s, ended);
                    console.printf(Locale.ROOT, "  done %-12s %s%n", c, s);
                    console.flush();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
