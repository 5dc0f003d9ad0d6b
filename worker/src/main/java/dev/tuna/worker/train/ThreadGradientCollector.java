package dev.tuna.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

/**
 * Records and back-propagates one training batch on the PyTorch engine, on the calling thread only.
 *
 * <p>DJL's own {@code PtGradientCollector} allows one collector in the whole JVM (a static flag: "A
 * PtGradientCollector is already collecting"), so two trials training at once on two device slots would fail.
 * PyTorch's grad mode is per thread and independent graphs back-propagate concurrently, so this collector only
 * switches the calling thread's grad mode on, and back on to what it was when closed.
 */
final class ThreadGradientCollector implements GradientCollector {
    private final boolean previous;

    ThreadGradientCollector() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    @Override
    public void backward(NDArray target) {
        if (!(target instanceof PtNDArray loss)) {
            throw new IllegalArgumentException("training needs the PyTorch engine, got an array of " + target.getManager().getEngine().getEngineName());
        }
        // d(loss)/d(loss) = 1, as DJL's collector does; the ones live and die with the batch
        JniUtils.backward(loss, (PtNDArray) loss.onesLike(), false, false);
    }

    /** Not needed: the optimisers' update clears each parameter's gradient. */
    @Override
    public void zeroGradients() {
        throw new UnsupportedOperationException("zeroGradients: the optimiser's update clears the gradients");
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
