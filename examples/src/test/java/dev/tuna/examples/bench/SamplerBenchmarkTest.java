package dev.tuna.examples.bench;

import static dev.tuna.examples.bench.BenchRun.bench;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamplerBenchmarkTest {

    @TempDir
    Path dir;

    @Test
    void functionsHaveTheirKnownOptima() {
        assertThat(TestFunction.branin(new double[] {Math.PI, 2.275})).isCloseTo(0.397887, within(1e-5));
        assertThat(TestFunction.branin(new double[] {-Math.PI, 12.275})).isCloseTo(0.397887, within(1e-5));
        assertThat(TestFunction.hartmann6(new double[] {0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}))
                .isCloseTo(-3.32237, within(1e-4));
        assertThat(TestFunction.rosenbrock(new double[] {1, 1, 1, 1})).isZero();
        assertThat(TestFunction.ackley(new double[5])).isCloseTo(0, within(1e-12));
        assertThat(TestFunction.named("ackley5").low()).containsOnly(-10);
        assertThat(TestFunction.named("ackley5").high()).containsOnly(30);
    }

    @Test
    void runsASubsetAndWritesJsonAndPlot() throws IOException {
        Path json = dir.resolve("out/samplers.json");
        BenchRun run = bench("samplers", "--functions", "branin", "--samplers", "random,gp,tpe", "--seeds", "2",
                "--budgets", "12,20", "--latency-sizes", "30", "--gp-startup", "4", "--out", json.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("branin", "random", "gp", "tpe", "GP suggestion, 4 params, 30 finished trials");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("gpStartup").asInt()).isEqualTo(4);
        JsonNode results = report.get("results");
        assertThat(results).hasSize(6);
        for (JsonNode r : results) {
            assertThat(r.get("regrets")).hasSize(2);
            double a = r.get("regrets").get(0).asDouble();
            double b = r.get("regrets").get(1).asDouble();
            assertThat(r.get("meanRegret").asDouble()).isCloseTo((a + b) / 2, within(1e-12));
            assertThat(r.get("medianRegret").asDouble()).isCloseTo((a + b) / 2, within(1e-12));
            assertThat(a).isGreaterThanOrEqualTo(0);
        }
        // More trials never make the best value worse.
        assertThat(results.get(1).get("meanRegret").asDouble()).isLessThanOrEqualTo(results.get(0).get("meanRegret").asDouble());
        assertThat(report.get("medianBestSoFar").get("branin").get("gp")).hasSize(20);
        assertThat(report.get("latency").get(0).get("finishedTrials").asInt()).isEqualTo(30);
        Path png = dir.resolve("out/samplers.png");
        assertThat(Files.exists(png)).isTrue();
        assertThat(ImageIO.read(png.toFile()).getWidth()).isGreaterThan(100);
    }

    @Test
    void gpStartupReachesTheGpSamplers() throws IOException {
        // A GP whose startup covers the whole budget is its Sobol design: the same points as the Sobol sampler.
        Path json = dir.resolve("startup/samplers.json");
        BenchRun run = bench("samplers", "--functions", "branin", "--samplers", "sobol,gp", "--seeds", "2",
                "--budgets", "15", "--no-latency", "--gp-startup", "15", "--out", json.toString());
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(json.toFile()).get("results");
        assertThat(results.get(1).get("sampler").asText()).isEqualTo("gp");
        assertThat(results.get(1).get("regrets")).isEqualTo(results.get(0).get("regrets"));
    }

    @Test
    void rejectsUnknownNamesInOneLine() {
        BenchRun run = bench("samplers", "--functions", "sphere");
        assertThat(run.code()).isNotZero();
        assertThat(run.err()).contains("--functions", "unknown function 'sphere'");
        BenchRun other = bench("samplers", "--samplers", "cmaes");
        assertThat(other.code()).isNotZero();
        assertThat(other.err()).contains("--samplers", "unknown sampler 'cmaes'");
        BenchRun startup = bench("samplers", "--gp-startup", "0");
        assertThat(startup.code()).isNotZero();
        assertThat(startup.err()).contains("--gp-startup must be at least 1, got 0");
    }
}
