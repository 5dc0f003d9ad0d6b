package dev.tuna.worker.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceObjectiveTest {

    @Test
    void withoutADispatcherTheObjectiveRunsOnTheCpu() {
        Study study = Study.builder("plain").create();
        List<Device> seen = new ArrayList<>();
        DeviceObjective objective = (trial, device) -> {
            seen.add(device);
            return trial.suggestFloat("x", 0, 1);
        };
        study.optimize(objective, 2);
        assertThat(seen).containsExactly(Device.CPU, Device.CPU);
        // ... and the trials say so, as those a dispatcher ran do (tuna run's trials showed no device).
        assertThat(study.trials()).allSatisfy(t -> assertThat(t.systemAttrs()).containsEntry(Device.ATTR_DEVICE, "cpu"));
    }

    @Test
    void theDeviceIsReadFromTheTrialsAttribute() {
        Study study = Study.builder("attr").create();
        var trial = study.ask();
        study.storage().setSystemAttr("attr", trial.number(), Device.ATTR_DEVICE, "gpu:1");
        assertThat(DeviceObjective.deviceOf(trial.snapshot())).isEqualTo(Device.gpu(1));
    }
}
