package dev.tuna.worker.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.SequenceSampler;
import dev.tuna.worker.data.LabeledData;

/** Turns Java-array datasets into DJL {@link ArrayDataset}s held by a given manager. */
public final class DjlDatasets {
    private DjlDatasets() {
    }

    /**
     * The samples as an ArrayDataset of features {@code (n, sampleShape...)} and labels {@code (n)}.
     *
     * @param shuffleSeed a seed for a new order every epoch, or {@code null} to keep the order (validation)
     */
    public static ArrayDataset of(LabeledData data, NDManager manager, int batchSize, Long shuffleSeed) {
        long[] shape = new long[data.sampleShape().length + 1];
        shape[0] = data.size();
        System.arraycopy(data.sampleShape(), 0, shape, 1, shape.length - 1);
        return new ArrayDataset.Builder()
                .setData(manager.create(data.features(), new Shape(shape)))
                .optLabels(manager.create(data.labels()))
                .setSampling(new BatchSampler(shuffleSeed == null ? new SequenceSampler() : new SeededShuffle(shuffleSeed), batchSize, false))
                .build();
    }
}
