package dev.tuna.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs only where PyTorch sees a GPU (a CUDA build, `mvn -Pcuda`, on a GPU machine); skipped elsewhere. */
class GpuTrainingTest {
    @Test
    void mlpTrainsOnTheFirstGpu() {
        int gpus = Engines.pytorch().getGpuCount();
        assumeTrue(gpus > 0, "no GPU visible to PyTorch (CPU native library, or no CUDA device): GPU training not tested");

        Study study = Study.builder("gpu").direction(Direction.MAXIMIZE).create();
        Trainable mlp = TrainableRegistry.defaults().create("mlp", Map.of("dataset", "mnist?samples=2000", "epochs", 2, "lr", 0.003), Map.of());
        FrozenTrial t = study.runTrial(mlp.asObjective(Device.gpu(0)));

        assertThat(t.state()).as(String.valueOf(t.reason())).isEqualTo(TrialState.COMPLETE);
        assertThat(t.value()).isGreaterThan(0.8);
    }
}
