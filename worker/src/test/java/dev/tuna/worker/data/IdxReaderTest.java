package dev.tuna.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        byte[] images = idx(0x0803, new int[] {3, 2, 2}, new byte[] {0, (byte) 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, (byte) 200});
        byte[] labels = idx(0x0801, new int[] {3}, new byte[] {2, 0, 1});
        Files.write(dir.resolve("img"), images);
        Files.write(dir.resolve("lab"), labels);
        Files.write(dir.resolve("img.gz"), gzip(images));
        Files.write(dir.resolve("lab.gz"), gzip(labels));

        LabeledData plain = IdxReader.read(dir.resolve("img"), dir.resolve("lab"), 3);
        LabeledData gz = IdxReader.read(dir.resolve("img.gz"), dir.resolve("lab.gz"), 3);

        assertThat(plain.size()).isEqualTo(3);
        assertThat(plain.sampleShape()).containsExactly(2, 2);
        assertThat(plain.labels()).containsExactly(2, 0, 1);
        assertThat(plain.features()[1]).isEqualTo(1f);
        assertThat(plain.features()[2]).isEqualTo(0.2f);
        assertThat(plain.features()[11]).isEqualTo(200 / 255f);
        assertThat(gz.features()).containsExactly(plain.features());
        assertThat(gz.labels()).containsExactly(plain.labels());
    }

    @Test
    void rejectsMismatchedCountsAndTruncatedFiles() throws IOException {
        Files.write(dir.resolve("img"), idx(0x0803, new int[] {2, 1, 1}, new byte[] {1, 2}));
        Files.write(dir.resolve("lab"), idx(0x0801, new int[] {3}, new byte[] {0, 1, 1}));
        Files.write(dir.resolve("short"), idx(0x0803, new int[] {5, 1, 1}, new byte[] {1, 2}));

        assertThatThrownBy(() -> IdxReader.read(dir.resolve("img"), dir.resolve("lab"), 2)).hasMessageContaining("2 images but 3 labels");
        assertThatThrownBy(() -> IdxReader.read(dir.resolve("short"), dir.resolve("lab"), 2)).hasMessageContaining("truncated");
        assertThatThrownBy(() -> IdxReader.read(dir.resolve("img"), dir.resolve("img"), 2)).hasMessageContaining("labels must be one-dimensional");
    }

    @Test
    void bundledMnist10kHasTenThousandDigitsOfEveryClass() {
        LabeledData mnist = Mnist10k.load();

        assertThat(mnist.size()).isEqualTo(10_000);
        assertThat(mnist.sampleShape()).containsExactly(784);
        assertThat(mnist.numClasses()).isEqualTo(10);
        int[] counts = new int[10];
        for (float l : mnist.labels()) {
            counts[(int) l]++;
        }
        assertThat(Arrays.stream(counts).boxed().toList()).allSatisfy(c -> assertThat(c).isBetween(800, 1200));
        float max = 0;
        for (float v : mnist.features()) {
            max = Math.max(max, v);
        }
        assertThat(max).isEqualTo(1f);
    }

    static byte[] idx(int magic, int[] dims, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(payload);
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }
}
