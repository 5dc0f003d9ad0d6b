package dev.tuna.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

class LearningRateSchedulesTest {
    @Test
    void schedulesFollowTheirShapeOverTenEpochsOfTenBatches() {
        Tracker none = LearningRateSchedules.create("none", 0.1f, 10, 10, 3, 0.5f, 1);
        Tracker step = LearningRateSchedules.create("step", 0.1f, 10, 10, 3, 0.5f, 1);
        Tracker cosine = LearningRateSchedules.create("cosine", 0.1f, 10, 10, 3, 0.5f, 1);
        Tracker warmup = LearningRateSchedules.create("warmup", 0.1f, 10, 10, 3, 0.5f, 2);

        assertThat(none.getNewValue(99)).isEqualTo(0.1f);
        assertThat(step.getNewValue(29)).isCloseTo(0.1f, within(1e-6f));
        assertThat(step.getNewValue(31)).isCloseTo(0.05f, within(1e-6f));
        assertThat(step.getNewValue(95)).isCloseTo(0.0125f, within(1e-6f));
        assertThat(cosine.getNewValue(0)).isCloseTo(0.1f, within(1e-6f));
        assertThat(cosine.getNewValue(50)).isCloseTo(0.05f, within(1e-3f));
        assertThat(cosine.getNewValue(100)).isCloseTo(0f, within(1e-4f));
        assertThat(warmup.getNewValue(0)).isCloseTo(0f, within(1e-6f));
        assertThat(warmup.getNewValue(10)).isCloseTo(0.05f, within(1e-3f));
        assertThat(warmup.getNewValue(20)).isCloseTo(0.1f, within(1e-3f));
        assertThat(warmup.getNewValue(99)).isLessThan(0.01f);
        assertThatThrownBy(() -> LearningRateSchedules.create("cyclic", 0.1f, 1, 1, 1, 1, 1)).hasMessageContaining("schedule: unknown 'cyclic'");
    }
}
