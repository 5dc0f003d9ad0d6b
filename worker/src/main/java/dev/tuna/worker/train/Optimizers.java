package dev.tuna.worker.train;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;

/** Builds DJL optimisers by name: {@code sgd}, {@code momentum} (SGD with momentum), {@code nesterov}, {@code adam}, {@code adamw}, {@code rmsprop}. */
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
            case "sgd" -> Optimizer.sgd().setLearningRateTracker(lr).optWeightDecays(weightDecay).build();
            case "momentum" -> Optimizer.sgd().setLearningRateTracker(lr).optMomentum(momentum).optWeightDecays(weightDecay).build();
            case "nesterov" -> new NesterovSgd(lr, momentum, weightDecay);
            case "adam" -> Optimizer.adam().optLearningRateTracker(lr).optWeightDecays(weightDecay).build();
            case "adamw" -> Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays(weightDecay).build();
            case "rmsprop" -> new RmsProp(lr, weightDecay);
            default -> throw new IllegalArgumentException("optimizer: unknown '" + name + "' (known: " + NAMES + ")");
        };
    }
}
