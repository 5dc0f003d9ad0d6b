package dev.tuna.examples.bench;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.search.Pruner;
import dev.tuna.search.Study;
import dev.tuna.search.TrialPrunedException;
import dev.tuna.search.pruner.AnyOf;
import dev.tuna.search.pruner.CurveExtrapolationPruner;
import dev.tuna.search.pruner.DivergencePruner;
import dev.tuna.search.pruner.HyperbandPruner;
import dev.tuna.search.pruner.MedianPruner;
import dev.tuna.search.pruner.NopPruner;
import dev.tuna.search.pruner.PatiencePruner;
import dev.tuna.search.pruner.PercentilePruner;
import dev.tuna.search.pruner.SuccessiveHalvingPruner;
import dev.tuna.search.pruner.ThresholdPruner;
import dev.tuna.search.sampler.RandomSampler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tuna bench pruners}: runs each pruner on the synthetic learning-curve suite ({@link LearningCurveSuite}):
 * the configurations are trained in their fixed order, one per trial, for up to their 27 epochs, and the pruner may
 * stop each after any epoch. For each pruner it reports the epochs spent, as a fraction of training every
 * configuration fully, and the relative regret of the best completed trial against the best final value of the suite.
 */
@Command(name = "pruners", mixinStandardHelpOptions = true,
        header = "Epochs spent and regret of each pruner on synthetic curves.",
        description = "Pruning benchmark: epochs spent and regret of each pruner on a fixed suite of 100 synthetic"
                + " learning curves (the same curves examples/optuna/pruners.py gives Optuna).")
