package dev.tuna.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DevicesTest {

    @Test
    void discoveryGivesEachGpuOneSlotAndTheCpuTheSlotsAskedFor() {
        Devices devices = Devices.discover(3, GpuProbe.fixed(2));
        assertThat(devices.devices()).containsExactly(Device.gpu(0), Device.gpu(1), Device.CPU);
        assertThat(devices.slots(Device.gpu(0))).isEqualTo(1);
        assertThat(devices.slots(Device.CPU)).isEqualTo(3);
        assertThat(devices.totalSlots()).isEqualTo(5);
        assertThat(devices.gpuCount()).isEqualTo(2);
        assertThat(devices).hasToString("gpu:0 x1, gpu:1 x1, cpu x3");
    }

    @Test
    void aMachineWithoutGpusHasTheCpuAloneAndZeroCpuSlotsLeavesOnlyGpus() {
        assertThat(Devices.discover(2, GpuProbe.NONE).devices()).containsExactly(Device.CPU);
        assertThat(Devices.discover(0, 1).devices()).containsExactly(Device.gpu(0));
    }

    @Test
    void customSlotsAreOrderedGpusFirst() {
        Devices devices = Devices.of(Map.of(Device.CPU, 1, Device.gpu(1), 2, Device.gpu(0), 2));
        assertThat(devices.devices()).containsExactly(Device.gpu(0), Device.gpu(1), Device.CPU);
        assertThat(devices).isEqualTo(Devices.of(Map.of(Device.gpu(0), 2, Device.gpu(1), 2, Device.CPU, 1)));
    }

    @Test
    void badInputIsRejectedWithTheFieldNamed() {
        assertThatThrownBy(() -> Devices.discover(-1, 0)).hasMessage("cpuSlots must not be negative, got -1");
        assertThatThrownBy(() -> Devices.discover(1, -2)).hasMessage("gpuCount must not be negative, got -2");
        assertThatThrownBy(() -> Devices.discover(0, 0)).hasMessage("devices: at least one slot is needed, got none");
        assertThatThrownBy(() -> Devices.of(Map.of(Device.CPU, -3))).hasMessage("slots of cpu must not be negative, got -3");
    }

    @Test
    void deviceIdsAreCpuOrGpuIndexAndMapToDjlNames() {
        assertThat(Device.of("gpu:3").isGpu()).isTrue();
        assertThat(Device.of("gpu:3").gpuIndex()).isEqualTo(3);
        assertThat(Device.of("gpu:3").djlName()).isEqualTo("gpu3");
        assertThat(Device.CPU.djlName()).isEqualTo("cpu");
        assertThat(Device.CPU.gpuIndex()).isEqualTo(-1);
        assertThat(Device.gpu(0)).isEqualTo(Device.of("gpu:0"));
        assertThatThrownBy(() -> Device.of("gpu0")).hasMessage("device: expected 'cpu' or 'gpu:N', got 'gpu0'");
        assertThatThrownBy(() -> Device.of("tpu:1")).hasMessageContaining("'tpu:1'");
        assertThatThrownBy(() -> Device.gpu(-1)).hasMessage("gpu index must not be negative, got -1");
    }
}
