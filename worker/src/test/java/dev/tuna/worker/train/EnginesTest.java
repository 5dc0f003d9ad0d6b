package dev.tuna.worker.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.device.GpuProbe;
import org.junit.jupiter.api.Test;

class EnginesTest {
    @Test
    void pytorchLoadsOfflineFromTheNativeJarAndComputes() {
        Engine engine = Engines.pytorch();

        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
        assertThat(engine.getEngineName()).isEqualTo("PyTorch");
        assertThat(engine.getVersion()).startsWith("2.7.1");
        try (NDManager manager = engine.newBaseManager(Device.cpu())) {
            NDArray a = manager.create(new float[] {1, 2, 3});
            assertThat(a.mul(2).sum().getFloat()).isEqualTo(12f);
        }
    }

    @Test
    void theInstalledGpuProbeAsksDjlsEngine() {
        GpuProbe probe = GpuProbe.installed();

        assertThat(probe).isInstanceOf(DjlGpuProbe.class);
        assertThat(probe.gpuCount()).isEqualTo(Engines.pytorch().getGpuCount());
        assertThat(Devices.discover(2).toString()).contains("cpu");
    }
}
