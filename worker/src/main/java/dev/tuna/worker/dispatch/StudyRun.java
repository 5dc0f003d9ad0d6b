package dev.tuna.worker.dispatch;

import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;

/**
 * What a scheduled study runs each time its cron expression fires: {@code study.optimize(objective, options)}.
 * Options without an executor of their own run on the scheduler's devices.
 */
public record StudyRun(Study study, Objective objective, OptimizeOptions options) {
    public StudyRun {
        if (study == null) {
            throw new IllegalArgumentException("study run: study must not be null");
        }
        if (objective == null) {
            throw new IllegalArgumentException("study run: objective must not be null");
        }
        if (options == null) {
            throw new IllegalArgumentException("study run: options must not be null");
        }
    }
}
