package dev.tuna.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.SequenceSampler;

/** Wraps arrays already on a device as DJL {@link ArrayDataset}s with Tuna's batching. */
public final class DjlDatasets {
    private DjlDatasets() {
    }

    /**
     * An ArrayDataset over features {@code (n, ...)} and labels {@code (n)}; batches are sliced into the
     * trainer's own managers, the arrays themselves are only read.
     *
     * @param shuffleSeed a seed for a new order every epoch, or {@code null} to keep the order (validation)
     */
    public static ArrayDataset of(NDArray features, NDArray labels, int batchSize, Long shuffleSeed) {
        return of(features, labels, batchSize, shuffleSeed, false);
    }

    /** As {@link #of(NDArray, NDArray, int, Long)}; with {@code dropLast}, a last batch smaller than the others is left out. */
    public static ArrayDataset of(NDArray features, NDArray labels, int batchSize, Long shuffleSeed, boolean dropLast) {
        return new ArrayDataset.Builder()
                .setData(features)
                .optLabels(labels)
                .setSampling(new BatchSampler(shuffleSeed == null ? new SequenceSampler() : new SeededShuffle(shuffleSeed), batchSize, dropLast))
                .build();
    }
}
