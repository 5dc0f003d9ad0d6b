package dev.tuna.worker.train;

import ai.djl.engine.Engine;

/**
 * The one place Tuna touches DJL's engine: it makes sure DJL runs offline (the PyTorch native library comes from
 * the {@code pytorch-native-*} jar on the class path, nothing is downloaded) before the engine first loads.
 */
public final class Engines {
    /** DJL's engine name for PyTorch. */
    public static final String PYTORCH = "PyTorch";

    private Engines() {
    }

    /**
     * The PyTorch engine, loaded offline. Sets {@code ai.djl.offline=true} unless the user set it already, so the
     * engine never reaches the network; loading fails with DJL's message if the native jar is missing.
     */
    public static Engine pytorch() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return Engine.getEngine(PYTORCH);
    }

    /** Seeds PyTorch's global generator (weights, dropout); data order is seeded separately by the trainables. */
    public static void seed(long seed) {
        pytorch().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }
}
