package dev.tuna.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.PruneDecision;
import dev.tuna.search.Study;
import dev.tuna.core.Direction;
import dev.tuna.worker.metrics.MetricNames;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainablesTest {
    static final TrainableRegistry REGISTRY = TrainableRegistry.defaults();

    static FrozenTrial runOne(String type, Map<String, Object> fixed) {
        return runOne(type, fixed, Map.of());
    }

    static FrozenTrial runOne(String type, Map<String, Object> fixed, Map<String, dev.tuna.core.Distribution> space) {
        Study study = Study.builder(type).direction(Direction.MAXIMIZE).create();
        Trainable trainable = REGISTRY.create(type, fixed, space);
        return study.runTrial(trainable.asObjective(Device.cpu()));
    }

    @Test
    void mlpLearnsMnistSubsetAndReportsEveryMetricEachEpoch() {
        FrozenTrial t = runOne("mlp", Map.of("dataset", "mnist?samples=1000", "epochs", 2, "units", 64, "lr", 0.003, "seed", 1));

        assertThat(t.state()).as(String.valueOf(t.reason())).isEqualTo(TrialState.COMPLETE);
        assertThat(t.intermediateValues()).containsOnlyKeys(1, 2);
        assertThat(t.value()).isEqualTo(t.metric(MetricNames.VAL_ACCURACY).get(2)).isGreaterThan(0.7);
        for (String name : List.of("train_loss", "val_loss", "val_accuracy", "val_precision", "val_recall", "val_f1", "val_auc",
                "val_error_rate", "grad_norm", "grad_norm_max", "lr", "epoch_seconds", "samples_per_second")) {
            assertThat(t.metric(name)).as(name).containsOnlyKeys(1, 2);
        }
        assertThat(t.metrics().keySet()).anyMatch(k -> k.startsWith("grad_norm/"));
        assertThat(t.metric("train_loss").get(2)).isLessThan(t.metric("train_loss").get(1));
        assertThat(t.metric("val_error_rate").get(2)).isCloseTo(1 - t.value(), within(1e-9));
        assertThat(t.metric("grad_norm_max").get(1)).isGreaterThanOrEqualTo(t.metric("grad_norm").get(1)).isPositive();
        assertThat(t.metric("lr").get(1)).isCloseTo(0.003, within(1e-6));
    }

    @Test
    void sameSeedRepeatsTheRunExactlyOnCpuAndAnotherSeedDoesNot() {
        Map<String, Object> fixed = new HashMap<>(Map.of("dataset", "spirals?samples=300", "epochs", 2, "units", 16, "batchSize", 32,
                "dropout", 0.2, "lr", 0.01, "seed", 5));
        FrozenTrial a = runOne("mlp", fixed);
        FrozenTrial b = runOne("mlp", fixed);
        fixed.put("seed", 6);
        FrozenTrial c = runOne("mlp", fixed);

        assertThat(a.metric("train_loss")).isEqualTo(b.metric("train_loss"));
        assertThat(a.metric("val_loss")).isEqualTo(b.metric("val_loss"));
        assertThat(a.metric("grad_norm")).isEqualTo(b.metric("grad_norm"));
        assertThat(c.metric("train_loss")).isNotEqualTo(a.metric("train_loss"));
    }

    @Test
    void cnnTrainsOnImagesAndRegressionReportsRegressionMetrics() {
        FrozenTrial cnn = runOne("cnn", Map.of("dataset", "mnist?samples=400", "epochs", 1, "filters", 4, "kernelSize", 3, "denseUnits", 16,
                "pooling", "avg", "batchNorm", true, "dropout", 0.1));
        FrozenTrial reg = runOne("mlp", Map.of("dataset", "regression?samples=300", "epochs", 2, "units", 16));

        assertThat(cnn.state()).as(String.valueOf(cnn.reason())).isEqualTo(TrialState.COMPLETE);
        assertThat(cnn.metric("val_accuracy")).containsOnlyKeys(1);
        assertThat(reg.state()).as(String.valueOf(reg.reason())).isEqualTo(TrialState.COMPLETE);
        assertThat(reg.value()).isEqualTo(reg.metric("val_loss").get(2));
        for (String name : List.of("val_mse", "val_mae", "val_r2")) {
            assertThat(reg.metric(name)).as(name).containsOnlyKeys(1, 2);
        }
        assertThat(reg.metric("val_accuracy")).isEmpty();
        // L2 loss with weight 1 is the mean squared error
        assertThat(reg.metric("val_loss").get(2)).isCloseTo(reg.metric("val_mse").get(2), within(1e-3 * reg.metric("val_mse").get(2) + 1e-6));
    }

    @Test
    void suggestedParametersComeFromTheSpaceAndWinOverFixedOnes() {
        Map<String, dev.tuna.core.Distribution> space = Map.of(
                "lr", new CategoricalDistribution(List.of(0.02)),
                "optimizer", new CategoricalDistribution(List.of("rmsprop")));
        FrozenTrial t = runOne("mlp", Map.of("dataset", "moons?samples=200", "epochs", 1, "lr", 0.001, "units", 8), space);

        assertThat(t.params()).containsEntry("optimizer", "rmsprop").containsEntry("lr", 0.02);
        assertThat(t.metric("lr").get(1)).isCloseTo(0.02, within(1e-6));
    }

    @Test
    void theSpaceIsSuggestedInItsOwnOrderSoASeededStudyRepeatsAcrossProcesses() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("units", 8);
        values.put("lr", 0.01);
        values.put("optimizer", "sgd");
        values.put("layers", 1);
        values.put("batchSize", 16);
        values.put("weightDecay", 0.0);
        values.put("momentum", 0.5);
        Map<String, dev.tuna.core.Distribution> space = new LinkedHashMap<>();
        values.forEach((name, value) -> space.put(name, new CategoricalDistribution(List.of(value))));
        FrozenTrial t = runOne("mlp", Map.of("dataset", "moons?samples=100", "epochs", 1), space);

        assertThat(t.state()).as(String.valueOf(t.reason())).isEqualTo(TrialState.COMPLETE);
        assertThat(List.copyOf(t.params().keySet())).isEqualTo(List.copyOf(space.keySet()));
        // A map without an order of its own (Map.of, as in the README) is suggested in the names' order, which is
        // the same in every process; its own iteration order is not.
        FrozenTrial unordered = runOne("mlp", Map.of("dataset", "moons?samples=100", "epochs", 1), Map.copyOf(space));
        assertThat(List.copyOf(unordered.params().keySet())).isSorted();
    }

    @Test
    void unknownSettingsAndBadValuesAreRefusedBeforeAnyTrialAndFailATrialThatRunsThemNamingThem() {
        // Made into an objective, a misspelt setting is refused at once: it failed every trial of the study.
        assertThatThrownBy(() -> runOne("mlp", Map.of("dataset", "moons?samples=100", "epochs", 1, "unitz", 8)))
                .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("trainable mlp: unknown parameter [unitz]");
        Study study = Study.builder("direct").direction(Direction.MAXIMIZE).create();
        Trainable typo = REGISTRY.create("mlp", Map.of("dataset", "moons?samples=100", "epochs", 1, "unitz", 8), Map.of());
        Trainable bad = REGISTRY.create("mlp", Map.of("dataset", "moons?samples=100", "optimizer", "lbfgs"), Map.of());

        FrozenTrial typoTrial = study.runTrial(trial -> typo.train(trial, Device.cpu()));
        assertThat(typoTrial.state()).isEqualTo(TrialState.FAIL);
        assertThat(typoTrial.reason()).contains("trainable mlp: unknown parameter [unitz]");
        assertThat(study.runTrial(trial -> bad.train(trial, Device.cpu())).reason())
                .contains("trainable mlp: parameter 'optimizer' must be one of [sgd, momentum, nesterov, adam, adamw, rmsprop], got lbfgs");
    }

    @Test
    void nanLossEndsTheTrialAtOnceAsDiverged() {
        FrozenTrial t = runOne("mlp", Map.of("dataset", "regression?samples=400&noise=1", "epochs", 3, "units", 64, "layers", 3,
                "optimizer", "sgd", "lr", 50.0, "batchSize", 16));

        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.reason()).matches("diverged: loss became (NaN|Infinity|\\S+ at epoch 1 batch \\d+, over 1000 times the mean of the first 2"
                + " batches, \\S+)"
                + "|diverged: loss became (NaN|Infinity) at epoch 1 batch \\d+");
        assertThat(t.intermediateValues()).isEmpty();
    }

    @Test
    void aLossThatBlowsUpTwentyfoldInItsFirstEpochEndsTheTrialAsDiverged() {
        // Below the per-batch factor, and the dead network then sat at chance: completed, and once called overfitting.
        FrozenTrial t = runOne("mlp", Map.of("dataset", "mnist?samples=2000", "epochs", 3, "batchSize", 64,
                "optimizer", "sgd", "lr", 5.0, "seed", 0));

        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.reason()).matches("diverged: the mean training loss of epoch 1 was \\S+, over 10 times the first"
                + " batch's \\S+");
        assertThat(dev.tuna.search.diagnosis.Diagnosis.of(t)).extracting(dev.tuna.search.diagnosis.Diagnosis::name)
                .containsExactly(dev.tuna.search.diagnosis.Diagnosis.DIVERGED);
    }

    @Test
    void aRunThatCannotDivergeIsNotFailedAsDivergedWithBatchesOfOne() {
        // Learning rate 0: the weights never move. The first sample's squared error was 0.05 and the 56th's 102,
        // over 1,000 times it: the run failed as diverged. The rule's baseline is now the first 32 samples' mean.
        FrozenTrial t = runOne("mlp", Map.of("dataset", "regression?samples=300", "epochs", 1, "optimizer", "sgd",
                "batchSize", 1, "lr", 0.0, "seed", 21));

        assertThat(t.state()).as(String.valueOf(t.reason())).isEqualTo(TrialState.COMPLETE);
        assertThat(t.metric("train_loss")).containsOnlyKeys(1);
    }

    @Test
    void batchNormTrainsWhenALastBatchHoldsOneSampleAndRefusesBatchesOfOne() {
        // 161 training samples in batches of 160: the last one, of one sample, failed in PyTorch ("Expected more than
        // 1 value per channel when training"); it is left out of the epoch.
        FrozenTrial odd = runOne("mlp", Map.of("dataset", "spirals?samples=201", "epochs", 2, "batchSize", 160,
                "batchNorm", true, "units", 8));
        assertThat(odd.state()).as(String.valueOf(odd.reason())).isEqualTo(TrialState.COMPLETE);

        assertThatThrownBy(() -> runOne("mlp", Map.of("dataset", "spirals?samples=201", "epochs", 1, "batchSize", 1,
                "batchNorm", true, "units", 8))).hasMessage("batchSize: 1 cannot train a network with batchNorm, which"
                + " needs at least 2 samples in a batch");
        assertThatThrownBy(() -> REGISTRY.create("mlp", Map.of("dataset", "spirals", "batchSize", 1, "batchNorm", true),
                Map.of()).check()).isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("batchSize: 1");
        // Searched, the pair is left to the trials: the check pairs a space's choices by their order.
        REGISTRY.create("mlp", Map.of("dataset", "spirals"), Map.of("batchSize", new CategoricalDistribution(List.of(1, 32)),
                "batchNorm", new CategoricalDistribution(List.of(false, true)))).check();
        // A training split of one sample is a batch of one, whatever the batch size.
        assertThatThrownBy(() -> runOne("mlp", Map.of("dataset", "spirals?samples=2", "epochs", 1, "batchSize", 4,
                "batchNorm", true, "units", 8))).hasMessage("dataset: its training split holds 1 sample, and a network"
                + " with batchNorm needs at least 2 in a batch");
    }

    @Test
    void anObjectiveNoModelCouldHaveAValueOfIsRefusedWhenTheSpecIsChecked(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path constant = dir.resolve("constant.csv");
        StringBuilder rows = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 50; i++) {
            rows.append(i).append(',').append(i % 7).append(",3\n");
        }
        java.nio.file.Files.writeString(constant, rows);
        assertThatThrownBy(() -> REGISTRY.create("mlp", Map.of("dataset", "csv:" + constant + "?task=regression",
                "metric", "val_r2"), Map.of()).check())
                .isInstanceOf(InvalidSettingException.class).hasMessage("trainable mlp: metric 'val_r2' is undefined on"
                        + " csv:" + constant + "?task=regression: its 10 validation samples all have the target 3.0, and R2"
                        + " needs targets that vary");
        // Its default metric is defined there: the same data is fine.
        REGISTRY.create("mlp", Map.of("dataset", "csv:" + constant + "?task=regression"), Map.of()).check();
    }

    @Test
    void layersAreNamedAlikeWhateverBlocksLieBetweenThem() {
        // DJL's names number every block, so a dropout or batch-norm layer shifted them: 06Linear was the second
        // hidden layer of one trial and the output layer of another.
        Map<String, Object> common = Map.of("dataset", "moons?samples=200", "epochs", 1, "units", 8, "layers", 2);
        FrozenTrial plain = runOne("mlp", common);
        Map<String, Object> withMore = new java.util.HashMap<>(common);
        withMore.put("batchNorm", true);
        withMore.put("dropout", 0.5);
        FrozenTrial more = runOne("mlp", withMore);

        List<String> layers = List.of("grad_norm/Linear1", "grad_norm/Linear2", "grad_norm/output");
        assertThat(plain.metrics().keySet()).filteredOn(k -> k.startsWith("grad_norm/")).containsExactlyInAnyOrderElementsOf(layers);
        assertThat(more.metrics().keySet()).filteredOn(k -> k.startsWith("grad_norm/")).containsAll(layers)
                .contains("grad_norm/BatchNorm1", "grad_norm/BatchNorm2");
    }

    @Test
    void aLossThatBlowsUpWithoutBecomingNanEndsTheTrialAsDiverged() {
        // A learning rate far too high: the classifier's loss jumps to millions and the network dies, but stays finite.
        FrozenTrial t = runOne("mlp", Map.of("dataset", "mnist?samples=400", "epochs", 2, "optimizer", "momentum", "lr", 80.0,
                "seed", 1));

        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.reason()).matches("diverged: loss became \\S+ at epoch 1 batch \\d+, over 1000 times the first batch's \\S+");
        // Diagnosed diverged where it failed, though no epoch was reported.
        assertThat(dev.tuna.search.diagnosis.Diagnosis.of(t)).singleElement().satisfies(d -> {
            assertThat(d.name()).isEqualTo(dev.tuna.search.diagnosis.Diagnosis.DIVERGED);
            assertThat(d.step()).isEqualTo(1);
            assertThat("diverged: " + d.detail()).isEqualTo(t.reason());
        });
    }

    @Test
    void pruningStopsAfterTheReportedEpoch() {
        FrozenTrial t = mlpPrunedFromStep2(5);
        assertThat(t.state()).isEqualTo(TrialState.PRUNED);
        assertThat(t.reason()).isEqualTo("test pruner at step 2");
        assertThat(t.intermediateValues()).containsOnlyKeys(1, 2);
    }

    @Test
    void theLastEpochIsNotPruned() {
        // ASHA pruned an mlp trial at step 3 of 3: it had trained fully, and its result was thrown away.
        FrozenTrial t = mlpPrunedFromStep2(2);
        assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(t.value()).isEqualTo(t.intermediateValues().get(2));
    }

    /** One small mlp trial of {@code epochs} under a pruner that prunes from step 2 on. */
    private static FrozenTrial mlpPrunedFromStep2(int epochs) {
        Study study = Study.builder("prune").direction(Direction.MAXIMIZE)
                .pruner((s, trial) -> trial.lastStep() >= 2 ? PruneDecision.prune("test pruner at step " + trial.lastStep()) : PruneDecision.KEEP)
                .create();
        Trainable mlp = REGISTRY.create("mlp", Map.of("dataset", "moons?samples=200", "epochs", epochs, "units", 8), Map.of());
        study.optimize(mlp.asObjective(Device.cpu()), OptimizeOptions.builder().optTrials(1).build());
        return study.trials().get(0);
    }

    @Test
    void interruptingTheThreadStopsTrainingBeforeTheNextBatch() {
        Study study = Study.builder("interrupt").direction(Direction.MAXIMIZE)
                .pruner((s, trial) -> {
                    Thread.currentThread().interrupt(); // as the dispatcher does to stop a trial
                    return PruneDecision.KEEP;
                })
                .create();
        Trainable mlp = REGISTRY.create("mlp", Map.of("dataset", "moons?samples=200", "epochs", 5, "units", 8), Map.of());

        FrozenTrial t;
        try {
            t = study.runTrial(mlp.asObjective(Device.cpu()));
        } finally {
            Thread.interrupted();
        }

        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.reason()).contains("training interrupted at epoch 2 batch 1");
        assertThat(t.intermediateValues()).containsOnlyKeys(1);
    }

    @Test
    void everyOptimizerScheduleAndInitializerRuns() {
        for (String optimizer : Optimizers.NAMES) {
            double lr = optimizer.startsWith("adam") || optimizer.equals("rmsprop") ? 0.01 : 0.1;
            FrozenTrial t = runOne("mlp", Map.of("dataset", "blobs?samples=400&noise=0.5", "epochs", 4, "batchSize", 32, "units", 16,
                    "optimizer", optimizer, "lr", lr, "weightDecay", 1e-4));
            assertThat(t.state()).as(optimizer + ": " + t.reason()).isEqualTo(TrialState.COMPLETE);
            // each optimiser (our Nesterov and RMSprop included) must actually learn the separable blobs
            assertThat(t.metric("train_loss").get(4)).as(optimizer).isLessThan(t.metric("train_loss").get(1));
            assertThat(t.value()).as(optimizer).isGreaterThan(0.8); // chance is 1/3
        }
        for (String schedule : LearningRateSchedules.NAMES) {
            for (String init : Initializers.NAMES) {
                FrozenTrial t = runOne("mlp", Map.of("dataset", "blobs?samples=120", "epochs", 2, "units", 8, "schedule", schedule, "initializer", init));
                assertThat(t.state()).as(schedule + "/" + init + ": " + t.reason()).isEqualTo(TrialState.COMPLETE);
            }
        }
    }

    /** A factory that would take the built-in mlp's name; listed only by the test below. */
    public static final class Impostor implements TrainableFactory {
        @Override
        public String name() {
            return "mlp";
        }

        @Override
        public Trainable create(Map<String, Object> fixed, Map<String, dev.tuna.core.Distribution> space) {
            throw new AssertionError("never made");
        }
    }

    /** A class loader whose META-INF/services lists {@code provider} as a trainable factory. */
    private static ClassLoader listing(java.nio.file.Path dir, String provider) throws java.io.IOException {
        java.nio.file.Path services = java.nio.file.Files.createDirectories(dir.resolve("META-INF/services"));
        java.nio.file.Files.writeString(services.resolve(TrainableFactory.class.getName()), provider + "\n");
        return new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()}, TrainablesTest.class.getClassLoader()) {
            @Override
            public java.util.Enumeration<java.net.URL> getResources(String name) throws java.io.IOException {
                return findResources(name); // only this folder's list, not the test class path's
            }
        };
    }

    @Test
    void aBadServiceEntryOrOneTakingABuiltInsNameIsRefusedInOneMessage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        assertThatThrownBy(() -> TrainableRegistry.withServiceLoader(listing(dir.resolve("missing"), "my.DoesNotExist")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("a trainable listed in META-INF/services cannot be loaded: ")
                .hasMessageContaining("my.DoesNotExist");
        assertThatThrownBy(() -> TrainableRegistry.withServiceLoader(listing(dir.resolve("impostor"), Impostor.class.getName())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageEndingWith("takes the name 'mlp' of a built-in trainable; give it a name of its own");
    }

    @Test
    void userTrainableIsFoundByServiceLoader() {
        assertThat(REGISTRY.names()).contains("mlp", "cnn", "tiny-linear");

        FrozenTrial t = runOne("tiny-linear", Map.of("epochs", 5, "batchSize", 32));

        assertThat(t.state()).as(String.valueOf(t.reason())).isEqualTo(TrialState.COMPLETE);
        assertThat(t.value()).isGreaterThan(0.8); // blobs are linearly separable
    }
}
