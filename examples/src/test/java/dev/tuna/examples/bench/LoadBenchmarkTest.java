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
import picocli.CommandLine;

/** A short run of the load benchmark: its figures add up. Speed is the benchmark's business, not the test's. */
class LoadBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void clientsReadTheApiAndTheEventsOfARunningStudy() throws IOException {
        Path json = dir.resolve("results/load.json");

        BenchRun run = bench("load", "--clients", "4", "--sse-clients", "2", "--seconds", "2", "--warmup-seconds", "1",
                "--sleep-millis", "20", "--out", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("route", "p99 ms", "requests/s", "Wrote " + json);
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertThat(r.get("clients").asInt()).isEqualTo(4);
        assertThat(r.get("errors").asLong()).as(r.get("errorSamples").toString()).isZero();
        long requests = r.get("requests").asLong();
        assertThat(requests).isPositive();
        long sum = 0;
        for (String route : List.of("studies", "study", "trials", "best", "trial")) {
            JsonNode x = r.get("routes").get(route);
            assertThat(x.get("requests").asLong()).as(route).isPositive();
            assertThat(x.get("p50Ms").asDouble()).isPositive().isLessThanOrEqualTo(x.get("p99Ms").asDouble());
            assertThat(x.get("p99Ms").asDouble()).isLessThanOrEqualTo(x.get("maxMs").asDouble());
            sum += x.get("requests").asLong();
        }
        assertThat(sum).isEqualTo(requests);
        assertThat(r.get("requestsPerSecond").asDouble()).isEqualTo(requests / r.get("seconds").asDouble());
        assertThat(r.get("p50Ms").asDouble()).isLessThanOrEqualTo(r.get("p90Ms").asDouble());
        assertThat(r.get("p90Ms").asDouble()).isLessThanOrEqualTo(r.get("p99Ms").asDouble());
        // The study kept running and its trials reached the event streams.
        assertThat(r.get("study").get("stateAtEnd").asText()).isEqualTo("running");
        assertThat(r.get("study").get("trialsFinishedDuringMeasurement").asInt()).isPositive();
        assertThat(r.get("sse").get("streams").asInt()).isEqualTo(2);
        assertThat(r.get("sse").get("events").asLong()).isPositive();
        assertThat(r.get("sse").get("errors").asLong()).isZero();
        assertThat(r.get("meetsTarget").asBoolean()).isEqualTo(r.get("p99Ms").asDouble() < 50);
    }

    @Test
    void percentilesAreNearestRank() {
        long[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(LoadBenchmark.percentile(v, 0.5)).isEqualTo(5);
        assertThat(LoadBenchmark.percentile(v, 0.99)).isEqualTo(10);
        assertThat(LoadBenchmark.percentile(new long[0], 0.5)).isZero();
    }

    @Test
    void rejectsMoreStreamsThanClients() {
        BenchRun run = bench("load", "--clients", "2", "--sse-clients", "3", "--out", dir.resolve("x.json").toString());

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err().strip()).isEqualTo(
                "tuna bench load: --sse-clients must be from 0 to --clients, got 3 (see 'tuna bench load --help')");
        assertThat(dir.resolve("x.json")).doesNotExist();
    }
}
