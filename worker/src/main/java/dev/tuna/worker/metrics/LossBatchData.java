package dev.tuna.worker.metrics;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import java.util.Map;

/** A training batch's data together with the loss the training step computed, so listeners need not recompute it. */
public class LossBatchData extends TrainingListener.BatchData {
    private final NDArray loss;

    public LossBatchData(Batch batch, Map<Device, NDList> labels, Map<Device, NDList> predictions, NDArray loss) {
        super(batch, labels, predictions);
        this.loss = loss;
    }

    /** The batch's scalar loss, still attached to the batch. */
    public NDArray loss() {
        return loss;
    }
}
