package dev.tuna.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearningRateSchedulesTest {
    @Test
    void everyOptimiserAsksForTheRateOfUpdateOneFirst() {
        // DJL counts updates from 1, so the schedules do too: with 0-based ones, a step's decay came one batch early
        // and a cosine run's last batch trained at a rate of 0.
        for (String name : Optimizers.NAMES) {
            List<Integer> asked = new ArrayList<>();
            Optimizer optimizer = Optimizers.create(name, n -> {
                asked.add(n);
                return 0.1f;
            }, 0.9f, 0f);
            try (NDManager manager = Engines.pytorch().newBaseManager(Device.cpu())) {
                NDArray weight = manager.create(new float[] {1, 2});
                for (int i = 0; i < 2; i++) {
                    optimizer.update("w", weight, manager.create(new float[] {0.5f, 0.5f}));
                }
            }
            assertThat(asked).as(name).containsExactly(1, 2);
        }
    }

    @Test
    void schedulesFollowTheirShapeOverTenEpochsOfTenBatches() {
        Tracker none = LearningRateSchedules.create("none", 0.1f, 10, 10, 3, 0.5f, 1);
        Tracker step = LearningRateSchedules.create("step", 0.1f, 10, 10, 3, 0.5f, 1);
        Tracker cosine = LearningRateSchedules.create("cosine", 0.1f, 10, 10, 3, 0.5f, 1);
        Tracker warmup = LearningRateSchedules.create("warmup", 0.1f, 10, 10, 3, 0.5f, 2);

        // Updates count from 1: update 30 is the last batch of epoch 3, update 100 the run's last.
        assertThat(none.getNewValue(100)).isEqualTo(0.1f);
        assertThat(step.getNewValue(30)).isCloseTo(0.1f, within(1e-6f));
        assertThat(step.getNewValue(31)).isCloseTo(0.05f, within(1e-6f));
        assertThat(step.getNewValue(95)).isCloseTo(0.0125f, within(1e-6f));
        assertThat(cosine.getNewValue(1)).isCloseTo(0.1f, within(1e-6f));
        assertThat(cosine.getNewValue(51)).isCloseTo(0.05f, within(1e-3f));
        assertThat(cosine.getNewValue(100)).isGreaterThan(0f).isCloseTo(0f, within(1e-4f));
        assertThat(warmup.getNewValue(1)).isCloseTo(0f, within(1e-6f));
        assertThat(warmup.getNewValue(11)).isCloseTo(0.05f, within(1e-3f));
        assertThat(warmup.getNewValue(21)).isCloseTo(0.1f, within(1e-3f));
        assertThat(warmup.getNewValue(100)).isGreaterThan(0f).isLessThan(0.01f);
        assertThatThrownBy(() -> LearningRateSchedules.create("cyclic", 0.1f, 1, 1, 1, 1, 1)).hasMessageContaining("schedule: unknown 'cyclic'");
    }
}
