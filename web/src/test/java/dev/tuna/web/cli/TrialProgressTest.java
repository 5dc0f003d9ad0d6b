package dev.tuna.web.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TrialProgressTest {

    @Test
    void anInterruptedTrialIsNotCounted() {
        // Ctrl-C ends the running trial as interrupted: it runs again, and the bar said one more was done.
        Study study = Study.builder("bar").create();
        try (TrialProgress progress = new TrialProgress(study, 5, 0, new PrintWriter(new StringWriter()))) {
            int done = study.storage().startTrial("bar").number();
            progress.onTrialFinished(study, study.storage().finishTrial("bar", done, TrialState.COMPLETE, 1.0, null));
            int cut = study.storage().startTrial("bar").number();
            progress.onTrialFinished(study, study.storage().finishTrial("bar", cut, TrialState.FAIL, null,
                    FrozenTrial.REASON_INTERRUPTED));
            assertThat(progress.counted()).isEqualTo(1);
        }
    }
}
