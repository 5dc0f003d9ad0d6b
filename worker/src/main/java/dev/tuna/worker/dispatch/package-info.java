/**
 * Quartz dispatch of trials behind one facade, {@link dev.tuna.worker.dispatch.TrialScheduler}: a job per trial
 * on a device slot, per-trial timeout, cancellation, graceful shutdown, retry of infrastructure failures, and
 * studies re-run on a cron expression. Its executor plugs into {@code study.optimize} through
 * {@code OptimizeOptions.Builder.optExecutor}, so every trial still takes the study's one code path.
 */
package dev.tuna.worker.dispatch;
