package dev.tuna.worker.train;

import ai.djl.training.tracker.Tracker;
import java.util.List;

/**
 * Learning-rate schedules over optimiser updates (batches): {@code none} (constant), {@code step} (multiply by
 * {@code gamma} every {@code stepEpochs} epochs), {@code cosine} (cosine decay to 0 over the run),
 * {@code warmup} (linear warm-up from 0 over {@code warmupEpochs}, then cosine decay).
 */
public final class LearningRateSchedules {
    /** The accepted names. */
    public static final List<String> NAMES = List.of("none", "step", "cosine", "warmup");

    private LearningRateSchedules() {
    }

    /**
     * A tracker for {@code epochs} epochs of {@code batchesPerEpoch} updates each, asked for the rate of update
     * 1, 2, ... as DJL's optimisers count them (from 1, not 0). The first update gets the schedule's rate at 0:
     * for {@code warmup} that is 0, as in the common linear warm-up (Hugging Face's), and the last update of a
     * cosine decay gets a small rate above 0.
     */
    public static Tracker create(String name, float lr, int epochs, int batchesPerEpoch, int stepEpochs, float gamma, int warmupEpochs) {
        Tracker fromZero = fromZero(name, lr, epochs, batchesPerEpoch, stepEpochs, gamma, warmupEpochs);
        return update -> fromZero.getNewValue(Math.max(0, update - 1));
    }

    /** The schedule over updates counted from 0. */
    private static Tracker fromZero(String name, float lr, int epochs, int batchesPerEpoch, int stepEpochs, float gamma,
                                    int warmupEpochs) {
        int total = Math.max(1, epochs * batchesPerEpoch);
        return switch (name) {
            case "none" -> Tracker.fixed(lr);
            case "step" -> {
                // DJL's MultiFactorTracker rejects evenly spaced steps, so the staircase is written out here
                int every = Math.max(1, stepEpochs) * batchesPerEpoch;
                yield update -> lr * (float) Math.pow(gamma, update / every);
            }
            case "cosine" -> Tracker.cosine().setBaseValue(lr).optFinalValue(0f).setMaxUpdates(total).build();
            case "warmup" -> {
                int warm = Math.min(total - 1, Math.max(1, warmupEpochs * batchesPerEpoch));
                Tracker main = Tracker.cosine().setBaseValue(lr).optFinalValue(0f).setMaxUpdates(Math.max(1, total - warm)).build();
                yield Tracker.warmUp().setMainTracker(main).optWarmUpSteps(warm).optWarmUpBeginValue(0f).build();
            }
            default -> throw new IllegalArgumentException("schedule: unknown '" + name + "' (known: " + NAMES + ")");
        };
    }
}
