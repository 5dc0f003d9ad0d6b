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

/** A short run of the storage-reads benchmark: every kind of read on both storages is timed and reported. */
class StorageReadBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void timesEachKindOfReadOnMapDbAndPostgres() throws IOException {
        Path json = dir.resolve("results/storage-reads.json");

        BenchRun run = bench("storage-reads", "--trials", "30", "--steps", "3", "--reads", "3", "--out", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("first read ms", "mapdb", "postgresql", "Wrote " + json);
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertThat(r.get("trials").asInt()).isEqualTo(30);
        for (String storage : List.of("mapdb", "postgresql")) {
            for (String kind : List.of("firstReadMs", "laterReadsMs", "fromRunningMs")) {
                assertThat(r.get("results").get(storage).get(kind).asDouble()).as(storage + " " + kind).isPositive();
            }
        }
    }

    @Test
    void aCountBelowOneIsRefused() {
        BenchRun run = bench("storage-reads", "--trials", "0");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("--trials, --steps and --reads must be at least 1");
    }
}
