package dev.tuna.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A synthetic suite of learning curves for the pruning benchmark: configurations whose validation loss converges
 * at different speeds to different final values, some that diverge (the loss explodes, then is NaN) and some that
 * overfit late (the validation loss rises again while the training loss falls), with deterministic noise.
 * It is generated once by {@link #generate} and committed as {@code curves.json}, which the Java benchmark and the
 * Optuna script both read, so that both tools see exactly the same numbers.
 */
record LearningCurveSuite(long seed, int epochs, List<Config> configs) {
    static final String RESOURCE = "/dev/tuna/examples/bench/curves.json";

    /**
     * One configuration's curves, one value per epoch (epoch {@code e} at index {@code e - 1}); a value of
     * {@code null} in the JSON is NaN.
     */
    record Config(int index, String kind, List<Double> valLoss, List<Double> trainLoss, List<Double> gradNorm) {
        double finalValue() {
            return at(valLoss, valLoss.size());
        }

        /** A curve's value at an epoch (from 1), NaN where the JSON has null. */
        static double at(List<Double> curve, int epoch) {
            Double v = curve.get(epoch - 1);
            return v == null ? Double.NaN : v;
        }
    }

    /** The suite committed with the benchmark. */
    static LearningCurveSuite load() {
        try (InputStream in = LearningCurveSuite.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the curve suite " + RESOURCE + " is missing from the class path");
            }
            return new ObjectMapper().readValue(in, LearningCurveSuite.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the curve suite " + RESOURCE, e);
        }
    }

    /** The best final validation loss of any configuration: what a perfect tuner finds. */
    double bestFinal() {
        return configs.stream().mapToDouble(Config::finalValue).filter(Double::isFinite).min().orElseThrow();
    }

    /** Writes the suite as JSON (NaN as null). */
    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().writeValue(file.toFile(), this);
    }

    /** Makes the suite: {@code n} configurations of {@code epochs} epochs from one seed. */
    static LearningCurveSuite generate(long seed, int n, int epochs) {
        Random rng = new Random(seed);
        List<Config> configs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double u = rng.nextDouble();
            String kind = u < 0.10 ? "diverges" : u < 0.25 ? "overfits" : "converges";
            double quality = rng.nextDouble();
            double fin = 0.30 + 0.60 * Math.pow(quality, 1.3);                 // the loss it converges to
            double start = 2.3 * (1 + 0.1 * rng.nextGaussian());
            // epochs to converge, 1 to 8: as with small learning rates, the best configurations tend to be slow
            double slowness = Math.max(0, Math.min(1, 1 - quality + 0.3 * rng.nextGaussian()));
            double tau = Math.exp(slowness * Math.log(8));
            boolean powerLaw = rng.nextBoolean();
            double overfitFrom = 10 + rng.nextInt(12);
            double overfitRate = 0.0005 + 0.002 * rng.nextDouble();
            int divergeAt = 3 + rng.nextInt(18);
            double noise = 0.005 + 0.015 * rng.nextDouble();
            List<Double> val = new ArrayList<>();
            List<Double> train = new ArrayList<>();
            List<Double> grad = new ArrayList<>();
            double exploded = 1;
            for (int e = 1; e <= epochs; e++) {
                double progress = powerLaw ? Math.pow(1 + e / tau, -1.5) : Math.exp(-e / tau);
                double clean = fin + (start - fin) * progress;
                double tr = 0.85 * fin + (start - 0.85 * fin) * progress;
                double g = 0.5 + 4 * progress;
                if (kind.equals("overfits") && e > overfitFrom) {
                    double late = e - overfitFrom;
                    clean += overfitRate * late * late * 4;
                    tr -= 0.01 * late;
                }
                if (kind.equals("diverges") && e >= divergeAt) {
                    exploded *= 2.2;
                    clean *= exploded;
                    tr *= exploded;
                    g *= exploded * exploded;
                }
                double v = clean * (1 + noise * rng.nextGaussian());
                double t = tr * (1 + noise * rng.nextGaussian());
                double gn = g * (1 + 0.1 * rng.nextGaussian());
                boolean nan = kind.equals("diverges") && clean > 60;
                val.add(nan ? null : round(v));
                train.add(nan ? null : round(t));
                grad.add(nan ? null : round(gn));
            }
            configs.add(new Config(i, kind, val, train, grad));
        }
        return new LearningCurveSuite(seed, epochs, configs);
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** A short description of the suite, for the report. */
    Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("configurations", configs.size());
        s.put("epochs", epochs);
        s.put("seed", seed);
        for (String kind : List.of("converges", "overfits", "diverges")) {
            s.put(kind, configs.stream().filter(c -> c.kind().equals(kind)).count());
        }
        s.put("bestFinal", bestFinal());
        return s;
    }
}
