package dev.tuna.examples.bench;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Objective;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.sampler.AutoSampler;
import dev.tuna.search.sampler.GpSampler;
import dev.tuna.search.sampler.RandomSampler;
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
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.LongFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tuna bench mixed-spaces}: Tuna's samplers on two spaces where a categorical parameter picks a branch,
 * over several seeds and budgets. {@code mixed}: a categorical {@code model} picks one of three formulas of the
 * same float, int and log-scale float (the best, 0.5, lies in "quad"; "wave" has a trap at 0.7, "linear" ends at
 * 1.0). {@code conditional}: a classifier in svm, rf or mlp, each with parameters of its own, defined by run (the
 * best, 0.15, lies in "mlp"; rf and svm end at 0.25 and 0.30). A run found the right branch when its final regret
 * is below {@value #RIGHT_BRANCH_REGRET}, which only the right branch can reach. The same problems with Optuna:
 * {@code examples/optuna/mixed_spaces.py}.
 *
 * <p>As in {@link SamplerBenchmark}, each (problem, sampler, seed) runs once for the largest budget: no sampler
 * looks at the budget, so the best value after the first {@code b} trials is the result of a run with budget
 * {@code b}.
 */
@Command(name = "mixed-spaces", mixinStandardHelpOptions = true,
        header = "Regret of Tuna's samplers on a mixed and a conditional space.",
        description = "Compares Tuna's samplers on two spaces where a categorical parameter picks a branch: median"
                + " and mean final regret per budget, and the share of runs that found the branch of the optimum.")
final class MixedSpaceBenchmark implements Callable<Integer> {
    /** A run found the right branch when its final regret is below this: no other branch gets that close. */
    static final double RIGHT_BRANCH_REGRET = 0.1;

    /**
     * One problem to minimise.
     *
     * @param name        its name on the command line
     * @param optimum     the best value, reached in the right branch
     * @param branchParam the categorical parameter that picks the branch
     * @param rightBranch the branch of the optimum
     * @param objective   the define-by-run objective
     */
    record Problem(String name, double optimum, String branchParam, String rightBranch, Objective objective) {
    }

    static final List<Problem> PROBLEMS = List.of(
            new Problem("mixed", 0.5, "model", "quad", MixedSpaceBenchmark::mixed),
            new Problem("conditional", 0.15, "clf", "mlp", MixedSpaceBenchmark::conditional));

    /** Samplers by name, made from the seed. */
    static final Map<String, LongFunction<Sampler>> SAMPLERS = new LinkedHashMap<>();

    static {
        SAMPLERS.put("auto", AutoSampler::new);
        SAMPLERS.put("tpe", TpeSampler::new);
        SAMPLERS.put("tpe-multivariate", TpeSampler::multivariate);
        SAMPLERS.put("gp", GpSampler::new);
        SAMPLERS.put("random", RandomSampler::new);
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--problems", split = ",", defaultValue = "mixed,conditional",
            description = "Problems to run (default: ${DEFAULT-VALUE}).")
    List<String> problems;

    @Option(names = "--samplers", split = ",", defaultValue = "auto,tpe,tpe-multivariate,gp,random",
            description = "Samplers to run (default: ${DEFAULT-VALUE}).")
    List<String> samplers;

    @Option(names = "--budgets", split = ",", defaultValue = "50,100", description = "Trial budgets (default: ${DEFAULT-VALUE}).")
    List<Integer> budgets;

    @Option(names = "--seeds", defaultValue = "40", description = "Seeds per problem and sampler (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--threads", defaultValue = "0", description = "Runs in parallel (default: the number of cores).")
    int threads;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/mixed-spaces.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    /**
     * One problem, sampler and budget over all seeds.
     *
     * @param rightBranch the share of runs whose final regret is below {@link #RIGHT_BRANCH_REGRET}
     * @param bestBranch  how many runs ended with their best trial in each branch
     */
    record Result(String problem, String sampler, int budget, double medianRegret, double meanRegret,
                  double rightBranch, Map<String, Integer> bestBranch, List<Double> regrets) {
    }

    record Report(String benchmark, String date, int seeds, List<Integer> budgets, double rightBranchRegret,
                  Map<String, Object> machine, List<Result> results) {
    }

    /** One seeded run: after each trial, the regret of the best trial so far and that trial's branch. */
    record Run(double[] regret, String[] branch) {
    }

    @Override
    public Integer call() throws Exception {
        SeededRuns.check(spec, seeds, samplers, SAMPLERS.keySet(), budgets);
        Map<String, Problem> chosen = new LinkedHashMap<>();
        for (String p : problems) {
            chosen.put(p, PROBLEMS.stream().filter(x -> x.name().equals(p)).findFirst().orElseThrow(() ->
                    new ParameterException(spec.commandLine(), "--problems: unknown problem '" + p + "'; expected one of "
                            + PROBLEMS.stream().map(Problem::name).toList())));
        }
        int maxBudget = budgets.stream().mapToInt(Integer::intValue).max().orElseThrow();
        PrintWriter console = spec.commandLine().getOut();
        List<Result> results = new ArrayList<>();
        SeededRuns.<Run>run(threads, List.copyOf(chosen.keySet()), samplers, seeds, console,
                (p, s, seed) -> run(chosen.get(p), SAMPLERS.get(s).apply(seed), maxBudget),
                (p, s, runs) -> budgets.forEach(b -> results.add(result(chosen.get(p), s, b, runs))));
        printTable(results, console);
        BenchResults.write(out, new Report("mixed-spaces", Instant.now().toString(), seeds, budgets,
                RIGHT_BRANCH_REGRET, BenchResults.machine(), results));
        console.printf("Wrote %s%n", out);
        console.flush();
        return 0;
    }

    /** Runs one seeded study for {@code trials} trials and traces its best trial. */
    static Run run(Problem problem, Sampler sampler, int trials) {
        Study study = Study.builder(problem.name()).sampler(sampler).create();
        study.optimize(problem.objective(), trials);
        double[] regret = new double[trials];
        String[] branch = new String[trials];
        double best = Double.POSITIVE_INFINITY;
        String bestBranch = "none";
        List<FrozenTrial> all = study.trials();
        for (int i = 0; i < trials; i++) {
            FrozenTrial t = all.get(i);
            if (t.state() == TrialState.COMPLETE && t.value() < best) {
                best = t.value();
                bestBranch = String.valueOf(t.params().get(problem.branchParam()));
            }
            regret[i] = Math.max(0, best - problem.optimum());
            branch[i] = bestBranch;
        }
        return new Run(regret, branch);
    }

    /** The runs' final regrets and branches after {@code budget} trials. */
    static Result result(Problem problem, String sampler, int budget, List<Run> runs) {
        double[] finals = runs.stream().mapToDouble(r -> r.regret()[budget - 1]).toArray();
        Map<String, Integer> branches = new TreeMap<>();
        for (Run r : runs) {
            branches.merge(r.branch()[budget - 1], 1, Integer::sum);
        }
        double right = Arrays.stream(finals).filter(r -> r < RIGHT_BRANCH_REGRET).count() / (double) finals.length;
        return new Result(problem.name(), sampler, budget, SamplerBenchmark.median(finals),
                Arrays.stream(finals).average().orElseThrow(), right, branches, Arrays.stream(finals).boxed().toList());
    }

    private void printTable(List<Result> results, PrintWriter console) {
        console.println();
        console.println("Median final regret (mean in brackets) and share of runs in the right branch (regret < "
                + RIGHT_BRANCH_REGRET + ") over " + seeds + " seeds");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-12s %6s", "problem", "trials"));
        for (String s : samplers) {
            header.append(String.format(Locale.ROOT, " %26s", s));
        }
        console.println(header);
        for (String p : problems) {
            for (int b : budgets) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-12s %6d", p, b));
                for (String s : samplers) {
                    Result r = results.stream().filter(x -> x.problem().equals(p) && x.sampler().equals(s)
                            && x.budget() == b).findFirst().orElseThrow();
                    row.append(String.format(Locale.ROOT, " %8.3g (%8.3g) %4.0f%%", r.medianRegret(), r.meanRegret(),
                            100 * r.rightBranch()));
                }
                console.println(row);
            }
        }
        console.flush();
    }

    // ---------------------------------------------------------------- the problems

    /**
     * {@code mixed}: a categorical {@code model} picks the formula of a float {@code x} in [-5, 5], an int
     * {@code n} in [1, 20] and a log-scale float {@code lr} in [1e-4, 1], which every branch shares.
     */
    static double mixed(Trial trial) {
        String model = trial.suggestCategorical("model", List.of("linear", "quad", "wave"));
        double x = trial.suggestFloat("x", -5, 5);
        int n = trial.suggestInt("n", 1, 20);
        double lr = trial.suggestFloat("lr", 1e-4, 1, true);
        return mixed(model, x, n, lr);
    }

    /** {@code mixed}'s formulas: best 1.0 in "linear", 0.5 in "quad" (the optimum), 0.7 in "wave". */
    static double mixed(String model, double x, int n, double lr) {
        double u = Math.log10(lr);
        return switch (model) {
            case "linear" -> 1.0 + 0.3 * Math.abs(x - 1) + 0.05 * Math.abs(n - 7) + 0.5 * sq(u + 2);
            case "quad" -> 0.5 + sq(x + 2) / 4 + sq(n - 15) / 50.0 + 0.5 * sq(u + 3);
            case "wave" -> 0.7 + 0.3 * (1 + Math.sin(3 * x)) + sq(n - 3) / 30.0 + 0.5 * sq(u + 1);
            default -> throw new IllegalArgumentException("unknown model " + model);
        };
    }

    /**
     * {@code conditional}: a categorical {@code clf} picks a classifier, and each classifier suggests parameters
     * of its own (defined by run, as in an Optuna tutorial): svm a log-scale C and gamma, rf an int depth and a
     * log-scale int number of trees, mlp a log-scale learning rate, layers, log-scale units and a dropout.
     */
    static double conditional(Trial trial) {
        String clf = trial.suggestCategorical("clf", List.of("svm", "rf", "mlp"));
        return switch (clf) {
            case "svm" -> svm(trial.suggestFloat("svm_C", 1e-3, 1e3, true), trial.suggestFloat("svm_gamma", 1e-4, 1, true));
            case "rf" -> rf(trial.suggestInt("rf_depth", 1, 32), trial.suggestInt("rf_trees", 10, 1000, true));
            default -> mlp(trial.suggestFloat("mlp_lr", 1e-5, 1, true), trial.suggestInt("mlp_layers", 1, 5),
                    trial.suggestInt("mlp_units", 16, 1024, true), trial.suggestFloat("mlp_dropout", 0, 0.5));
        };
    }

    /** The svm branch: best 0.30 at C = 10, gamma = 0.01. */
    static double svm(double c, double gamma) {
        return 0.30 + 0.02 * sq(Math.log10(c) - 1) + 0.03 * sq(Math.log10(gamma) + 2);
    }

    /** The rf branch: best about 0.25 at depth 12 and 316 trees. */
    static double rf(int depth, int trees) {
        return 0.25 + 0.1 * sq((depth - 12) / 10.0) + 0.05 * sq(Math.log10(trees) - 2.5);
    }

    /** The mlp branch: best 0.15 (the optimum) at lr = 10^-2.5, 3 layers, 256 units, dropout 0.2. */
    static double mlp(double lr, int layers, int units, double dropout) {
        double log2Units = Math.log(units) / Math.log(2);
        return 0.15 + 0.04 * sq(Math.log10(lr) + 2.5) + 0.02 * sq(layers - 3) + 0.03 * sq(log2Units - 8) / 4
                + 0.5 * sq(dropout - 0.2);
    }

    private static double sq(double x) {
        return x * x;
    }
}
