package dev.tuna.worker.device;

import java.util.ServiceLoader;

/**
 * Counts the GPUs a trial can use. The DJL training code provides the real probe:
 * {@code GpuProbe djl = () -> ai.djl.engine.Engine.getInstance().getGpuCount();}
 * (the worker's dispatch code does not depend on DJL). Registered as a service
 * ({@code META-INF/services/dev.tuna.worker.device.GpuProbe}, a public class with a no-argument constructor), it
 * is the probe {@link #installed()} and {@link Devices#discover(int)} use.
 */
@FunctionalInterface
public interface GpuProbe {
    /** A machine without GPUs. */
    GpuProbe NONE = () -> 0;

    /** How many GPUs there are. */
    int gpuCount();

    /** The first probe registered with {@link ServiceLoader}, or {@link #NONE} if there is none. */
    static GpuProbe installed() {
        return ServiceLoader.load(GpuProbe.class).findFirst().orElse(NONE);
    }

    /** A probe that always answers {@code count} (a configured machine, or a test). */
    static GpuProbe fixed(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("gpu count must not be negative, got " + count);
        }
        return () -> count;
    }
}
