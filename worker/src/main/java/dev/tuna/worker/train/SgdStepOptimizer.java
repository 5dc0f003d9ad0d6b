package dev.tuna.worker.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.optimizer.Sgd;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import java.util.function.Function;

/**
 * What our optimisers that DJL's PyTorch engine lacks ({@link NesterovSgd}, {@link RmsProp}) share: they keep
 * their own per-parameter state, released with the model, and end each update with a plain SGD {@link #step}
 * (which adds the weight decay) on the gradient they transformed.
 */
abstract class SgdStepOptimizer extends Optimizer {
    /** The plain SGD step applied to the transformed gradient. */
    protected final Sgd step;

    SgdStepOptimizer(Tracker lr, float weightDecay) {
        super(new Builder());
        this.step = Optimizer.sgd().setLearningRateTracker(lr).optWeightDecays(weightDecay).build();
    }

    @Override
    protected NDArray withDefaultState(Map<String, Map<Device, NDArray>> state, String key, Device device, Function<String, NDArray> initial) {
        return OptimizerStates.get(state, key, device, initial); // released with the model, not detached
    }

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
