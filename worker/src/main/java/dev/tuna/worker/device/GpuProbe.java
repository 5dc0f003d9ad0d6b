package dev.tuna.worker.device;

/**
 * Counts the GPUs a trial can use. The DJL training code provides the real probe:
 * {@code GpuProbe djl = () -> ai.djl.engine.Engine.getInstance().getGpuCount();}
 * (the worker's dispatch code does not depend on DJL).
 */
@FunctionalInterface
public interface GpuProbe {
    /** A machine without GPUs. */
    GpuProbe NONE = () -> 0;

    /** How many GPUs there are. */
    int gpuCount();

    /** A probe that always answers {@code count} (a configured machine, or a test). */
    static GpuProbe fixed(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("gpu count must not be negative, got " + count);
        }
        return () -> count;
    }
}
