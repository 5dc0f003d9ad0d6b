package dev.tuna.worker.train;

import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.tuna.core.Distribution;
import dev.tuna.worker.data.DatasetRegistry;
import dev.tuna.worker.data.Task;
import java.util.HashMap;
import java.util.Map;

/** A user's own DJL model, as a user would write it: a linear classifier on blobs, found through ServiceLoader. */
public class TinyLinearTrainable extends DjlTrainable {
    public TinyLinearTrainable(Map<String, Object> fixed, Map<String, Distribution> space) {
        super("tiny-linear", withDefaults(fixed), space, DatasetRegistry.defaults());
    }

    private static Map<String, Object> withDefaults(Map<String, Object> fixed) {
        Map<String, Object> all = new HashMap<>(Map.of("dataset", "blobs?samples=300&noise=0.5", "lr", 0.05));
        all.putAll(fixed);
        return all;
    }

    @Override
    protected Block buildBlock(Hyperparams params, long[] inputShape, int outputs, Task task) {
        return new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(outputs).build());
    }

    /** The service the test class path declares. */
    public static class Factory implements TrainableFactory {
        @Override
        public String name() {
            return "tiny-linear";
        }

        @Override
        public Trainable create(Map<String, Object> fixed, Map<String, Distribution> space) {
            return new TinyLinearTrainable(fixed, space);
        }
    }
}
