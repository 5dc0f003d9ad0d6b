package dev.tuna.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.search.pruner.DivergencePruner;
import dev.tuna.search.pruner.MedianPruner;
import dev.tuna.search.pruner.NopPruner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrunerBenchmarkTest {

    @Test
    void theCommittedSuiteIsTheOneTheGeneratorMakes() {
        LearningCurveSuite committed = LearningCurveSuite.load();
        assertThat(committed.configs()).hasSize(100);
        assertThat(committed.configs()).allSatisfy(c -> assertThat(c.valLoss()).hasSize(27));
        assertThat(LearningCurveSuite.generate(committed.seed(), 100, 27)).isEqualTo(committed);
        assertThat(committed.summary()).containsKeys("converges", "overfits", "diverges");
        assertThat(committed.configs().stream().filter(c -> c.kind().equals("diverges")))
                .as("diverging curves end in NaN").allSatisfy(c -> assertThat(c.finalValue()).isNaN());
    }

    @Test
    void withoutPruningEveryEpochIsSpentAndTheBestIsFound() {
        LearningCurveSuite suite = LearningCurveSuite.load();
        PrunerBenchmark.Result none = PrunerBenchmark.run(suite, "none", new NopPruner());
        assertThat(none.epochs()).isEqualTo(2700);
        assertThat(none.regret()).isZero();
        assertThat(none.failed()).as("the diverged ones return NaN").isEqualTo(
                (int) suite.configs().stream().filter(c -> Double.isNaN(c.finalValue())).count());
        PrunerBenchmark.Result divergence = PrunerBenchmark.run(suite, "divergence", new DivergencePruner());
        assertThat(divergence.failed()).as("all diverged ones pruned before their NaN final").isZero();
        assertThat(PrunerBenchmark.run(suite, "median", new MedianPruner()).epochs()).isLessThan(none.epochs());
    }

    @Test
    void writesTheTable(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("pruners.json");
        StringWriter console = new StringWriter();
        int code = BenchCommand.commandLine().setOut(new PrintWriter(console))
                .execute("pruners", "--out", out.toString(), "--held-out", "1");
        assertThat(code).isZero();
        JsonNode report = new ObjectMapper().readTree(out.toFile());
        assertThat(report.get("results")).hasSize(PrunerBenchmark.pruners().size());
        assertThat(report.get("heldOut")).hasSize(PrunerBenchmark.pruners().size());
        assertThat(console.toString()).contains("hyperband", "curve extrapolation");
    }
}
