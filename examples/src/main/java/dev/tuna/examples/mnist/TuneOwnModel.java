package dev.tuna.examples.mnist;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.worker.data.DatasetRegistry;
import dev.tuna.worker.data.LabeledData;
import dev.tuna.worker.data.Task;
import dev.tuna.worker.train.DjlTrainable;
import dev.tuna.worker.train.Hyperparams;
import dev.tuna.worker.train.Trainable;
import dev.tuna.worker.train.TrainableFactory;
import dev.tuna.worker.train.TrainableRegistry;
import java.util.Map;

/**
 * Tunes a user's own DJL model: extend {@link DjlTrainable}, build the block from the trial's hyperparameters,
 * and register a {@link TrainableFactory}: here explicitly, and in the examples jar's
 * {@code META-INF/services/dev.tuna.worker.train.TrainableFactory} too, so that a study spec can name it
 * ({@code "trainable": {"type": "tiny-convnet"}}) once the jar is on the class path
 * ({@code TUNA_CLASSPATH=examples/target/tuna-examples.jar ./tuna run spec.json}). Training, monitoring, pruning
 * checks and resource handling come from {@code DjlTrainable}.
 *
 * <pre>java -cp examples/target/tuna-examples.jar dev.tuna.examples.mnist.TuneOwnModel [trials]</pre>
 */
public final class TuneOwnModel {
    private TuneOwnModel() {
    }

    /** The user's model: one convolution with a tunable number of filters, max pooling, a linear classifier. */
    public static final class TinyConvNet extends DjlTrainable {
        public TinyConvNet(Map<String, Object> fixed, Map<String, Distribution> space) {
            super("tiny-convnet", fixed, space, DatasetRegistry.defaults());
        }

        @Override
        protected long[] inputShape(Hyperparams params, LabeledData train) {
            return new long[] {1, 28, 28};
        }

        @Override
        protected Block buildBlock(Hyperparams params, long[] inputShape, int outputs, Task task) {
            int filters = params.getInt("filters", 8, 1, 256);
            return new SequentialBlock()
                    .add(Conv2d.builder().setFilters(filters).setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).build())
                    .add(Activation.reluBlock())
                    .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(outputs).build());
        }
    }

    /** Registers {@code tiny-convnet}. */
    public static final TrainableFactory FACTORY = new Factory();

    /** The factory of {@code tiny-convnet}; public with a no-argument constructor, as a service must be. */
    public static final class Factory implements TrainableFactory {
        @Override
        public String name() {
            return "tiny-convnet";
        }

        @Override
        public Trainable create(Map<String, Object> fixed, Map<String, Distribution> space) {
            return new TinyConvNet(fixed, space);
        }
    }

    public static void main(String[] args) {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Study study = run("mnist", trials, 3, Device.cpu());
        System.out.printf("best validation accuracy %.4f with %s%n", study.bestValue(), study.bestParams());
    }

    /** Registers the model, then tunes its filters and learning rate on one device. */
    public static Study run(String dataset, int trials, int epochs, Device device) {
        TrainableRegistry registry = TrainableRegistry.withServiceLoader(TuneOwnModel.class.getClassLoader());
        registry.register(FACTORY);
        Trainable model = registry.create("tiny-convnet", Map.of("dataset", dataset, "epochs", epochs),
                Map.of("filters", new IntDistribution(4, 32, true, 1), "lr", new FloatDistribution(1e-3, 3e-2, true, null)));
        Study study = Study.builder("tiny-convnet").direction(Direction.MAXIMIZE).sampler(new RandomSampler(7)).create();
        study.optimize(model.asObjective(device), OptimizeOptions.builder().optTrials(trials).build());
        return study;
    }
}
