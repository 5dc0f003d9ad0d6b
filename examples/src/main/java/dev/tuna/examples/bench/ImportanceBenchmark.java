package dev.tuna.examples.bench;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.web.server.ParameterImportance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
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
 * {@code tuna bench importance}: the time of one parameter importance (the dashboard's fANOVA on a forest of 64
 * trees) for studies of many trials and many parameters, as the server computes it on a request.
 */
@Command(name = "importance", mixinStandardHelpOptions = true,
        header = "Time of one parameter importance for studies of many trials and parameters.",
        description = "Builds in-memory studies of TRIALSxPARAMS completed trials (random sampler; the value a weighted"
                + " sum of squares) and reports the median milliseconds of ParameterImportance.of over the repeats,"
                + " after an untimed run.")
final class ImportanceBenchmark implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shapes", paramLabel = "TRIALSxPARAMS", split = ",",
            defaultValue = "2000x4,2000x20,500x200,2000x200",
            description = "Studies to time, each as trials x parameters (default: ${DEFAULT-VALUE}).")
    List<String> shapes;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
            description = "Timed runs per study (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/importance.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (repeats < 1) {
            throw new ParameterException(spec.commandLine(), "--repeats must be at least 1");
        }
        PrintWriter console = spec.commandLine().getOut();
        Map<String, Double> medians = new LinkedHashMap<>();
        for (String shape : shapes) {
            String[] parts = shape.split("x");
            int trials;
            int params;
            try {
                trials = parts.length == 2 ? Integer.parseInt(parts[0]) : 0;
                params = parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
            } catch (NumberFormatException e) {
                trials = 0;
                params = 0;
            }
            if (trials < 1 || params < 1) {
                throw new ParameterException(spec.commandLine(), "--shapes: expected TRIALSxPARAMS, got '" + shape + "'");
            }
            List<FrozenTrial> study = study(trials, params);
            ParameterImportance.of(study); // untimed: the JIT
            double[] ms = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long start = System.nanoTime();
                ParameterImportance.of(study);
                ms[r] = (System.nanoTime() - start) / 1e6;
            }
            double median = SamplerBenchmark.median(ms);
            medians.put(shape, median);
            console.printf(Locale.ROOT, "%-10s %10.1f ms%n", shape, median);
            console.flush();
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "importance");
        report.put("date", Instant.now().toString());
        report.put("machine", BenchResults.machine());
        report.put("method", ParameterImportance.METHOD);
        report.put("repeats", repeats);
        report.put("medianMs", medians);
        report.put("loadAverage", BenchResults.loadAverage());
        BenchResults.write(out, report);
        console.println("Wrote " + out);
        return 0;
    }

    /** The completed trials of a study of {@code params} floats whose value weighs parameter i by i + 1. */
    private static List<FrozenTrial> study(int trials, int params) {
        Study study = Study.builder("importance").sampler(new RandomSampler(7)).create();
        study.optimize(trial -> {
            double value = 0;
            for (int i = 0; i < params; i++) {
                double x = trial.suggestFloat("x" + i, 0, 1);
                value += (i + 1) * x * x;
            }
            return value;
        }, trials);
        return study.trials();
    }
}
