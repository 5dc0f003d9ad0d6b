package dev.tuna.worker.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the format of MNIST and Fashion-MNIST: {@code train-images-idx3-ubyte[.gz]} and
 * {@code train-labels-idx1-ubyte[.gz]}), gzipped or not (detected from the first bytes).
 *
 * <p>Images of unsigned bytes are scaled to {@code [0, 1]}; other element types (byte, short, int, float,
 * double) are read as they are.
 */
public final class IdxReader {
    private IdxReader() {
    }

    /** One IDX tensor: its dimensions and its values. */
    public record IdxArray(int[] dims, float[] values, int type) {
    }

    /** Reads an image file and a label file into a classification dataset with {@code numClasses} classes. */
    public static LabeledData read(Path images, Path labels, int numClasses) {
        for (Path file : List.of(images, labels)) {
            DatasetRegistry.fileProblem(file).ifPresent(problem -> {
                throw new IllegalArgumentException("idx " + file + ": " + problem);
            });
        }
        try (InputStream i = Files.newInputStream(images); InputStream l = Files.newInputStream(labels)) {
            return read(i, l, numClasses, images + " / " + labels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX files " + images + ", " + labels + ": " + e, e);
        }
    }

    /** Reads an image stream and a label stream; {@code source} names them in error messages. */
    public static LabeledData read(InputStream images, InputStream labels, int numClasses, String source) throws IOException {
        IdxArray x = readArray(images);
        IdxArray y = readArray(labels);
        if (y.dims().length != 1) {
            throw new IllegalArgumentException(source + ": labels must be one-dimensional, got dims " + Arrays.toString(y.dims()));
        }
        if (x.dims()[0] != y.dims()[0]) {
            throw new IllegalArgumentException(source + ": " + x.dims()[0] + " images but " + y.dims()[0] + " labels");
        }
        if (x.type() == 0x08) {
            for (int i = 0; i < x.values().length; i++) {
                x.values()[i] /= 255f;
            }
        }
        long[] shape = new long[Math.max(1, x.dims().length - 1)];
        if (x.dims().length == 1) {
            shape[0] = 1;
        }
        for (int d = 1; d < x.dims().length; d++) {
            shape[d - 1] = x.dims()[d];
        }
        return new LabeledData(x.values(), shape, y.values(), numClasses);
    }

    /** Reads one IDX tensor (gzipped or not). */
    public static IdxArray readArray(InputStream raw) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16) : buffered;
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        if ((magic >>> 16) != 0) {
            throw new IllegalArgumentException("not an IDX file: magic number 0x" + Integer.toHexString(magic) + " (expected 0x000008xx..0x00000Exx)");
        }
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if (rank < 1) {
            throw new IllegalArgumentException("IDX file: rank must be at least 1, got " + rank);
        }
        int[] dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = data.readInt();
            if (dims[i] < 0) {
                throw new IllegalArgumentException("IDX file: negative dimension " + dims[i]);
            }
            count *= dims[i];
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("IDX file: " + count + " values is more than a Java array holds");
        }
        float[] values = new float[(int) count];
        try {
            switch (type) {
                case 0x08 -> {
                    byte[] bytes = new byte[values.length];
                    data.readFully(bytes);
                    for (int i = 0; i < bytes.length; i++) {
                        values[i] = bytes[i] & 0xff;
                    }
                }
                case 0x09 -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = data.readByte();
                    }
                }
                case 0x0B -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = data.readShort();
                    }
                }
                case 0x0C -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = data.readInt();
                    }
                }
                case 0x0D -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = data.readFloat();
                    }
                }
                case 0x0E -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) data.readDouble();
                    }
                }
                default -> throw new IllegalArgumentException("IDX file: unknown element type 0x" + Integer.toHexString(type));
            }
        } catch (EOFException e) {
            throw new IllegalArgumentException("IDX file: truncated, header promises " + count + " values of dims " + Arrays.toString(dims), e);
        }
        return new IdxArray(dims, values, type);
    }
}
