package dev.tuna.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuProbeTest {

    /** Stands for the DJL probe a training module registers. */
    public static final class TwoGpus implements GpuProbe {
        @Override
        public int gpuCount() {
            return 2;
        }
    }

    @Test
    void registeredProbesAreFoundAndDriveDiscovery(@TempDir Path dir) throws Exception {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(GpuProbe.class.getName()), TwoGpus.class.getName() + "\n");
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader withProbe = new URLClassLoader(new URL[] {dir.toUri().toURL()}, before)) {
            thread.setContextClassLoader(withProbe);
            // Beside the DJL probe the worker registers itself (0 GPUs here): the most any probe sees wins.
            assertThat(GpuProbe.installed().gpuCount()).isEqualTo(2);
            assertThat(Devices.discover(1).devices()).containsExactly(Device.gpu(0), Device.gpu(1), Device.CPU);
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void withoutARegisteredProbeThereAreNoGpus(@TempDir Path empty) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        // a loader that sees no services at all, whatever the test class path holds
        try (URLClassLoader bare = new URLClassLoader(new URL[] {empty.toUri().toURL()}, null)) {
            thread.setContextClassLoader(bare);
            assertThat(GpuProbe.installed()).isSameAs(GpuProbe.NONE);
        } finally {
            thread.setContextClassLoader(before);
        }
        assertThatThrownBy(() -> GpuProbe.fixed(-1)).hasMessage("gpu count must not be negative, got -1");
    }
}
