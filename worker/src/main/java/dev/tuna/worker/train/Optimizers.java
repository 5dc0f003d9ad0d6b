package dev.tuna.worker.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.optimizer.Sgd;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds optimisers by name: {@code sgd}, {@code momentum} (SGD with momentum), {@code nesterov}, {@code adam},
 * {@code adamw}, {@code rmsprop}. DJL's SGD, Adam and AdamW are used with their state kept in the model's
 * manager (see {@link OptimizerStates}); Nesterov and RMSprop are ours ({@link NesterovSgd}, {@link RmsProp})
 * because DJL's PyTorch engine does not implement them.
 */
public final class Optimizers {
    /** The accepted names. */
    public static final List<String> NAMES = List.of("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop");

    private Optimizers() {
    }

    /**
     * @param momentum used by {@code momentum} and {@code nesterov}
     * @param weightDecay L2 penalty (decoupled for {@code adamw})
     */
    public static Optimizer create(String name, Tracker lr, float momentum, float weightDecay) {
        return switch (name) {
            case "sgd" -> new ReleasedSgd(Optimizer.sgd().setLearningRateTracker(lr).optWeightDecays(weightDecay));
            case "momentum" -> new ReleasedSgd(Optimizer.sgd().setLearningRateTracker(lr).optMomentum(momentum).optWeightDecays(weightDecay));
            case "nesterov" -> new NesterovSgd(lr, momentum, weightDecay);
            case "adam" -> new ReleasedAdam(Optimizer.adam().optLearningRateTracker(lr).optWeightDecays(weightDecay));
            case "adamw" -> new ReleasedAdamW(Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays(weightDecay));
            case "rmsprop" -> new RmsProp(lr, weightDecay);
            default -> throw new IllegalArgumentException("optimizer: unknown '" + name + "' (known: " + NAMES + ")");
        };
    }

    private static final class ReleasedSgd extends Sgd {
        ReleasedSgd(Sgd.Builder builder) {
            super(builder);
        }

        @Override
        protected NDArray withDefaultState(Map<String, Map<Device, NDArray>> state, String key, Device device, Function<String, NDArray> initial) {
            return OptimizerStates.get(state, key, device, initial);
        }
    }

    private static final class ReleasedAdam extends Adam {
        ReleasedAdam(Adam.Builder builder) {
            super(builder);
        }

        @Override
        protected NDArray withDefaultState(Map<String, Map<Device, NDArray>> state, String key, Device device, Function<String, NDArray> initial) {
            return OptimizerStates.get(state, key, device, initial);
        }
    }

    private static final class ReleasedAdamW extends AdamW {
        ReleasedAdamW(AdamW.Builder builder) {
            super(builder);
        }

        @Override
        protected NDArray withDefaultState(Map<String, Map<Device, NDArray>> state, String key, Device device, Function<String, NDArray> initial) {
            return OptimizerStates.get(state, key, device, initial);
        }
    }
}
