package dev.tuna.web.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import java.util.List;
import org.junit.jupiter.api.Test;

class DjlTrainablesTest {
    private final StudySpecParser parser = new StudySpecParser(Trainables.builtIn());

    @Test
    void aSpecNamingTheMlpTrainsItAndReportsItsCurves() {
        StudySpec spec = parser.parse("""
                {"name": "blobs-mlp", "direction": "maximize", "metric": "val_accuracy", "trials": 2,
                 "sampler": {"type": "random", "seed": 3},
                 "trainable": {"type": "mlp", "dataset": "blobs?samples=300", "epochs": 2, "fixed": {"batchSize": 32, "units": 16}},
                 "space": {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true}}}
                """);
        Study study = Study.builder(spec.name()).direction(Direction.MAXIMIZE).sampler(new RandomSampler(3)).create();
        study.optimize(Trainables.builtIn().create(spec), 2);

        assertThat(study.trials()).hasSize(2).allMatch(t -> t.state() == TrialState.COMPLETE);
        FrozenTrial t = study.trials().get(0);
        assertThat(t.params()).containsOnlyKeys("lr");
        assertThat(t.intermediateValues()).containsOnlyKeys(1, 2);
        assertThat(t.metrics()).containsKeys("train_loss", "val_loss", "val_accuracy", "lr");
        assertThat(t.value()).isBetween(0.0, 1.0).isEqualTo(t.metric("val_accuracy").get(2));
    }

    @Test
    void aConditionalParameterReachesOnlyTheTrialsOfItsChoice() {
        StudySpec spec = parser.parse("""
                {"name": "moons-opt", "direction": "maximize", "trials": 6,
                 "trainable": {"type": "mlp", "dataset": "moons?samples=200", "epochs": 1, "fixed": {"units": 8}},
                 "space": {"optimizer": {"type": "categorical", "choices": ["adam", "momentum"]},
                           "momentum": {"type": "float", "low": 0.5, "high": 0.95, "when": {"optimizer": "momentum"}}}}
                """);
        Study study = Study.builder(spec.name()).direction(Direction.MAXIMIZE).sampler(new RandomSampler(1)).create();
        study.optimize(Trainables.builtIn().create(spec), 6);

        assertThat(study.trials()).hasSize(6).allMatch(t -> t.state() == TrialState.COMPLETE, "complete")
                .allMatch(t -> t.params().containsKey("momentum") == t.params().get("optimizer").equals("momentum"),
                        "momentum only with the momentum optimizer");
        assertThat(study.trials()).extracting(t -> t.params().get("optimizer")).contains("adam", "momentum");
    }

