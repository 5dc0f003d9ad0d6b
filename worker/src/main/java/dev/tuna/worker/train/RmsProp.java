package dev.tuna.worker.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RMSprop as PyTorch's default {@code RMSprop(alpha=0.99, eps=1e-8)}: {@code s = rho s + (1 - rho) g^2},
 * {@code w -= lr g / (sqrt(s) + eps)}. DJL's own {@code RmsProp} is not implemented by its PyTorch engine, so
 * the running average is kept here and the step is a plain SGD step on the scaled gradient.
 */
public final class RmsProp extends SgdStepOptimizer {
    private static final float RHO = 0.99f;
    private static final float EPSILON = 1e-8f;

    private final Map<String, Map<Device, NDArray>> averages = new ConcurrentHashMap<>();

    public RmsProp(Tracker lr, float weightDecay) {
        super(lr, weightDecay);
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        NDArray s = withDefaultState(averages, parameterId, weight.getDevice(), k -> weight.zerosLike());
        try (NDManager scratch = weight.getManager().newSubManager()) {
            NDArray squared = grad.square();
            squared.attach(scratch);
            s.muli(RHO).addi(squared.muli(1 - RHO));
            NDArray denominator = s.sqrt();
            denominator.attach(scratch);
            NDArray scaled = grad.div(denominator.addi(EPSILON));
            scaled.attach(scratch);
            step.update(parameterId, weight, scaled);
        }
    }
}
