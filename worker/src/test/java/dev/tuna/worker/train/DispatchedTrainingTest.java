package dev.tuna.worker.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dispatcher runs DJL trainables on its device slots: one code path, two trials at a time on the CPU. */
class DispatchedTrainingTest {
    @Test
    void mlpTrialsRunOnTheSchedulersCpuSlots() {
        Trainable mlp = TrainableRegistry.defaults().create("mlp", Map.of("dataset", "moons?samples=300", "epochs", 2, "batchSize", 32),
                Map.of("units", new IntDistribution(4, 32, true, 1)));
        Study study = Study.builder("dispatched").direction(Direction.MAXIMIZE).create();

        try (TrialScheduler scheduler = TrialScheduler.builder(Devices.cpu(2)).build()) {
            study.optimize(mlp.asDeviceObjective(), OptimizeOptions.builder().optTrials(4).optParallelism(2)
                    .optExecutor(scheduler.executor()).build());
        }

        assertThat(study.trials()).hasSize(4).allSatisfy(t -> {
            assertThat(t.state()).as(String.valueOf(t.reason())).isEqualTo(TrialState.COMPLETE);
            assertThat(t.metric("val_accuracy")).containsOnlyKeys(1, 2);
        });
        assertThat(study.trials()).extracting(FrozenTrial::value).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
    }
}
