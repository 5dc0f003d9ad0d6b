package dev.tuna.examples.mnist;

import ai.djl.Device;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.SobolSampler;
import dev.tuna.worker.train.Trainable;
import dev.tuna.worker.train.TrainableRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tunes the built-in {@code mlp} on the bundled MNIST-10k with the programmatic API: the search space is given
 * as distributions that every trial suggests, the rest is fixed; every epoch reports validation accuracy and the
 * other curves to the study.
 *
 * <pre>java -cp examples/target/tuna-examples.jar dev.tuna.examples.mnist.TuneMnistMlp [trials] [epochs]</pre>
 */
public final class TuneMnistMlp {
    private TuneMnistMlp() {
    }

    public static void main(String[] args) {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Study study = run("mnist", trials, epochs, Device.cpu());
        System.out.printf("best validation accuracy %.4f with %s%n", study.bestValue(), study.bestParams());
    }

    /** Runs the study on one device and returns it. */
    public static Study run(String dataset, int trials, int epochs, Device device) {
        Map<String, Distribution> space = new LinkedHashMap<>();
        space.put("lr", new FloatDistribution(1e-4, 1e-1, true, null));
        space.put("units", new IntDistribution(32, 512, true, 1));
        space.put("optimizer", new CategoricalDistribution(List.of("adam", "adamw", "momentum")));
        space.put("dropout", new FloatDistribution(0.0, 0.5, false, null));
        Map<String, Object> fixed = Map.of("dataset", dataset, "epochs", epochs, "batchSize", 128, "schedule", "cosine");

        Trainable mlp = TrainableRegistry.defaults().create("mlp", fixed, space);
        Study study = Study.builder("mnist-mlp").direction(Direction.MAXIMIZE).sampler(new SobolSampler(42)).create();
        study.optimize(mlp.asObjective(device), OptimizeOptions.builder().optTrials(trials).build());
        return study;
    }
}
