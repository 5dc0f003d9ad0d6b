package dev.tuna.worker.train;

import ai.djl.Device;
import dev.tuna.search.Trial;

/**
 * A training routine a study can run: it reads its hyperparameters from the live trial (suggesting them there),
 * trains on the given device, reports every epoch's curves with {@code trial.report} and checks
 * {@code trial.shouldPrune()} after each epoch but the last (pruning a finished training saves nothing), and returns
 * the objective metric's final value.
 *
 * <p>{@link #asDeviceObjective()} is what the dispatcher runs on a device slot; {@link #asObjective(Device)}
 * adapts it to {@code study.optimize} on one device. Implementations must release every native resource (model, trainer, NDManager) before
 * returning or throwing.
 */
@FunctionalInterface
public interface Trainable {

    /**
     * Trains with the trial's hyperparameters on {@code device}.
     *
     * @return the objective metric's value after the last epoch
     * @throws dev.tuna.search.TrialPrunedException when the pruner stops the trial
     * @throws TrainingDivergedException when the loss becomes NaN or infinite
     */
    double train(Trial trial, Device device) throws Exception;

    /**
     * Checks its settings before any trial runs, without a device (a DJL trainable loads its data if it is here), so
     * that a study with a bad setting is refused when it is submitted rather than failing every trial; by default
     * nothing is checked.
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    default void check() {
    }

    /**
     * This trainable as an objective for the worker's dispatcher: each trial trains on the device of its slot
     * ({@code cpu}, {@code gpu:N}); without a dispatcher, on the device its trial names, else the CPU. Unlike
     * {@link #asObjective}, it does not {@linkplain #check check} the settings (a server checks a spec when it is
     * submitted): call {@code check()} first in code.
     */
    default dev.tuna.worker.device.DeviceObjective asDeviceObjective() {
        return (trial, device) -> train(trial, Device.fromName(device.djlName()));
    }

    /**
     * This trainable as an objective that trains on one device, its settings {@linkplain #check checked} first: a
     * misspelt setting in code ({@code "epoch"}) failed every trial of the study, one after the other.
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    default dev.tuna.search.Objective asObjective(Device device) {
        check();
        return trial -> train(trial, device);
    }
}
