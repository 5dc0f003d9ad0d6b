package dev.tuna.examples.bench;

import static dev.tuna.examples.bench.BenchRun.bench;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short run of the importance benchmark: a time for each study shape, and bad shapes refused in one line. */
class ImportanceBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void timesTheImportanceOfEachShape() throws IOException {
        Path json = dir.resolve("results/importance.json");

        BenchRun run = bench("importance", "--shapes", "30x3,20x5", "--repeats", "1", "--out", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("30x3", "20x5", "Wrote " + json);
        JsonNode ms = new ObjectMapper().readTree(json.toFile()).get("medianMs");
        assertThat(ms.get("30x3").asDouble()).isPositive();
        assertThat(ms.get("20x5").asDouble()).isPositive();
    }

    @Test
    void aShapeThatIsNotTrialsByParametersIsRefused() {
        for (String shape : java.util.List.of("30", "30x0", "ax3", "3x4x5")) {
            BenchRun run = bench("importance", "--shapes", shape);
            assertThat(run.code()).as(shape).isEqualTo(2);
            assertThat(run.err()).as(shape).contains("--shapes: expected TRIALSxPARAMS, got '" + shape + "'");
        }
    }
}