final class PrunerBenchmark implements Callable<Integer> {
    /** Issue 4's targets. */
    static final double EPOCH_TARGET = 0.20;
    static final double REGRET_TARGET = 0.02;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/pruners.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--regenerate", paramLabel = "FILE",
            description = "Generate the curve suite again into FILE (the committed one is "
                    + "examples/src/main/resources" + LearningCurveSuite.RESOURCE + ") and exit.")
    Path regenerate;

    @Option(names = "--seed", defaultValue = "20261125", description = "Seed of a regenerated suite (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--held-out", paramLabel = "N", defaultValue = "8",
            description = {"Also run every pruner on N other suites (seeds 1..N, generated here, not committed) to show",
                    "that the results do not hang on one suite (default: ${DEFAULT-VALUE})."})
    int heldOut;

    /** The pruners compared, by name. */
    static Map<String, Supplier<Pruner>> pruners() {
        Map<String, Supplier<Pruner>> p = new LinkedHashMap<>();
        p.put("none", NopPruner::new);
        p.put("median", MedianPruner::new);
        p.put("percentile 25", () -> new PercentilePruner(25));
        p.put("asha (successive halving)", SuccessiveHalvingPruner::new);
        p.put("hyperband", HyperbandPruner::new);
        p.put("threshold (upper 1.0 from epoch 5)", () -> new ThresholdPruner(Double.NEGATIVE_INFINITY, 1.0, 5, 1));
        p.put("patience 3", () -> new PatiencePruner(3, 0.001, 0));
        p.put("divergence", DivergencePruner::new);
        p.put("curve extrapolation", CurveExtrapolationPruner::new);
        p.put("anyOf(curve, divergence)", () -> new AnyOf(new CurveExtrapolationPruner(), new DivergencePruner()));
        p.put("anyOf(curve P 0.7, divergence)", () -> new AnyOf(new CurveExtrapolationPruner(0, 3, 1, 0.7), new DivergencePruner()));
        p.put("anyOf(hyperband, divergence)", () -> new AnyOf(new HyperbandPruner(), new DivergencePruner()));
        return p;
    }

    /** One pruner's outcomes over the held-out suites. */
    record HeldOut(String pruner, int suites, double meanFraction, double maxFraction, double meanRegret,
                   double maxRegret, int meetingTargets) {
    }

    /** One pruner's outcome on the suite. */
    record Result(String pruner, long epochs, double fraction, int completed, int pruned, int failed,
                  double bestCompleted, double regret, double seconds) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        if (regenerate != null) {
            LearningCurveSuite.generate(seed, 100, 27).write(regenerate);
            console.printf("Wrote %s%n", regenerate);
            return 0;
        }
        LearningCurveSuite suite = LearningCurveSuite.load();
        console.printf(Locale.ROOT, "Pruning benchmark: %s%n", suite.summary());
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, Supplier<Pruner>> e : pruners().entrySet()) {
            Result r = run(suite, e.getKey(), e.getValue().get());
            results.add(r);
            console.printf(Locale.ROOT, "  %-36s epochs %5d (%5.1f%%)  completed %3d  pruned %3d  failed %3d  best %.4f  regret %6.2f%%  %.2f s%n",
                    r.pruner(), r.epochs(), 100 * r.fraction(), r.completed(), r.pruned(), r.failed(), r.bestCompleted(),
                    100 * r.regret(), r.seconds());
        }
        List<HeldOut> heldOutResults = new ArrayList<>();
        if (heldOut > 0) {
            List<LearningCurveSuite> suites = new ArrayList<>();
            for (long s = 1; s <= heldOut; s++) {
                suites.add(LearningCurveSuite.generate(s, 100, 27));
            }
            console.printf(Locale.ROOT, "Held-out suites (seeds 1..%d): mean and worst epochs, mean and worst regret, suites meeting both targets%n", heldOut);
            for (Map.Entry<String, Supplier<Pruner>> e : pruners().entrySet()) {
                List<Result> rs = suites.stream().map(s -> run(s, e.getKey(), e.getValue().get())).toList();
                HeldOut h = new HeldOut(e.getKey(), rs.size(),
                        rs.stream().mapToDouble(Result::fraction).average().orElseThrow(),
                        rs.stream().mapToDouble(Result::fraction).max().orElseThrow(),
                        rs.stream().mapToDouble(Result::regret).average().orElseThrow(),
                        rs.stream().mapToDouble(Result::regret).max().orElseThrow(),
                        (int) rs.stream().filter(r -> r.fraction() <= EPOCH_TARGET && r.regret() <= REGRET_TARGET).count());
                heldOutResults.add(h);
                console.printf(Locale.ROOT, "  %-36s epochs %5.1f%% (worst %5.1f%%)  regret %6.2f%% (worst %6.2f%%)  on target %d/%d%n",
                        h.pruner(), 100 * h.meanFraction(), 100 * h.maxFraction(), 100 * h.meanRegret(), 100 * h.maxRegret(),
                        h.meetingTargets(), h.suites());
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("tool", "tuna");
        report.put("date", Instant.now().toString());
        report.put("suite", suite.summary());
        report.put("targets", Map.of("maxEpochFraction", EPOCH_TARGET, "maxRelativeRegret", REGRET_TARGET));
        report.put("results", results);
        report.put("heldOut", heldOutResults);
        BenchResults.write(out, report);
        console.printf("Wrote %s%n", out);
        return 0;
    }

    /** Runs the suite's configurations in order under one pruner. */
    static Result run(LearningCurveSuite suite, String name, Pruner pruner) {
        long start = System.nanoTime();
        Study study = Study.builder("pruners").direction(Direction.MINIMIZE).sampler(new RandomSampler(0))
                .pruner(pruner).storage(new InMemoryStorage()).create();
        long[] epochs = {0};
        study.optimize(trial -> {
            LearningCurveSuite.Config c = suite.configs().get(trial.number());
            double value = Double.NaN;
            for (int epoch = 1; epoch <= suite.epochs(); epoch++) {
                epochs[0]++;
                value = LearningCurveSuite.Config.at(c.valLoss(), epoch);
                trial.report(epoch, value);
                trial.report(epoch, Map.of("train_loss", LearningCurveSuite.Config.at(c.trainLoss(), epoch),
                        "val_loss", value, "grad_norm", LearningCurveSuite.Config.at(c.gradNorm(), epoch)));
                if (trial.shouldPrune()) {
                    throw new TrialPrunedException();
                }
            }
            return value;
        }, suite.configs().size());
        List<FrozenTrial> trials = study.trials();
        double best = study.findBestTrial().map(FrozenTrial::value).orElse(Double.NaN);
        double optimum = suite.bestFinal();
        return new Result(name, epochs[0], epochs[0] / (double) (suite.configs().size() * suite.epochs()),
                count(trials, TrialState.COMPLETE), count(trials, TrialState.PRUNED), count(trials, TrialState.FAIL),
                best, (best - optimum) / optimum, (System.nanoTime() - start) / 1e9);
    }

    private static int count(List<FrozenTrial> trials, TrialState state) {
        return (int) trials.stream().filter(t -> t.state() == state).count();
    }
}
