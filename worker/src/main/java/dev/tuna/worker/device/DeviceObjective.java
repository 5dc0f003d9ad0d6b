package dev.tuna.worker.device;

import dev.tuna.core.FrozenTrial;
import dev.tuna.search.Objective;
import dev.tuna.search.Trial;

/**
 * An objective that is told the device its trial runs on (DJL training puts its model and data there). Pass it
 * to {@code study.optimize} like any objective; the worker's dispatcher calls {@link #evaluate(Trial, Device)}
 * with the device of the trial's slot.
 *
 * <pre>{@code
 * DeviceObjective objective = (trial, device) -> train(trial, ai.djl.Device.fromName(device.djlName()));
 * study.optimize(objective, OptimizeOptions.builder().optTrials(30).optExecutor(scheduler.on(devices)).build());
 * }</pre>
 */
@FunctionalInterface
public interface DeviceObjective extends Objective {

    /** Evaluates the trial on the given device. */
    double evaluate(Trial trial, Device device) throws Exception;

    /**
     * Evaluates without a dispatcher (e.g. with the default executor): on the device the trial's
     * {@value Device#ATTR_DEVICE} attribute names, else on the CPU, which the trial then records as its device.
     */
    @Override
    default double evaluate(Trial trial) throws Exception {
        FrozenTrial snapshot = trial.snapshot();
        Device device = deviceOf(snapshot);
        if (!snapshot.systemAttrs().containsKey(Device.ATTR_DEVICE)) {
            trial.study().storage().setSystemAttr(trial.study().name(), trial.number(), Device.ATTR_DEVICE, device.id());
        }
        return evaluate(trial, device);
    }

    /** The objective to run on a slot's device: a {@code DeviceObjective} is told that device; any other is returned as is. */
    static Objective on(Objective objective, Device device) {
        if (objective instanceof DeviceObjective deviceObjective) {
            return t -> deviceObjective.evaluate(t, device);
        }
        return objective;
    }

    /** The device a trial was given, or the CPU if it was given none. */
    static Device deviceOf(FrozenTrial trial) {
        Object id = trial.systemAttrs().get(Device.ATTR_DEVICE);
        return id == null ? Device.CPU : Device.of(id.toString());
    }
}
