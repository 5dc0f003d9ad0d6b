package dev.tuna.web.cli;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import dev.tuna.search.TrialCallback;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/**
 * A console progress bar for {@link Study#optimize}: trials finished of the total, the best value so far and the
 * time left. Register it with {@code OptimizeOptions.optCallback} and close it when the run ends.
 */
final class TrialProgress implements TrialCallback, AutoCloseable {
    private final ProgressBar bar;
    private Double best;

    /**
     * @param study  the study that runs
     * @param total  the number of finished trials the run goes up to
     * @param done   how many of those were finished before this run (a resumed study)
     * @param err    where the bar is drawn
     */
    TrialProgress(Study study, int total, int done, PrintWriter err) {
        this.best = study.findBestTrial().map(FrozenTrial::value).orElse(null);
        this.bar = ProgressBar.builder()
                .setTaskName(study.name())
                .setInitialMax(total)
                .startsFrom(done, Duration.ZERO)
                .setUnit(" trials", 1)
                .setUpdateIntervalMillis(100)
                .continuousUpdate() // the clock moves while a long trial runs, not only when one finishes
                .setStyle(ProgressLine.style())
                .setConsumer(new ProgressLine(err))
                .build();
        bar.setExtraMessage(message());
    }

    @Override
    public synchronized void onTrialFinished(Study study, FrozenTrial trial) {
        if (trial.state() == TrialState.COMPLETE && (best == null || study.direction().isBetter(trial.value(), best))) {
            best = trial.value();
        }
        bar.setExtraMessage(message());
        if (!trial.wasInterrupted()) {
            bar.step(); // an interrupted trial (Ctrl-C, a stop) is not counted, and runs again
        }
    }

    /** The trials the bar counts as done. */
    long counted() {
        return bar.getCurrent();
    }

    private String message() {
        return best == null ? "" : String.format(Locale.ROOT, "best %.6g", best);
    }

    /** Draws the bar a last time and ends its line. */
    @Override
    public synchronized void close() {
        bar.close();
    }
}
