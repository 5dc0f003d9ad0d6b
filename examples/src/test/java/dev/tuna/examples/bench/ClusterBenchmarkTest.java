package dev.tuna.examples.bench;

import static dev.tuna.examples.bench.BenchRun.bench;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A short run of the cluster benchmark (one worker process, a few trials): its figures add up and its trials ran on
 * the worker. Speed is the benchmark's business, not the test's.
 */
class ClusterBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void aClusterOfOneWorkerRunsTheStudiesAndTheFiguresAddUp() throws IOException {
        Path json = dir.resolve("results/cluster.json");

        BenchRun run = bench("cluster", "--workers", "1", "--trials", "10", "--rounds", "1", "--warmup-trials", "0",
                "--sleep-millis", "0", "--checkin", "2", "--out", json.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("trials/s", "overhead ms", "Wrote " + json);
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        List<String> dispatches = new ArrayList<>();
        String workerNode = null;
        for (JsonNode x : r.get("runs")) {
            String dispatch = x.get("dispatch").asText();
            dispatches.add(dispatch);
            int trials = x.get("trials").asInt();
            assertThat(x.get("complete").asInt()).as(dispatch).isEqualTo(trials);
            assertThat(x.get("otherStates").asInt()).as(dispatch).isZero();
            assertThat(x.get("trialsPerSecond").asDouble()).as(dispatch)
                    .isCloseTo(trials / x.get("spanSeconds").asDouble(), org.assertj.core.data.Percentage.withPercentage(1e-6));
            assertThat(x.get("roundsTrialsPerSecond")).hasSize(1);
            JsonNode nodes = x.get("trialsPerNode");
            int sum = 0;
            for (Iterator<JsonNode> it = nodes.elements(); it.hasNext(); ) {
                sum += it.next().asInt();
            }
            assertThat(sum).as(dispatch).isEqualTo(trials);
            if (dispatch.startsWith("cluster")) {
                // The coordinator runs no trial: every one ran on the single worker process.
                assertThat(nodes.size()).isEqualTo(1);
                String node = nodes.fieldNames().next();
                assertThat(node).isNotEqualTo("(this process)");
                if (workerNode != null) {
                    assertThat(node).isEqualTo(workerNode);
                }
                workerNode = node;
            } else {
                assertThat(nodes.has("(this process)")).isTrue();
            }
        }
        assertThat(dispatches).containsExactly("local-mapdb", "local-memory", "cluster", "cluster-no-queue");
        assertThat(r.get("scaling").get("0 ms objective").get("1 workers").get("speedup").asDouble()).isEqualTo(1.0);
        assertThat(r.get("postgres").asText()).isNotBlank();
    }

    @Test
    void rejectsWorkerCountsOutOfOrder() {
        BenchRun run = bench("cluster", "--workers", "2,1", "--out", dir.resolve("x.json").toString());

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err().strip()).isEqualTo("tuna bench cluster: --workers must be in increasing order, got [2, 1]"
                + " (see 'tuna bench cluster --help')");
        assertThat(dir.resolve("x.json")).doesNotExist();
    }
}
