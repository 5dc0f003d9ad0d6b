package dev.tuna.examples.bench;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.sampler.GpSampler;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.search.sampler.SobolSampler;
import dev.tuna.search.sampler.TpeSampler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tuna bench samplers}: final regret of each Tuna sampler on the design notes' test functions, over
 * several seeds and budgets, plus the GP's suggestion latency. Each (function, sampler, seed) runs once for the
 * largest budget: no sampler looks at the budget, so the best value after the first {@code b} trials is the
 * result of a run with budget {@code b}.
 */
@Command(name = "samplers", mixinStandardHelpOptions = true,
        header = "Regret of Tuna's samplers on four test functions; GP latency.",
        description = "Compares Tuna's samplers on branin, hartmann6, rosenbrock4 and ackley5: median and mean final"
                + " regret per budget, a plot of median best-so-far regret, and the GP's suggestion latency.")
final class SamplerBenchmark implements Callable<Integer> {
    /** Makes one sampler from the seed and the GP samplers' number of startup trials. */
    @FunctionalInterface
    interface SamplerFactory {
        Sampler create(long seed, int gpStartup);
    }

    /** Samplers by name. */
    static final Map<String, SamplerFactory> SAMPLERS = new LinkedHashMap<>();

    static {
        SAMPLERS.put("random", (seed, gpStartup) -> new RandomSampler(seed));
        SAMPLERS.put("sobol", (seed, gpStartup) -> new SobolSampler(seed));
        SAMPLERS.put("gp", (seed, gpStartup) -> GpSampler.builder().seed(seed).startupTrials(gpStartup).build());
        SAMPLERS.put("gp-deterministic", (seed, gpStartup) ->
                GpSampler.builder().seed(seed).startupTrials(gpStartup).deterministic(true).build());
        SAMPLERS.put("tpe", (seed, gpStartup) -> new TpeSampler(seed));
        SAMPLERS.put("tpe-multivariate", (seed, gpStartup) -> TpeSampler.multivariate(seed));
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--functions", split = ",", defaultValue = "branin,hartmann6,rosenbrock4,ackley5",
            description = "Functions to run (default: ${DEFAULT-VALUE}).")
    List<String> functions;

    @Option(names = "--samplers", split = ",", defaultValue = "random,sobol,tpe,tpe-multivariate,gp,gp-deterministic",
            description = "Samplers to run (default: ${DEFAULT-VALUE}).")
    List<String> samplers;

    @Option(names = "--budgets", split = ",", defaultValue = "50,100", description = "Trial budgets (default: ${DEFAULT-VALUE}).")
    List<Integer> budgets;

    @Option(names = "--seeds", defaultValue = "10", description = "Seeds per function and sampler (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--gp-startup", defaultValue = "" + GpSampler.DEFAULT_STARTUP_TRIALS,
            description = "Sobol startup trials of the GP samplers (default: ${DEFAULT-VALUE}, the GP's own default).")
    int gpStartup;

    @Option(names = "--threads", defaultValue = "0", description = "Runs in parallel (default: the number of cores).")
    int threads;

    @Option(names = "--latency", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure the GP's suggestion latency with 4 parameters (default: on).")
    boolean latency;

    @Option(names = "--latency-sizes", split = ",", defaultValue = "100,1000",
            description = "Finished trials before the latency is measured (default: ${DEFAULT-VALUE}).")
    List<Integer> latencySizes;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/samplers.json",
            description = "Where the JSON results go; the plot goes next to it as .png (default: ${DEFAULT-VALUE}).")
    Path out;

    /** One function, sampler and budget over all seeds. */
    record Result(String function, String sampler, int budget, double medianRegret, double meanRegret,
                  List<Double> regrets) {
    }

    /** The GP's suggestion time with {@code finishedTrials} in the study. */
    record Latency(int finishedTrials, int parameters, double medianMillis, double firstMillis, int measured) {
    }

    record Report(String benchmark, String date, int seeds, List<Integer> budgets, int gpStartup,
                  Map<String, Object> machine, List<Result> results,
                  Map<String, Map<String, double[]>> medianBestSoFar, List<Latency> latency) {
    }

