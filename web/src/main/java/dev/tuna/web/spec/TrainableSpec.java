package dev.tuna.web.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a spec's trials run: {@code {"type": "mlp", "dataset": "mnist", "epochs": 10, "fixed": {"batchSize": 128}}}.
 *
 * @param type    a trainable an {@link ObjectiveFactory} knows
 * @param dataset the dataset it trains on, or null
 * @param epochs  how many epochs (steps) a trial runs at most, or null for the trainable's default
 * @param fixed   parameters that are not searched; the trainable checks them
 */
public record TrainableSpec(String type, String dataset, Integer epochs, ObjectNode fixed) {
}
