package dev.tuna.worker.train;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import dev.tuna.core.Distribution;
import dev.tuna.worker.data.DatasetRegistry;
import dev.tuna.worker.data.LabeledData;
import dev.tuna.worker.data.Task;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The built-in {@code cnn}, LeNet-like: {@code convLayers} blocks of convolution ({@code filters}, doubled each
 * block, square {@code kernelSize}, same padding), optional batch norm, {@code activation} and 2x2
 * {@code pooling} ({@code max} or {@code avg}); then a dense head of {@code denseUnits} units with optional
 * {@code dropout}, and a linear output. Defaults: 2 blocks, 16 filters, kernel 5, max pooling, 128 dense units.
 *
 * <p>Samples are images: {@code (channels, h, w)}, {@code (h, w)}, or flat with a square size (784 -> 1x28x28).
 */
public final class CnnTrainable extends DjlTrainable {
    /** Registers as {@code cnn}. */
    public static final TrainableFactory FACTORY = TrainableFactory.of("cnn",
            (fixed, space) -> new CnnTrainable(fixed, space, DatasetRegistry.defaults()));

    public CnnTrainable(Map<String, Object> fixed, Map<String, Distribution> space, DatasetRegistry datasets) {
        super("cnn", fixed, space, datasets);
    }

    @Override
    protected long[] inputShape(Hyperparams params, LabeledData train) {
        long[] s = train.sampleShape();
        if (s.length == 3) {
            return s;
        }
        if (s.length == 2) {
            return new long[] {1, s[0], s[1]};
        }
        long side = Math.round(Math.sqrt(s[0]));
        if (s.length == 1 && side * side == s[0]) {
            return new long[] {1, side, side};
        }
        throw new IllegalArgumentException("samples of shape " + Arrays.toString(s) + " are not images (need c x h x w, h x w, or a square size)");
    }

    @Override
    protected Block buildBlock(Hyperparams p, long[] inputShape, int outputs, Task task) {
        int convLayers = p.getInt("convLayers", 2, 1, 8);
        int filters = p.getInt("filters", 16, 1, 1024);
        int kernel = p.getInt("kernelSize", 5, 1, 11);
        String pooling = p.getChoice("pooling", "max", List.of("max", "avg"));
        int dense = p.getInt("denseUnits", 128, 1, 1 << 16);
        String activation = p.getChoice("activation", "relu", Activations.NAMES);
        float dropout = (float) p.getDouble("dropout", 0, 0, 0.95);
        boolean batchNorm = p.getBoolean("batchNorm", false);
        SequentialBlock net = new SequentialBlock();
        long h = inputShape[1];
        long w = inputShape[2];
        for (int i = 0; i < convLayers; i++) {
            net.add(Conv2d.builder().setFilters(filters << i).setKernelShape(new Shape(kernel, kernel)).optPadding(new Shape(kernel / 2, kernel / 2)).build());
            if (kernel % 2 == 0) {
                h += 1;
                w += 1; // even kernels with padding k/2 grow the map by one
            }
            if (batchNorm) {
                net.add(BatchNorm.builder().build());
            }
            net.add(Activations.create(activation));
            if (h >= 2 && w >= 2) {
                Shape window = new Shape(2, 2);
                net.add(pooling.equals("max") ? Pool.maxPool2dBlock(window, window) : Pool.avgPool2dBlock(window, window));
                h /= 2;
                w /= 2;
            }
        }
        net.add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(dense).build()).add(Activations.create(activation));
        if (dropout > 0) {
            net.add(Dropout.builder().optRate(dropout).build());
        }
        return net.add(Linear.builder().setUnits(outputs).build());
    }
}