    @Override
    public Integer call() throws Exception {
        SeededRuns.check(spec, seeds, samplers, SAMPLERS.keySet(), budgets);
        if (gpStartup < 1) {
            throw new ParameterException(spec.commandLine(), "--gp-startup must be at least 1, got " + gpStartup);
        }
        Map<String, TestFunction> chosen = new LinkedHashMap<>();
        for (String f : functions) {
            try {
                chosen.put(f, TestFunction.named(f));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--functions: " + e.getMessage());
            }
        }
        int maxBudget = budgets.stream().mapToInt(Integer::intValue).max().orElseThrow();
        PrintWriter console = spec.commandLine().getOut();
        List<Result> results = new ArrayList<>();
        Map<String, Map<String, double[]>> curves = new LinkedHashMap<>();
        SeededRuns.<double[]>run(threads, List.copyOf(chosen.keySet()), samplers, seeds, console,
                (f, s, seed) -> bestSoFarRegret(chosen.get(f), SAMPLERS.get(s).create(seed, gpStartup), maxBudget),
                (f, s, traces) -> {
                    double[] median = new double[maxBudget];
                    for (int t = 0; t < maxBudget; t++) {
                        int trial = t;
                        median[t] = median(traces.stream().mapToDouble(r -> r[trial]).toArray());
                    }
                    curves.computeIfAbsent(f, k -> new LinkedHashMap<>()).put(s, median);
                    for (int b : budgets) {
                        double[] finals = traces.stream().mapToDouble(r -> r[b - 1]).toArray();
                        results.add(new Result(f, s, b, median(finals), Arrays.stream(finals).average().orElseThrow(),
                                Arrays.stream(finals).boxed().toList()));
                    }
                });
        List<Latency> latencies = new ArrayList<>();
        if (latency) {
            for (int n : latencySizes) {
                latencies.add(latency(n));
            }
        }
        printTable(results, latencies, console);
        BenchResults.write(out, new Report("samplers", Instant.now().toString(), seeds, budgets, gpStartup,
                BenchResults.machine(), results, curves, latencies));
        Path file = out.toAbsolutePath();
        Path png = file.resolveSibling(file.getFileName().toString().replaceFirst("\\.json$", "") + ".png");
        RegretPlot.write(curves, png);
        console.printf("Wrote %s and %s%n", out, png);
        console.flush();
        return 0;
    }

    /** Best-so-far regret after each trial of one seeded run. */
    static double[] bestSoFarRegret(TestFunction f, Sampler sampler, int trials) {
        Study study = Study.builder(f.name()).sampler(sampler).create();
        study.optimize(f.objective(), trials);
        double[] regret = new double[trials];
        double best = Double.POSITIVE_INFINITY;
        List<FrozenTrial> all = study.trials();
        for (int i = 0; i < trials; i++) {
            FrozenTrial t = all.get(i);
            if (t.state() == TrialState.COMPLETE) {
                best = Math.min(best, t.value());
            }
            regret[i] = Math.max(0, best - f.optimum());
        }
        return regret;
    }

    /**
     * Median time of one GP suggestion (ask, which makes the joint proposal, plus the four suggestions) in a
     * study that already has {@code n} finished trials from a random sampler. The first suggestion, which fits
     * from scratch, is reported apart; the study then grows by one trial per measurement.
     */
    static Latency latency(int n) {
        InMemoryStorage storage = new InMemoryStorage();
        TestFunction f = TestFunction.named("hartmann6");
        dev.tuna.search.Objective objective = trial -> {
            double[] x = new double[6];
            for (int i = 0; i < 4; i++) {
                x[i] = trial.suggestFloat("x" + i, 0, 1);
            }
            x[4] = 0.3;
            x[5] = 0.66;
            return f.formula().at(x);
        };
        Study.builder("latency").storage(storage).sampler(new RandomSampler(1)).create().optimize(objective, n);
        Study study = Study.builder("latency").storage(storage).sampler(new GpSampler(1)).create();
        int measured = 15;
        double[] millis = new double[measured];
        double first = 0;
        for (int i = 0; i <= measured; i++) {
            long start = System.nanoTime();
            Trial trial = study.ask();
            double[] x = new double[6];
            for (int j = 0; j < 4; j++) {
                x[j] = trial.suggestFloat("x" + j, 0, 1);
            }
            double elapsed = (System.nanoTime() - start) / 1e6;
            x[4] = 0.3;
            x[5] = 0.66;
            study.tell(trial, f.formula().at(x));
            if (i == 0) {
                first = elapsed;
            } else {
                millis[i - 1] = elapsed;
            }
        }
        return new Latency(n, 4, median(millis), first, measured);
    }

    private void printTable(List<Result> results, List<Latency> latencies, PrintWriter console) {
        console.println();
        console.println("Median final regret (mean in brackets) over " + seeds + " seeds");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-12s %6s", "function", "trials"));
        for (String s : samplers) {
            header.append(String.format(Locale.ROOT, " %22s", s));
        }
        console.println(header);
        for (String f : functions) {
            for (int b : budgets) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-12s %6d", f, b));
                for (String s : samplers) {
                    Result r = results.stream().filter(x -> x.function().equals(f) && x.sampler().equals(s)
                            && x.budget() == b).findFirst().orElseThrow();
                    row.append(String.format(Locale.ROOT, " %10.4g (%9.3g)", r.medianRegret(), r.meanRegret()));
                }
                console.println(row);
            }
        }
        for (Latency l : latencies) {
            console.printf(Locale.ROOT, "GP suggestion, %d params, %d finished trials: median %.1f ms (first, cold fit: %.1f ms)%n",
                    l.parameters(), l.finishedTrials(), l.medianMillis(), l.firstMillis());
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
