package dev.tuna.worker.train;

import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.initializer.XavierInitializer;
import java.util.List;

/** Weight initialisers by name: {@code xavier} (Glorot uniform), {@code he} (Kaiming normal), {@code normal} (sigma 0.01), {@code uniform} ([-0.07, 0.07]). */
public final class Initializers {
    /** The accepted names. */
    public static final List<String> NAMES = List.of("xavier", "he", "normal", "uniform");

    private Initializers() {
    }

    public static Initializer create(String name) {
        return switch (name) {
            case "xavier" -> new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3f);
            case "he" -> new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2f);
            case "normal" -> new NormalInitializer(0.01f);
            case "uniform" -> new UniformInitializer(0.07f);
            default -> throw new IllegalArgumentException("initializer: unknown '" + name + "' (known: " + NAMES + ")");
        };
    }
}
