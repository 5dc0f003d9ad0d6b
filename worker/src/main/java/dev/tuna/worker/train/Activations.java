package dev.tuna.worker.train;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import java.util.List;

/** Activation blocks by name: {@code relu}, {@code tanh}, {@code sigmoid}, {@code gelu}, {@code leaky_relu}. */
public final class Activations {
    /** The accepted names. */
    public static final List<String> NAMES = List.of("relu", "tanh", "sigmoid", "gelu", "leaky_relu");

    private Activations() {
    }

    public static Block create(String name) {
        return switch (name) {
            case "relu" -> Activation.reluBlock();
            case "tanh" -> Activation.tanhBlock();
            case "sigmoid" -> Activation.sigmoidBlock();
            case "gelu" -> Activation.geluBlock();
            case "leaky_relu" -> Activation.leakyReluBlock(0.01f);
            default -> throw new IllegalArgumentException("activation: unknown '" + name + "' (known: " + NAMES + ")");
        };
    }
}
