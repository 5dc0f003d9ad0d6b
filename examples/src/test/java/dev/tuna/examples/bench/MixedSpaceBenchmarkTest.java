package dev.tuna.examples.bench;

import static dev.tuna.examples.bench.BenchRun.bench;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixedSpaceBenchmarkTest {

    @TempDir
    Path dir;

    @Test
    void branchesHaveTheirKnownBestValues() {
        assertThat(MixedSpaceBenchmark.mixed("quad", -2, 15, 1e-3)).isCloseTo(0.5, within(1e-12));
        assertThat(MixedSpaceBenchmark.mixed("wave", -Math.PI / 6, 3, 0.1)).isCloseTo(0.7, within(1e-12));
        assertThat(MixedSpaceBenchmark.mixed("linear", 1, 7, 0.01)).isCloseTo(1.0, within(1e-12));
        assertThat(MixedSpaceBenchmark.mlp(Math.pow(10, -2.5), 3, 256, 0.2)).isCloseTo(0.15, within(1e-12));
        assertThat(MixedSpaceBenchmark.rf(12, 316)).isCloseTo(0.25, within(1e-6));
        assertThat(MixedSpaceBenchmark.svm(10, 0.01)).isCloseTo(0.30, within(1e-12));
        // Only the optimum's branch can end with a regret below the threshold.
        assertThat(0.7 - 0.5).isGreaterThan(MixedSpaceBenchmark.RIGHT_BRANCH_REGRET);
        assertThat(0.25 - 0.15).isGreaterThanOrEqualTo(MixedSpaceBenchmark.RIGHT_BRANCH_REGRET);
    }

    @Test
    void runsASubsetAndWritesJson() throws IOException {
        Path json = dir.resolve("out/mixed-spaces.json");
        BenchRun run = bench("mixed-spaces", "--samplers", "random,tpe-multivariate", "--seeds", "2",
                "--budgets", "10,15", "--threads", "2", "--out", json.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("done mixed", "done conditional", "tpe-multivariate", "Wrote ");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("benchmark").asText()).isEqualTo("mixed-spaces");
        assertThat(report.get("seeds").asInt()).isEqualTo(2);
        JsonNode results = report.get("results");
        assertThat(results).hasSize(2 * 2 * 2);
        for (JsonNode r : results) {
            assertThat(r.get("regrets")).hasSize(2);
            double a = r.get("regrets").get(0).asDouble();
            double b = r.get("regrets").get(1).asDouble();
            assertThat(a).isGreaterThanOrEqualTo(0);
            assertThat(r.get("meanRegret").asDouble()).isCloseTo((a + b) / 2, within(1e-12));
            assertThat(r.get("medianRegret").asDouble()).isCloseTo((a + b) / 2, within(1e-12));
            double right = ((a < 0.1 ? 1 : 0) + (b < 0.1 ? 1 : 0)) / 2.0;
            assertThat(r.get("rightBranch").asDouble()).isEqualTo(right);
            int counted = 0;
            for (JsonNode n : r.get("bestBranch")) {
                counted += n.asInt();
            }
            assertThat(counted).isEqualTo(2);
        }
        // More trials never make the best value worse.
        for (int i = 0; i < results.size(); i += 2) {
            assertThat(results.get(i + 1).get("budget").asInt()).isEqualTo(15);
            assertThat(results.get(i + 1).get("meanRegret").asDouble())
                    .isLessThanOrEqualTo(results.get(i).get("meanRegret").asDouble());
        }
        assertThat(results.get(0).get("bestBranch").fieldNames()).toIterable()
                .isSubsetOf("linear", "quad", "wave");
        assertThat(results.get(4).get("problem").asText()).isEqualTo("conditional");
        assertThat(results.get(4).get("bestBranch").fieldNames()).toIterable().isSubsetOf("svm", "rf", "mlp");
    }

    @Test
    void rejectsUnknownNamesInOneLine() {
        BenchRun run = bench("mixed-spaces", "--problems", "tree");
        assertThat(run.code()).isNotZero();
        assertThat(run.err()).contains("--problems", "unknown problem 'tree'");
        BenchRun other = bench("mixed-spaces", "--samplers", "cmaes");
        assertThat(other.code()).isNotZero();
        assertThat(other.err()).contains("--samplers", "unknown sampler 'cmaes'");
    }
}
