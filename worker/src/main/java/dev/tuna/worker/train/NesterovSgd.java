package dev.tuna.worker.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SGD with Nesterov momentum, as PyTorch's {@code SGD(nesterov=True)}: {@code v = mu v + g},
 * {@code w -= lr (g + mu v)}. DJL's own {@code Nag} optimiser is not implemented by its PyTorch engine, so the
 * velocity is kept here and the step is a plain SGD step on {@code g + mu v} (weight decay is added by that step).
 */
public final class NesterovSgd extends SgdStepOptimizer {
    private final float momentum;
    private final Map<String, Map<Device, NDArray>> velocities = new ConcurrentHashMap<>();

    public NesterovSgd(Tracker lr, float momentum, float weightDecay) {
        super(lr, weightDecay);
        this.momentum = momentum;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        NDArray v = withDefaultState(velocities, parameterId, weight.getDevice(), k -> weight.zerosLike());
        v.muli(momentum).addi(grad);
        // temporaries would otherwise live as long as the parameter's manager
        try (NDManager scratch = weight.getManager().newSubManager()) {
            NDArray scaled = v.mul(momentum);
            scaled.attach(scratch);
            NDArray lookahead = grad.add(scaled);
            lookahead.attach(scratch);
            step.update(parameterId, weight, lookahead);
        }
    }
}
