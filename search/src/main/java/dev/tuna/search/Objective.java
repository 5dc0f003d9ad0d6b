package dev.tuna.search;

/**
 * The function a study optimises: it suggests hyperparameters on the trial, trains or evaluates with them, and
 * returns the value to minimise or maximise.
 *
 * <p>Returning completes the trial. Throwing {@link TrialPrunedException} prunes it; any other exception fails it
 * (its message and stack trace are kept on the trial). Returning NaN or an infinity fails it too.
 */
@FunctionalInterface
public interface Objective {
    double evaluate(Trial trial) throws Exception;
}
