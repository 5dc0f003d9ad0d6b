package dev.tuna.examples.bench;

import static dev.tuna.examples.bench.BenchRun.bench;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class OverheadBenchmarkTest {

    @TempDir
    Path dir;

    @Test
    void measuresBothStoragesAndWritesTheirFiguresAsJson() throws IOException {
        Path json = dir.resolve("results/overhead.json");
        Path files = dir.resolve("mapdb");

        BenchRun run = bench("overhead", "--rounds", "2", "--memory-trials", "60", "--mapdb-trials", "15",
                "--dir", files.toString(), "--out", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("memory", "mapdb", "median trials/s", "Wrote " + json);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        JsonNode results = report.get("results");
        assertThat(results).hasSize(2);
        assertThat(results.get(0).get("storage").asText()).isEqualTo("memory");
        assertThat(results.get(0).get("trialsPerRound").asInt()).isEqualTo(60);
        assertThat(results.get(1).get("storage").asText()).isEqualTo("mapdb");
        assertThat(results.get(1).get("trialsPerRound").asInt()).isEqualTo(15);
        for (JsonNode r : results) {
            List<Double> rates = Stream.of(r.get("trialsPerSecond").get(0), r.get("trialsPerSecond").get(1))
                    .map(JsonNode::asDouble).toList();
            assertThat(rates).allMatch(x -> x > 0);
            double median = r.get("medianTrialsPerSecond").asDouble();
            assertThat(median).isCloseTo((rates.get(0) + rates.get(1)) / 2, within(1e-6));
            assertThat(r.get("medianMicrosPerTrial").asDouble()).isCloseTo(1e6 / median, within(1e-6));
            assertThat(r.get("meetsTarget").asBoolean()).isEqualTo(median >= r.get("targetTrialsPerSecond").asDouble());
            // The timed round sees each trial start once, set its four parameters and finish once.
            JsonNode breakdown = r.get("breakdown");
            assertThat(breakdown.get("startTrial").get("callsPerTrial").asDouble()).isEqualTo(1.0);
            assertThat(breakdown.get("setParam").get("callsPerTrial").asDouble()).isEqualTo(4.0);
            assertThat(breakdown.get("finishTrial").get("callsPerTrial").asDouble()).isEqualTo(1.0);
        }
        // The MapDB files of every round are gone.
        try (Stream<Path> left = Files.list(files)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void withoutBreakdownTheTimedRoundIsSkipped() throws IOException {
        Path json = dir.resolve("o.json");

        BenchRun run = bench("overhead", "--rounds", "1", "--memory-trials", "10", "--mapdb-trials", "5", "--no-breakdown",
                "--dir", dir.resolve("m").toString(), "--out", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContain("where the time goes");
        assertThat(new ObjectMapper().readTree(json.toFile()).get("results").get(0).get("breakdown").isNull()).isTrue();
    }

    @Test
    void rejectsAnEmptyRound() {
        BenchRun run = bench("overhead", "--mapdb-trials", "0", "--out", dir.resolve("o.json").toString());

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err().strip()).isEqualTo(
                "tuna bench overhead: --mapdb-trials must be at least 1, got 0 (see 'tuna bench overhead --help')");
        assertThat(dir.resolve("o.json")).doesNotExist();
    }

    @Test
    void withoutABenchmarkItSaysWhichToRun() {
        BenchRun run = bench();

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err().strip())
                .isEqualTo("tuna bench: Missing a benchmark, e.g. 'tuna bench overhead' (see 'tuna bench --help')");
    }

    @Test
    void theMedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertThat(OverheadBenchmark.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(OverheadBenchmark.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(OverheadBenchmark.median(List.of(7.0))).isEqualTo(7.0);
    }
}
