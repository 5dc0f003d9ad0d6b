package dev.tuna.worker.device;

import java.util.List;
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

    /**
     * The probes registered with {@link ServiceLoader} (the context class loader's), as one: they look at the same
     * machine, so it answers the most GPUs any of them sees; {@link #NONE} if none is registered.
     */
    static GpuProbe installed() {
        List<GpuProbe> probes = ServiceLoader.load(GpuProbe.class).stream().map(ServiceLoader.Provider::get).toList();
        if (probes.isEmpty()) {
            return NONE;
        }
        return probes.size() == 1 ? probes.get(0) : () -> probes.stream().mapToInt(GpuProbe::gpuCount).max().orElse(0);
    }

    /** A probe that always answers {@code count} (a configured machine, or a test). */
    static GpuProbe fixed(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("gpu count must not be negative, got " + count);
        }
        return () -> count;
    }
}
