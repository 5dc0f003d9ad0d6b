package dev.tuna.web.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link StudySpecParser#firstDifference}: what a study that goes on must keep. */
class SpecDifferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StudySpecParser parser = new StudySpecParser(Trainables.builtIn());

    private static Map<?, ?> spec(String sampler, String pruner) throws Exception {
        return JSON.readValue("""
                {"name": "s", "trials": 5, "sampler": %s, "pruner": %s, "trainable": {"type": "quadratic"},
                 "space": {"x": {"type": "float", "low": -1, "high": 1}}}
                """.formatted(sampler, pruner), Map.class);
    }

    @Test
    void optionsSpeltOutWithTheirDefaultsAreTheSameSearch() throws Exception {
        // Resuming with "startupTrials": 10 written out was refused as "another sampler".
        Map<?, ?> stored = spec("{\"type\": \"gp\", \"seed\": 1}",
                "{\"type\": \"anyOf\", \"anyOf\": [{\"type\": \"median\"}, {\"type\": \"divergence\"}]}");
        Map<?, ?> spelt = spec("{\"type\": \"gp\", \"seed\": 1, \"options\": {\"startupTrials\": 10, \"deterministic\": false}}",
                "{\"type\": \"anyOf\", \"anyOf\": [{\"type\": \"median\", \"nStartupTrials\": 5.0},"
                        + " {\"type\": \"divergence\", \"lossFactor\": 4, \"gradNormMetric\": \"grad_norm\","
                        + " \"lossMetrics\": [\"train_loss\", \"val_loss\"]}]}");
        assertThat(parser.firstDifference(stored, spelt)).isEmpty();
        assertThat(parser.firstDifference(spelt, stored)).isEmpty();
        // No seed is the study name's hash: the same seed written out.
        assertThat(parser.firstDifference(spec("{\"type\": \"random\"}", "{\"type\": \"median\"}"),
                spec("{\"type\": \"random\", \"seed\": " + "s".hashCode() + "}", "{\"type\": \"median\"}"))).isEmpty();
    }

    @Test
    void anOptionWithAnotherValueIsAnotherSearch() throws Exception {
        Map<?, ?> stored = spec("{\"type\": \"gp\", \"seed\": 1}", "{\"type\": \"median\"}");
        assertThat(parser.firstDifference(stored,
                spec("{\"type\": \"gp\", \"seed\": 1, \"options\": {\"startupTrials\": 12}}", "{\"type\": \"median\"}")))
                .contains("sampler");
        assertThat(parser.firstDifference(stored,
                spec("{\"type\": \"gp\", \"seed\": 1}", "{\"type\": \"median\", \"nWarmupSteps\": 2}")))
                .contains("pruner");
        assertThat(parser.firstDifference(stored, spec("{\"type\": \"gp\", \"seed\": 2}", "{\"type\": \"median\"}")))
                .contains("sampler");
    }

    private static Map<?, ?> mlp(String metric, String trainable) throws Exception {
        return JSON.readValue("""
                {"name": "s", "trials": 5, %s "trainable": {"type": "mlp", %s},
                 "space": {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true}}}
                """.formatted(metric, trainable), Map.class);
    }

    @Test
    void trainableSettingsSpeltOutWithTheirDefaultsOrAsTheyAreReadAreTheSameTraining() throws Exception {
        // Resuming with "optimizer": "adam" (the default) written out was refused as "another trainable".
        Map<?, ?> stored = mlp("", "\"dataset\": \"blobs?samples=60\", \"fixed\": {\"units\": 16}");
        Map<?, ?> spelt = mlp("\"metric\": \"val_accuracy\",", "\"epochs\": 5, \"fixed\": {\"dataset\":"
                + " \"blobs?samples=60\", \"units\": \"16\", \"optimizer\": \"Adam\", \"batchSize\": 128.0}");
        assertThat(parser.firstDifference(stored, spelt)).isEmpty();
        assertThat(parser.firstDifference(spelt, stored)).isEmpty();
    }

    @Test
    void aDatasetIsTheSameWhateverTheOrderOfItsOptionsOrTheDefaultsWrittenOut() throws Exception {
        // Each of these was "another trainable" (the dataset compared as written).
        Map<?, ?> stored = mlp("", "\"dataset\": \"moons?samples=60&noise=0.2\"");
        for (String same : List.of("moons?noise=0.2&samples=60", "moons?samples=60&noise=0.20",
                "moons?samples=60&noise=0.2&validation=0.2")) {
            assertThat(parser.firstDifference(stored, mlp("", "\"dataset\": \"" + same + "\""))).as(same).isEmpty();
        }
        // A default written out is the same set too.
        assertThat(parser.firstDifference(mlp("", "\"dataset\": \"blobs\""), mlp("", "\"dataset\": \"blobs?samples=1000\"")))
                .isEmpty();
        assertThat(parser.difference(stored, mlp("", "\"dataset\": \"moons?samples=60&noise=0.3\"")))
                .hasValueSatisfying(d -> assertThat(d.path()).isEqualTo("trainable.dataset"));
    }

    @Test
    void aTrainableSettingWithAnotherValueIsAnotherTraining() throws Exception {
        Map<?, ?> stored = mlp("", "\"dataset\": \"blobs?samples=60\"");
        assertThat(parser.firstDifference(stored, mlp("", "\"dataset\": \"blobs?samples=60\", \"fixed\":"
                + " {\"optimizer\": \"sgd\"}"))).contains("trainable");
        assertThat(parser.firstDifference(stored, mlp("\"metric\": \"val_loss\",", "\"dataset\": \"blobs?samples=60\"")))
                .contains("metric");
        // The difference is named down to the setting (a resume named only "another trainable").
        assertThat(parser.difference(stored, mlp("", "\"dataset\": \"blobs?samples=60\", \"epochs\": 7")))
                .hasValueSatisfying(d -> assertThat(d.said()).isEqualTo("trainable.epochs: 5, now 7"));
        // A fixed setting is named where the spec writes it (it was "trainable.units", as if a field of the trainable).
        assertThat(parser.difference(stored, mlp("", "\"dataset\": \"blobs?samples=60\", \"fixed\": {\"units\": 64}")))
                .hasValueSatisfying(d -> assertThat(d.path()).isEqualTo("trainable.fixed.units"));
        // Epochs are named where the specs give them: as the trainable's own field, or as a fixed value.
        Map<?, ?> fixedEpochs = mlp("", "\"dataset\": \"blobs?samples=60\", \"fixed\": {\"epochs\": 5}");
        assertThat(parser.difference(fixedEpochs, mlp("", "\"dataset\": \"blobs?samples=60\", \"fixed\": {\"epochs\": 7}")))
                .hasValueSatisfying(d -> assertThat(d.said()).isEqualTo("trainable.fixed.epochs: 5, now 7"));
        // Each trial's seed is its number unless one is given: a seed written out, even 0, is another training.
        assertThat(parser.firstDifference(stored, mlp("", "\"dataset\": \"blobs?samples=60\", \"fixed\": {\"seed\": 0}")))
                .contains("trainable");
    }

    @Test
    void aDefaultThatDependsOnASearchedSettingIsNoSetting() throws Exception {
        // stepEpochs defaults to a third of the epochs, which the space searches: written out as 1, it was taken for
        // the default of the first value the check tried (epochs 2), and the two compared equal.
        String space = "{\"epochs\": {\"type\": \"int\", \"low\": 2, \"high\": 30}}";
        Map<?, ?> stored = JSON.readValue("{\"name\": \"s\", \"trials\": 5, \"trainable\": {\"type\": \"mlp\","
                + " \"dataset\": \"blobs?samples=60\", \"fixed\": {\"schedule\": \"step\"}}, \"space\": " + space + "}", Map.class);
        Map<?, ?> stepping = JSON.readValue("{\"name\": \"s\", \"trials\": 5, \"trainable\": {\"type\": \"mlp\","
                + " \"dataset\": \"blobs?samples=60\", \"fixed\": {\"schedule\": \"step\", \"stepEpochs\": 1}},"
                + " \"space\": " + space + "}", Map.class);
        assertThat(parser.firstDifference(stored, stepping)).contains("trainable");
        assertThat(parser.firstDifference(stored, stored)).isEmpty();
    }

    @Test
    void theMetricOfDataThatIsNotHereComparesAsWritten() throws Exception {
        // Its default depends on the data's task: without the data, the check's stand-in (a classification set)
        // made "val_accuracy" the default, equal to a regression set's spec that names it.
        Map<?, ?> unnamed = mlp("", "\"dataset\": \"csv:/no/such/folder/prices.csv\"");
        Map<?, ?> named = mlp("\"metric\": \"val_accuracy\",", "\"dataset\": \"csv:/no/such/folder/prices.csv\"");
        assertThat(parser.firstDifference(unnamed, named)).contains("metric");
        assertThat(parser.firstDifference(named, named)).isEmpty();
    }

    @Test
    void anotherScheduleIsAnotherStudy() throws Exception {
        Map<Object, Object> scheduled = new java.util.LinkedHashMap<>(spec("{\"type\": \"random\"}", "{\"type\": \"median\"}"));
        scheduled.put("cron", "0 0 * * * ?");
        assertThat(parser.firstDifference(scheduled, spec("{\"type\": \"random\"}", "{\"type\": \"median\"}")))
                .contains("cron");
        assertThat(parser.firstDifference(scheduled, scheduled)).isEmpty();
    }

    @Test
    void aStoredSpecThisBuildCannotReadIsComparedAsStored() throws Exception {
        Map<?, ?> unreadable = spec("{\"type\": \"cma-es\"}", "{\"type\": \"median\"}");
        assertThat(parser.firstDifference(unreadable, unreadable)).isEmpty();
        assertThat(parser.firstDifference(unreadable, spec("{\"type\": \"gp\"}", "{\"type\": \"median\"}")))
                .contains("sampler");
    }
}
