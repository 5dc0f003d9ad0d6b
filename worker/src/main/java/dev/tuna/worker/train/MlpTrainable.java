package dev.tuna.worker.train;

import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import dev.tuna.core.Distribution;
import dev.tuna.worker.data.DatasetRegistry;
import dev.tuna.worker.data.Task;
import java.util.Map;

/**
 * The built-in {@code mlp}: flatten, then {@code layers} hidden layers of {@code units} units (linear, optional
 * batch norm, {@code activation}, optional {@code dropout}), then a linear output. Defaults: 1 layer of 128
 * relu units, no dropout, no batch norm. Plus the common settings of {@link DjlTrainable}.
 */
public final class MlpTrainable extends DjlTrainable {
    /** Registers as {@code mlp}. */
    public static final TrainableFactory FACTORY = TrainableFactory.of("mlp",
            (fixed, space) -> new MlpTrainable(fixed, space, DatasetRegistry.defaults()));

    public MlpTrainable(Map<String, Object> fixed, Map<String, Distribution> space, DatasetRegistry datasets) {
        super("mlp", fixed, space, datasets);
    }

    @Override
    protected Block buildBlock(Hyperparams p, long[] inputShape, int outputs, Task task) {
        int layers = p.getInt("layers", 1, 0, 64);
        int units = p.getInt("units", 128, 1, 1 << 16);
        String activation = p.getChoice("activation", "relu", Activations.NAMES);
        float dropout = (float) p.getDouble("dropout", 0, 0, 0.95);
        boolean batchNorm = p.getBoolean("batchNorm", false);
        SequentialBlock net = new SequentialBlock().add(Blocks.batchFlattenBlock());
        for (int i = 0; i < layers; i++) {
            net.add(Linear.builder().setUnits(units).build());
            if (batchNorm) {
                net.add(BatchNorm.builder().build());
            }
            net.add(Activations.create(activation));
            if (dropout > 0) {
                net.add(Dropout.builder().optRate(dropout).build());
            }
        }
        return net.add(Linear.builder().setUnits(outputs).build());
    }
}
