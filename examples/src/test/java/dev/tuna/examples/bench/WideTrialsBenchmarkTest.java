package dev.tuna.examples.bench;

import static dev.tuna.examples.bench.BenchRun.bench;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short run of the wide-trials benchmark: each storage's time per trial is reported for each number of parameters. */
class WideTrialsBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void timesTrialsOfEachWidthOnEveryStorage() throws IOException {
        Path json = dir.resolve("results/wide-trials.json");

        BenchRun run = bench("wide-trials", "--params", "3,20", "--trials", "2", "--out", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("3 params", "20 params", "memory", "mapdb", "postgresql", "Wrote " + json);
        JsonNode ms = new ObjectMapper().readTree(json.toFile()).get("msPerTrial");
        for (String storage : List.of("memory", "mapdb", "postgresql")) {
            for (String width : List.of("3", "20")) {
                assertThat(ms.get(storage).get(width).asDouble()).as(storage + " " + width).isPositive();
            }
        }
    }

    @Test
    void aCountBelowOneIsRefused() {
        BenchRun run = bench("wide-trials", "--params", "10,0", "--no-postgres");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("--trials and every --params must be at least 1");
    }
}