    @Test
    void badSettingsAreRefusedWhenTheSpecIsReadNotByEveryTrial() {
        String spec = """
                {"name": "x", "trials": 1, "trainable": {"type": "%s", "dataset": "%s", "fixed": %s},
                 "space": %s}
                """;
        String lr = "{\"lr\": {\"type\": \"float\", \"low\": 0.001, \"high\": 0.1}}";
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "cifar", "{}", lr)))
                .isInstanceOf(SpecException.class).hasMessageStartingWith("trainable.dataset: unknown name 'cifar'");
        // The bundled and synthetic sets are loaded, so their options are checked too.
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist?samplez=100", "{}", lr)))
                .hasMessage("trainable.dataset: dataset mnist?samplez=100: unknown option 'samplez' (known: [samples, validation])");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "moons?samples=-5", "{}", lr)))
                .hasMessage("trainable.dataset: dataset moons?samples=-5: option samples must be from 1 to 1000000, got -5");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "moons?samples=2000000000", "{}", lr)))
                .hasMessage("trainable.dataset: dataset moons?samples=2000000000: option samples must be from 1 to 1000000,"
                        + " got 2000000000");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist?samples=99999", "{}", lr)))
                .hasMessage("trainable.dataset: option samples: the set has 10000 samples, asked for 99999");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{\"metric\": \"val_acc\"}", lr)))
                .hasMessageStartingWith("trainable.fixed.metric: trainable mlp: metric 'val_acc' is not one it reports (train_loss,");
        assertThatThrownBy(() -> parser.parse("""
                {"name": "x", "trials": 1, "metric": "val_acc", "trainable": {"type": "mlp"}, "space": %s}
                """.formatted(lr))).hasMessageStartingWith("metric: trainable mlp: metric 'val_acc' is not one it reports");
        // A layer's gradient norm, which the message offers, is a name the spec takes (refused as invalid before).
        assertThat(parser.parse("""
                {"name": "x", "trials": 1, "direction": "minimize", "metric": "grad_norm/Linear1",
                 "trainable": {"type": "mlp", "dataset": "moons?samples=100"}, "space": %s}
                """.formatted(lr)).metric()).isEqualTo("grad_norm/Linear1");
        assertThatThrownBy(() -> parser.parse("""
                {"name": "x", "trials": 1, "metric": "grad_norm/a/b", "trainable": {"type": "mlp"}, "space": %s}
                """.formatted(lr))).hasMessageStartingWith("metric: invalid metric name 'grad_norm/a/b'");
        // A pruner watching a metric no training reports would never act (a typo ran without a word).
        assertThatThrownBy(() -> parser.parse("""
                {"name": "x", "trials": 1, "direction": "maximize", "trainable": {"type": "mlp", "dataset": "moons?samples=100"},
                 "pruner": {"type": "anyOf", "anyOf": [{"type": "median"}, {"type": "divergence", "lossMetrics": ["train_loss", "val_los"]}]},
                 "space": %s}
                """.formatted(lr))).hasMessageStartingWith("pruner.anyOf[1].lossMetrics[1]: 'val_los' is not a metric the DJL"
                + " trainables report (train_loss,").hasMessageEndingWith("the pruner would never act");
        assertThatThrownBy(() -> parser.parse("""
                {"name": "x", "trials": 1, "direction": "maximize", "trainable": {"type": "mlp", "dataset": "moons?samples=100"},
                 "pruner": {"type": "divergence", "gradNormMetric": "gradnorm"}, "space": %s}
                """.formatted(lr))).hasMessageStartingWith("pruner.gradNormMetric: 'gradnorm' is not a metric");
        // A pruner that waits past the last epoch never acts (taken before, without a word).
        String template = """
                {"name": "x", "trials": 1, "direction": "maximize", "trainable": {"type": "mlp", "dataset": "moons?samples=100",
                 "epochs": %d}, "pruner": %s, "space": %s}
                """;
        java.util.function.BiFunction<Integer, String, StudySpec> withPruner =
                (epochs, pruner) -> parser.parse(template.formatted(epochs, pruner, lr));
        assertThatThrownBy(() -> withPruner.apply(3, "{\"type\": \"median\", \"nWarmupSteps\": 3}"))
                .hasMessage("pruner.nWarmupSteps: 3 keeps every trial from being pruned: trials train 3"
                + " epochs at most, and none is pruned after its last");
        assertThatThrownBy(() -> withPruner.apply(3, "{\"type\": \"anyOf\", \"anyOf\": [{\"type\": \"asha\","
                + " \"minResource\": 50}]}"))
                .hasMessageStartingWith("pruner.anyOf[0].minResource: the first rung, at epoch 50, keeps");
        assertThatThrownBy(() -> withPruner.apply(3, "{\"type\": \"hyperband\", \"minResource\": 3}"))
                .hasMessageStartingWith("pruner.minResource: the first rung, at epoch 3, keeps");
        // Planned for more epochs than trials train: brackets or extrapolations that never match a trial.
        assertThatThrownBy(() -> withPruner.apply(3, "{\"type\": \"hyperband\", \"maxResource\": 27}"))
                .hasMessage("pruner.maxResource: 27 is past the last epoch: Hyperband's brackets are cut"
                + " for 27 epochs, but trials train 3 at most (give 3, or 0 for the trials' own)");
        assertThatThrownBy(() -> withPruner.apply(3, "{\"type\": \"anyOf\", \"anyOf\": [{\"type\": \"curve\","
                + " \"maxStep\": 10}]}"))
                .hasMessageStartingWith("pruner.anyOf[0].maxStep: 10 is past the last epoch: the curves");
        assertThat(withPruner.apply(9, "{\"type\": \"hyperband\", \"maxResource\": 9}").name()).isEqualTo("x");
        assertThat(withPruner.apply(4, "{\"type\": \"median\", \"nWarmupSteps\": 3}").name()).isEqualTo("x");
        // The network is built for the data that is here: a cnn wants images, and moons are points.
        assertThatThrownBy(() -> parser.parse(spec.formatted("cnn", "moons?samples=100", "{}", lr)))
                .hasMessage("trainable.dataset: trainable cnn: samples of shape [2] are not images (need c x h x w, h x w,"
                        + " or a square size)");
        assertThat(parser.parse(spec.formatted("mlp", "regression?samples=100", "{}", lr)).name()).isEqualTo("x");
        // A metric of the other task: moons are classes, regression is numbers.
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "moons?samples=100", "{\"metric\": \"val_mse\"}", lr)))
                .hasMessage("trainable.fixed.metric: trainable mlp: metric 'val_mse' is not reported for moons?samples=100,"
                        + " a classification set");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "regression?samples=100", "{\"metric\": \"val_accuracy\"}", lr)))
                .hasMessageContaining("is not reported for regression?samples=100, a regression set");
        // A setting both fixed and searched: the space would win and the fixed value would go unchecked.
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{\"lr\": 5}", lr)))
                .hasMessage("trainable.fixed.lr: is also in space: a setting is either fixed or searched, not both");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{\"bogus\": 1}", lr)))
                .hasMessageStartingWith("trainable.fixed.bogus: trainable mlp: unknown parameter [bogus]");
        // A searched one the trainable does not know is named in the space.
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{}", "{\"foo\": {\"type\": \"float\", \"low\": 0, \"high\": 1}}")))
                .hasMessageStartingWith("space.foo: trainable mlp: unknown parameter [foo]");
        assertThatThrownBy(() -> parser.parse(spec.formatted("cnn", "mnist", "{\"batchSize\": \"big\"}", lr)))
                .hasMessageContaining("parameter 'batchSize'");
        // Each end of a range is checked, and the error names the space's field: momentum may not exceed 1.
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{}",
                "{\"momentum\": {\"type\": \"float\", \"low\": 0.2, \"high\": 1.5}}")))
                .hasMessage("space.momentum: trainable mlp: parameter 'momentum' must be a number in [0.0, 1.0], got 1.5");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{\"batchSize\": 0}", lr)))
                .hasMessageStartingWith("trainable.fixed.batchSize: ");
        // A float range for a whole-number setting, even one whose ends and centre are whole (16, 64, 40): every
        // trial failed on it. A float range stepped by whole numbers from a whole number is whole throughout.
        String units = "{\"units\": {\"type\": \"float\", \"low\": 16, \"high\": 64%s}}";
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "moons?samples=100", "{}", units.formatted(""))))
                .hasMessageStartingWith("space.units: trainable mlp: parameter 'units' must be an integer, got 35.88");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "moons?samples=100", "{}",
                units.formatted(", \"step\": 0.5")))).hasMessage(
                "space.units: trainable mlp: parameter 'units' must be an integer, got 16.5");
        assertThat(parser.parse(spec.formatted("mlp", "regression?samples=100", "{}", units.formatted(", \"step\": 8"))).name())
                .isEqualTo("x");
        // So is every choice.
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{}",
                "{\"optimizer\": {\"type\": \"categorical\", \"choices\": [\"adam\", \"lbfgs\"]}}")))
                .hasMessageContaining("parameter 'optimizer' must be one of");
        // A log range past a setting's limit is named by the end the spec wrote, not by its middle (499.99999999999983).
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "regression?samples=100", "{}",
                "{\"lr\": {\"type\": \"float\", \"low\": 50, \"high\": 5000, \"log\": true}}")))
                .hasMessage("space.lr: trainable mlp: parameter 'lr' must be a number in [0.0, 100.0], got 5000.0");
        // A file the trials would read: refused with the spec when trials run here (every trial failed on it), not
        // by a cluster's server, whose workers may have the file.
        assertThatThrownBy(() -> parser.parse(spec.formatted("cnn", "csv:/nowhere/here.csv", "{\"filters\": 8}", lr)))
                .hasMessage("trainable.dataset: csv /nowhere/here.csv: no such file");
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "csv:", "{}", lr)))
                .hasMessage("trainable.dataset: dataset csv:: no file named (expected csv:PATH)");
        StudySpecParser cluster = new StudySpecParser(Trainables.builtInForCluster());
        assertThat(cluster.parse(spec.formatted("cnn", "csv:/nowhere/here.csv", "{\"filters\": 8}", lr)).name())
                .isEqualTo("x");
        // Not files at all, on a cluster's server too: a set without files given an argument (as "samples"), a set
        // too big to make.
        for (StudySpecParser p : List.of(parser, cluster)) {
            assertThatThrownBy(() -> p.parse(spec.formatted("mlp", "spirals:500", "{}", lr)))
                    .hasMessageStartingWith("trainable.dataset: dataset spirals: takes nothing after ':' (got '500'");
            assertThatThrownBy(() -> p.parse(spec.formatted("mlp", "regression?samples=1000000&features=2000", "{}", lr)))
                    .hasMessageStartingWith("trainable.dataset: dataset regression: samples times features must be at most");
        }
        // A setting given both as the trainable's own field and as a fixed value: the first silently won.
        assertThatThrownBy(() -> parser.parse(spec.formatted("mlp", "mnist", "{\"dataset\": \"spirals\"}", lr)))
                .hasMessage("trainable.fixed.dataset: is also given as trainable.dataset: give it once");
        assertThatThrownBy(() -> parser.parse("{\"name\": \"x\", \"trials\": 1, \"metric\": \"val_loss\", \"trainable\":"
                + " {\"type\": \"mlp\", \"fixed\": {\"metric\": \"val_f1\"}}, \"space\": " + lr + "}"))
                .hasMessage("trainable.fixed.metric: is also given as metric: give it once");
    }

    @Test
    void aServerReadsDatasetFilesOnlyFromItsDatasetFolders(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path folder = java.nio.file.Files.createDirectories(dir.resolve("datasets"));
        java.nio.file.Path secret = java.nio.file.Files.writeString(dir.resolve("secret.csv"), "user,password\nroot,hunter2\n");
        java.nio.file.Path data = java.nio.file.Files.writeString(folder.resolve("points.csv"),
                "a,b,label\n" + "0,1,x\n1,0,y\n".repeat(10));
        String spec = "{\"name\": \"x\", \"trials\": 1, \"direction\": \"maximize\", \"trainable\": {\"type\": \"mlp\","
                + " \"dataset\": \"%s\", \"epochs\": 1}, \"space\": {\"lr\": {\"type\": \"float\", \"low\": 0.001,"
                + " \"high\": 0.01}}}";
        for (Trainables trainables : List.of(Trainables.forServer(false, List.of(folder)),
                Trainables.forServer(true, List.of(folder)))) {
            StudySpecParser server = new StudySpecParser(trainables);
            // Its refusal held the file's first line: "label column 'nope' not in header [user, password]".
            for (String outside : List.of("csv:" + secret + "?label=nope", "csv:" + folder + "/../secret.csv?label=nope",
                    "csv:/no/such/file.csv", "idx:" + secret + "," + data)) {
                assertThatThrownBy(() -> server.parse(spec.formatted(outside)))
                        .hasMessageStartingWith("trainable.dataset: ")
                        .hasMessageContaining(": a server reads dataset files only from its dataset folders (" + folder
                                + "): put the file there, or start the server with --datasets FOLDER")
                        .hasMessageNotContaining("password").hasMessageNotContaining("no such file");
            }
            // A link in the folder to a file outside it is outside too.
            java.nio.file.Path link = folder.resolve("link.csv");
            java.nio.file.Files.deleteIfExists(link);
            java.nio.file.Files.createSymbolicLink(link, secret);
            assertThatThrownBy(() -> server.parse(spec.formatted("csv:" + link + "?label=nope")))
                    .hasMessageContaining("a server reads dataset files only from its dataset folders");
            // A link to a folder, then "..": the system follows the link first, so the name, tidied, is in the folder
            // while the file read is beside it.
            java.nio.file.Path here = folder.resolve("here");
            java.nio.file.Files.deleteIfExists(here);
            java.nio.file.Files.createSymbolicLink(here, java.nio.file.Path.of("."));
            assertThatThrownBy(() -> server.parse(spec.formatted("csv:" + here + "/../secret.csv?label=nope")))
                    .hasMessageContaining("a server reads dataset files only from its dataset folders");
            // A set that reads no files is told so, not sent to the folders.
            assertThatThrownBy(() -> server.parse(spec.formatted("moons:/x")))
                    .hasMessageContaining("takes nothing after ':'");
            assertThat(server.parse(spec.formatted("csv:" + data + "?label=label")).name()).isEqualTo("x");
        }
        // tuna run reads the files of the user who runs it.
        assertThatThrownBy(() -> parser.parse(spec.formatted("csv:" + secret + "?label=nope")))
                .hasMessageContaining("not in header");
    }

    @Test
    void aDirectionAgainstTheObjectiveIsRefused() {
        String spec = "{\"name\": \"x\", \"trials\": 1, %s \"trainable\": {\"type\": \"mlp\", \"dataset\": \"%s\","
                + " \"epochs\": 1}, \"space\": {\"lr\": {\"type\": \"float\", \"low\": 0.001, \"high\": 0.1}}}";
        // Minimising accuracy (the default direction with a classifier's default objective) steered toward worse models.
        assertThatThrownBy(() -> parser.parse(spec.formatted("", "moons?samples=100")))
                .hasMessage("direction: minimize, but the objective val_accuracy is better higher: give"
                        + " \"direction\": \"maximize\" (minimize is the default when none is given)");
        // Written out, it is not called the default.
        assertThatThrownBy(() -> parser.parse(spec.formatted("\"direction\": \"minimize\",", "moons?samples=100")))
                .hasMessageStartingWith("direction: minimize, but");
        assertThat(parser.parse(spec.formatted("\"direction\": \"maximize\",", "moons?samples=100")).direction())
                .isEqualTo(Direction.MAXIMIZE);
        assertThatThrownBy(() -> parser.parse(spec.formatted("\"direction\": \"maximize\", \"metric\": \"val_loss\",",
                "moons?samples=100"))).hasMessage("direction: maximize, but the objective val_loss is better lower: give"
                        + " \"direction\": \"minimize\"");
        // A regression set's default objective is its loss: the default direction is right.
        assertThat(parser.parse(spec.formatted("", "regression?samples=100")).direction()).isEqualTo(Direction.MINIMIZE);
        // A study submitted before this check was made runs again as it was: its direction cannot change.
        JsonNode stored;
        try {
            stored = new com.fasterxml.jackson.databind.ObjectMapper().readTree(spec.formatted("", "moons?samples=100"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(parser.parseStored(stored).direction()).isEqualTo(Direction.MINIMIZE);
        // A metric that is neither (the learning rate) is left to the spec.
        assertThat(parser.parse(spec.formatted("\"metric\": \"lr\",", "moons?samples=100")).direction())
                .isEqualTo(Direction.MINIMIZE);
    }

    @Test
    void theDjlTrainablesAreKnownByName() {
        assertThat(Trainables.builtIn().types()).contains("mlp", "cnn", "branin", "quadratic");
        assertThatThrownBy(() -> parser.parse("""
                {"name": "x", "trials": 1, "trainable": {"type": "resnet"},
                 "space": {"lr": {"type": "float", "low": 0.001, "high": 0.1}}}
                """)).hasMessageContaining("trainable.type").hasMessageContaining("mlp");
    }
}
