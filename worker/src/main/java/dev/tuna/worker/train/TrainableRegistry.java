package dev.tuna.worker.train;

import dev.tuna.core.Distribution;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** Trainables by name: the built-in {@code mlp} and {@code cnn}, those found by ServiceLoader, and registered ones. */
public final class TrainableRegistry {
    private static volatile TrainableRegistry defaults;

    private final Map<String, TrainableFactory> factories = new ConcurrentHashMap<>();

    /**
     * The shared registry: built-ins plus every {@link TrainableFactory} the class path declares, read on first use.
     *
     * @throws IllegalStateException if a declared factory cannot be loaded, naming it
     */
    public static TrainableRegistry defaults() {
        TrainableRegistry registry = defaults;
        if (registry == null) {
            synchronized (TrainableRegistry.class) {
                if (defaults == null) {
                    defaults = withServiceLoader(Thread.currentThread().getContextClassLoader());
                }
                registry = defaults;
            }
        }
        return registry;
    }

    /**
     * A registry with the built-ins and the factories {@code loader} declares as services. A declared factory may
     * not take a built-in's name: a spec naming {@code mlp} would silently train another model.
     *
     * @throws IllegalStateException if a declared factory cannot be loaded or takes a built-in's name
     */
    public static TrainableRegistry withServiceLoader(ClassLoader loader) {
        TrainableRegistry registry = new TrainableRegistry();
        registry.register(MlpTrainable.FACTORY);
        registry.register(CnnTrainable.FACTORY);
        try {
            for (TrainableFactory factory : ServiceLoader.load(TrainableFactory.class, loader)) {
                if (registry.factories.containsKey(factory.name())) {
                    throw new IllegalStateException("META-INF/services/" + TrainableFactory.class.getName() + ": "
                            + factory.getClass().getName() + " takes the name '" + factory.name() + "' of a built-in"
                            + " trainable; give it a name of its own");
                }
                registry.register(factory);
            }
        } catch (java.util.ServiceConfigurationError e) {
            throw new IllegalStateException("a trainable listed in META-INF/services cannot be loaded: " + e.getMessage(), e);
        }
        return registry;
    }

    /** Registers (or replaces) a factory under its name. */
    public void register(TrainableFactory factory) {
        String name = factory.name();
        if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("trainable name: must be letters, digits, '.', '-' or '_', got '" + name + "'");
        }
        factories.put(name, factory);
    }

    /** The registered names. */
    public java.util.Set<String> names() {
        return new TreeSet<>(factories.keySet());
    }

    /** Makes the trainable {@code name} with its fixed settings and search space. */
    public Trainable create(String name, Map<String, Object> fixed, Map<String, Distribution> space) {
        TrainableFactory factory = factories.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("trainable: unknown type '" + name + "' (known: " + names() + ")");
        }
        return factory.create(fixed == null ? Map.of() : fixed, space == null ? Map.of() : space);
    }
}
