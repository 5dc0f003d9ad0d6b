package dev.tuna.worker.train;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import dev.tuna.worker.data.DataSplit;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Visits a dataset in a new seeded random order on each pass: pass {@code k} uses the permutation of
 * {@code seed + k}, so the data order of a run depends on its seed only (DJL's own random sampler uses a shared
 * generator).
 */
public final class SeededShuffle implements Sampler.SubSampler {
    private final long seed;
    private long pass;

    public SeededShuffle(long seed) {
        this.seed = seed;
    }

    @Override
    public synchronized Iterator<Long> sample(RandomAccessDataset dataset) {
        int[] order = DataSplit.permutation(Math.toIntExact(dataset.size()), seed * 1_000_003L + pass++);
        return Arrays.stream(order).mapToObj(i -> (long) i).iterator();
    }
}
