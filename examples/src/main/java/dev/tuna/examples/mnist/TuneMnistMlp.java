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
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.dispatch.TrialScheduler;
import dev.tuna.worker.train.Trainable;
import dev.tuna.worker.train.TrainableRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tunes the built-in {@code mlp} on the bundled MNIST-10k with the programmatic API on every device of the
 * machine: each GPU (one trial each) and {@code cpuSlots} trials on the CPU, dispatched by the worker's Quartz
 * scheduler. The search space is given as distributions that every trial suggests, the rest is fixed; every epoch
 * reports validation accuracy and the other curves to the study.
 *
 * <pre>java -cp examples/target/tuna-examples.jar dev.tuna.examples.mnist.TuneMnistMlp [trials] [epochs] [cpuSlots]</pre>
 */
public final class TuneMnistMlp {
    private TuneMnistMlp() {
    }

    public static void main(String[] args) {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int cpuSlots = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Study study = runOnAllDevices("mnist", trials, epochs, Devices.discover(cpuSlots));
        System.out.printf("best validation accuracy %.4f with %s%n", study.bestValue(), study.bestParams());
    }

    /** Runs the study on every slot of {@code devices} at once, through the Quartz dispatcher, and returns it. */
    public static Study runOnAllDevices(String dataset, int trials, int epochs, Devices devices) {
        Study study = newStudy();
        try (TrialScheduler scheduler = TrialScheduler.builder(devices).build()) {
            study.optimize(mlp(dataset, epochs).asDeviceObjective(),
                    OptimizeOptions.builder().optTrials(trials).optExecutor(scheduler.on(devices)).build());
        }
        return study;
    }

    /** Runs the study on one device, one trial at a time, and returns it. */
    public static Study run(String dataset, int trials, int epochs, Device device) {
        Study study = newStudy();
        study.optimize(mlp(dataset, epochs).asObjective(device), OptimizeOptions.builder().optTrials(trials).build());
        return study;
    }

    private static Study newStudy() {
        return Study.builder("mnist-mlp").direction(Direction.MAXIMIZE).sampler(new SobolSampler(42)).create();
    }

    private static Trainable mlp(String dataset, int epochs) {
        Map<String, Distribution> space = new LinkedHashMap<>();
        space.put("lr", new FloatDistribution(1e-4, 1e-1, true, null));
        space.put("units", new IntDistribution(32, 512, true, 1));
        space.put("optimizer", new CategoricalDistribution(List.of("adam", "adamw", "momentum")));
        space.put("dropout", new FloatDistribution(0.0, 0.5, false, null));
        Map<String, Object> fixed = Map.of("dataset", dataset, "epochs", epochs, "batchSize", 128, "schedule", "cosine");

        return TrainableRegistry.defaults().create("mlp", fixed, space);
    }
}
