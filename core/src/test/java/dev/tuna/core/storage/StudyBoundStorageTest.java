package dev.tuna.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.core.TrialState;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudyBoundStorageTest {

    @Test
    void writesOfADeletedStudyDoNotReachTheNewStudyOfItsName() throws InterruptedException {
        InMemoryStorage shared = new InMemoryStorage();
        StudyInfo old = shared.createStudy("z2", Direction.MINIMIZE);
        shared.createStudy("other", Direction.MINIMIZE);
        StudyBoundStorage bound = new StudyBoundStorage(shared, "z2", old.created());
        int running = bound.startTrial("z2").number();
        bound.report("z2", running, 1, 9924.0, Map.of());
        assertThat(bound.current()).isTrue();

        shared.deleteStudy("z2");
        Thread.sleep(5); // a later creation time
        shared.createStudy("z2", Direction.MINIMIZE);
        int fresh = shared.startTrial("z2").number();
        assertThat(fresh).isEqualTo(running); // the same address: study name and trial number

        assertThat(bound.current()).isFalse();
        assertThatThrownBy(() -> bound.report("z2", running, 2, 9924.0, Map.of()))
                .isInstanceOf(StudyNotFoundException.class)
                .hasMessage("study 'z2' was deleted; the study of that name now is another one");
        assertThatThrownBy(() -> bound.finishTrial("z2", running, TrialState.COMPLETE, 9924.0, null))
                .isInstanceOf(StudyNotFoundException.class);
        assertThatThrownBy(() -> bound.startTrial("z2")).isInstanceOf(StudyNotFoundException.class);
        assertThat(shared.trial("z2", fresh).state()).isEqualTo(TrialState.RUNNING);
        assertThat(shared.trial("z2", fresh).intermediateValues()).isEmpty();

        // Other studies, and reads, pass through.
        int elsewhere = bound.startTrial("other").number();
        bound.finishTrial("other", elsewhere, TrialState.COMPLETE, 1.0, null);
        assertThat(bound.trials("z2")).hasSize(1);
        assertThat(shared.trial("other", elsewhere).value()).isEqualTo(1.0);
    }
}
