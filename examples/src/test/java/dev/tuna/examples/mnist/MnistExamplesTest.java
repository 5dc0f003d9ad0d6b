package dev.tuna.examples.mnist;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.tuna.core.TrialState;
import dev.tuna.search.Study;
import dev.tuna.worker.device.Devices;
import org.junit.jupiter.api.Test;

class MnistExamplesTest {
    @Test
    void tunesTheBuiltInMlpAndAUsersOwnModel() {
        Study mlp = TuneMnistMlp.run("mnist?samples=600", 2, 1, Device.cpu());
        Study own = TuneOwnModel.run("mnist?samples=600", 2, 1, Device.cpu());

        for (Study study : new Study[] {mlp, own}) {
            assertThat(study.trials(TrialState.COMPLETE)).as(study.name()).hasSize(2);
            assertThat(study.bestValue()).as(study.name()).isBetween(0.0, 1.0);
            assertThat(study.bestTrial().metric("val_loss")).as(study.name()).containsOnlyKeys(1);
        }
        assertThat(own.bestParams()).containsKeys("filters", "lr");
        assertThat(mlp.bestParams()).containsKeys("lr", "units", "optimizer", "dropout");
    }

    @Test
    void aSpecNamesTheOwnModelOnceTheExamplesJarIsOnTheClassPath() {
        // Listed in the jar's META-INF/services, as TUNA_CLASSPATH=examples/target/tuna-examples.jar ./tuna run finds it.
        dev.tuna.web.spec.StudySpec spec = new dev.tuna.web.spec.StudySpecParser(dev.tuna.web.spec.Trainables.builtIn()).parse("""
                {"name": "own", "trials": 1, "direction": "maximize",
                 "trainable": {"type": "tiny-convnet", "dataset": "mnist?samples=600", "epochs": 1},
                 "space": {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true}}}
                """);
        assertThat(spec.trainable().type()).isEqualTo("tiny-convnet");
    }

    @Test
    void tunesOnEveryDeviceSlotThroughTheDispatcher() {
        Study study = TuneMnistMlp.runOnAllDevices("mnist?samples=600", 4, 1, Devices.discover(2));

        assertThat(study.trials(TrialState.COMPLETE)).hasSize(4);
        assertThat(study.trials()).allSatisfy(t -> assertThat(t.systemAttrs()).containsEntry("device", "cpu"));
    }
}
