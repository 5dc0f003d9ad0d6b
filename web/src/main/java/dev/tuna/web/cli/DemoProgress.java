package dev.tuna.web.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/**
 * The console line of a study that runs on the server: trials finished of the total and the best value so far,
 * updated from what storage says (the server runs the trials, so there is no callback to hook).
 */
final class DemoProgress implements AutoCloseable {
    private final ProgressBar bar;
    private final int total;

    /**
     * A line for {@code total} trials of which {@code done} were finished before this run. A study with more finished
     * trials than {@code total} (nothing to run) shows a full bar, not 200%.
     */
    DemoProgress(String task, int total, int done, PrintWriter err) {
        this.total = total;
        this.bar = ProgressBar.builder()
                .setTaskName(task)
                .setInitialMax(total)
                .startsFrom(Math.min(done, total), Duration.ZERO)
                .continuousUpdate() // the clock moves while a long trial runs
                .setUnit(" trials", 1)
                .setUpdateIntervalMillis(250)
                .setStyle(ProgressLine.style())
                .setConsumer(new ProgressLine(err))
                .build();
    }

    /** Shows {@code done} finished trials and the best value so far (null: none completed yet). */
    void update(int done, Double best) {
        bar.setExtraMessage(best == null ? "" : String.format(Locale.ROOT, "best %.4f", best));
        bar.stepTo(Math.min(done, total));
    }

    @Override
    public void close() {
        bar.close();
    }
}
