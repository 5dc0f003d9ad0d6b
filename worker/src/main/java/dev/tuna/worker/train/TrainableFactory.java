package dev.tuna.worker.train;

import dev.tuna.core.Distribution;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Makes a named {@link Trainable} from a study's configuration. Register one explicitly with
 * {@link TrainableRegistry#register(TrainableFactory)}, or list its class in
 * {@code META-INF/services/dev.tuna.worker.train.TrainableFactory} so that {@link TrainableRegistry#defaults()}
 * finds it with {@link java.util.ServiceLoader}.
 */
public interface TrainableFactory {
    /** The name a study spec uses ({@code "mlp"}, {@code "my-resnet"}). */
    String name();

    /**
     * @param fixed fixed hyperparameters and settings ({@code dataset}, {@code epochs}, {@code batchSize}, ...)
     * @param space hyperparameters to suggest on each trial; their suggested values win over fixed ones
     */
    Trainable create(Map<String, Object> fixed, Map<String, Distribution> space);

    /** A factory of this name that makes its trainables with {@code create} (given fixed, then space). */
    static TrainableFactory of(String name, BiFunction<Map<String, Object>, Map<String, Distribution>, Trainable> create) {
        return new TrainableFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Trainable create(Map<String, Object> fixed, Map<String, Distribution> space) {
                return create.apply(fixed, space);
            }
        };
    }
}
