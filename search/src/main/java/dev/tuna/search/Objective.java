package dev.tuna.search;

/**
 * The function a study optimises: it suggests hyperparameters on the trial, trains or evaluates with them, and
 * returns the value to minimise or maximise.
 *
 * <p>Returning completes the trial. Throwing {@link TrialPrunedException} prunes it; any other exception fails it
 * (its message and stack trace are kept on the trial). Returning NaN fails it too; an infinity completes it, as in
 * Optuna (a broken constraint returned as the worst value, which the samplers then learn to avoid).
 */
@FunctionalInterface
public interface Objective {
    double evaluate(Trial trial) throws Exception;
}
