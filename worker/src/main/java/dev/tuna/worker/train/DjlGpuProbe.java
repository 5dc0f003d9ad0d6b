package dev.tuna.worker.train;

import dev.tuna.worker.device.GpuProbe;

/**
 * Counts GPUs through DJL's PyTorch engine (0 on the CPU build). Registered as the {@link GpuProbe} service, so
 * that {@code Devices.discover(cpuSlots)} sees the machine's GPUs.
 */
public final class DjlGpuProbe implements GpuProbe {
    @Override
    public int gpuCount() {
        return Engines.pytorch().getGpuCount();
    }
}
