package dev.tuna.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetRegistryTest {
    @Test
    void sameSeedSameDataOtherSeedOtherData() {
        for (String name : new String[] {"spirals", "moons", "blobs", "regression", "mnist?samples=500"}) {
            DataSplit a = DatasetRegistry.withBuiltIns().load(name, 7);
            DataSplit b = DatasetRegistry.withBuiltIns().load(name, 7);
            DataSplit c = DatasetRegistry.withBuiltIns().load(name, 8);

            assertThat(a.train().features()).as(name).containsExactly(b.train().features());
            assertThat(a.validation().labels()).as(name).containsExactly(b.validation().labels());
            assertThat(Arrays.equals(a.train().features(), c.train().features())).as(name).isFalse();
        }
    }

    @Test
    void datasetNamesThatWouldBeMisreadAreRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        DatasetRegistry r = DatasetRegistry.withBuiltIns();
        // Files: missing, a folder, none named; each said in one line with its path.
        java.nio.file.Path missing = dir.resolve("missing.csv");
        assertThat(DatasetRegistry.fileProblems("csv:" + missing)).containsExactly("csv " + missing + ": no such file");
        assertThat(DatasetRegistry.fileProblems("csv:" + dir)).containsExactly("csv " + dir + ": is a folder, not a file");
        assertThat(DatasetRegistry.fileProblems("csv:")).containsExactly("dataset csv:: no file named (expected csv:PATH)");
        assertThat(DatasetRegistry.fileProblems("idx:" + missing + "," + dir)).containsExactly(
                "idx " + missing + ": no such file", "idx " + dir + ": is a folder, not a file");
        assertThat(DatasetRegistry.fileProblems("mnist")).isEmpty();
        // Not sets read from files, or not with the files they take: the set itself says what is wrong.
        assertThat(DatasetRegistry.fileProblems("moons:500")).isEmpty();
        assertThat(DatasetRegistry.fileProblems("idx:" + missing)).isEmpty();
        assertThatThrownBy(() -> r.load("csv:" + dir, 0)).hasMessage("csv " + dir + ": is a folder, not a file");
        // An option given twice (the last won), an argument a set without files ignored, negative noise, a share.
        assertThatThrownBy(() -> r.load("moons?samples=50&samples=60", 0))
                .hasMessage("dataset moons?samples=50&samples=60: option samples is given twice");
        assertThatThrownBy(() -> r.load("mnist:digits", 0)).hasMessageStartingWith("dataset mnist: takes nothing after ':'");
        assertThatThrownBy(() -> r.load("moons?noise=-1", 0))
                .hasMessage("dataset moons?noise=-1: option noise must be from 0.0 to 1000000.0, got -1.0");
        assertThatThrownBy(() -> r.load("moons?validation=2", 0)).hasMessage(
                "option validation: must be between 0 and 1 (the share of the samples kept for validation), got 2.0");
        // A csv whose features never vary has nothing to teach (every trial failed on DJL's all-zero gradients).
        java.nio.file.Path constant = dir.resolve("constant.csv");
        StringBuilder rows = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 20; i++) {
            rows.append("1,2,").append(i % 2).append('\n');
        }
        java.nio.file.Files.writeString(constant, rows);
        assertThatThrownBy(() -> r.load("csv:" + constant, 0))
                .hasMessage("every feature has the same value in all 16 training rows: nothing to learn from");
        java.nio.file.Path two = dir.resolve("two.csv");
        java.nio.file.Files.writeString(two, "a,label\n1,0\n2,1\n");
        assertThatThrownBy(() -> r.load("csv:" + two, 0)).hasMessage("every feature has the same value in all 1"
                + " training rows: nothing to learn from (the validation share leaves 1 of 2 rows for training)");
    }

    @Test
    void aCheckRefusesWhatEveryTrialWouldFailOn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        DatasetRegistry r = DatasetRegistry.withBuiltIns();
        // An argument to a set without files, idx without its two files, a device for a file: all said at once.
        assertThatThrownBy(() -> r.check("spirals:500", 0)).hasMessageStartingWith("dataset spirals: takes nothing after ':'");
        assertThatThrownBy(() -> r.check("idx:" + dir.resolve("elsewhere"), 0))
                .hasMessage("dataset idx: expected idx:IMAGES,LABELS, got idx:" + dir.resolve("elsewhere"));
        assertThatThrownBy(() -> r.check("idx:a,b,c", 0)).hasMessage("dataset idx: expected idx:IMAGES,LABELS, got idx:a,b,c");
        assertThatThrownBy(() -> r.check("idx:/dev/null,/dev/null", 0)).hasMessage("idx /dev/null: is not a regular file");
        assertThat(DatasetRegistry.fileProblems("csv:/dev/null")).containsExactly("csv /dev/null: is not a regular file");
        // Files missing here are left to the machines that run the trials (a cluster's workers).
        assertThat(r.check("idx:" + dir.resolve("i") + "," + dir.resolve("l"), 0)).isEmpty();
        // Within each limit, too big together: refused before anything is made.
        assertThatThrownBy(() -> r.check("regression?samples=1000000&features=2000", 0)).hasMessage(
                "dataset regression: samples times features must be at most 20,000,000 (got 1,000,000 x 2,000)");
        assertThatThrownBy(() -> r.check("blobs?samples=1000000&features=10000", 0)).hasMessage(
                "dataset blobs: samples times features must be at most 20,000,000 (got 1,000,000 x 10,000)");
        assertThat(r.check("regression?samples=2000&features=10000", 0)).isPresent();
    }

    @Test
    void splitHoldsOutTheFractionWithoutOverlap() {
        LabeledData data = SyntheticData.blobs(100, 4, 3, 0.5, 1);
        float[] ids = new float[100 * 3];
        for (int i = 0; i < 100; i++) {
            ids[3 * i] = i; // tag each sample so overlap can be seen
        }
        DataSplit split = DataSplit.of(new LabeledData(ids, new long[] {3}, data.labels(), 4), 0.25, 3);

        assertThat(split.validation().size()).isEqualTo(25);
        Set<Float> seen = new HashSet<>();
        for (LabeledData part : new LabeledData[] {split.train(), split.validation()}) {
            for (int i = 0; i < part.size(); i++) {
                assertThat(seen.add(part.features()[3 * i])).isTrue();
            }
        }
        assertThat(seen).hasSize(100);
    }

    @Test
    void syntheticSetsHaveTheAskedShapeAndClasses() {
        assertThat(SyntheticData.spirals(300, 3, 0.01, 1).numClasses()).isEqualTo(3);
        assertThat(SyntheticData.blobs(60, 3, 5, 1, 1).sampleShape()).containsExactly(5);
        assertThat(SyntheticData.regression(50, 4, 0.1, 1).task()).isEqualTo(Task.REGRESSION);
        LabeledData mnist = DatasetRegistry.withBuiltIns().load("mnist?samples=1000&validation=0.1", 0).train();
        assertThat(mnist.size()).isEqualTo(900);
    }

    @Test
    void unknownNamesAndOptionsAreRejectedByName() {
        DatasetRegistry registry = DatasetRegistry.withBuiltIns();

        assertThatThrownBy(() -> registry.load("cifar", 0)).hasMessageStartingWith("dataset: unknown name 'cifar' (known: [blobs, csv, idx, mnist, moons, regression, spirals])");
        assertThatThrownBy(() -> registry.load("moons?sample=3", 0)).hasMessageContaining("unknown option 'sample'");
        assertThatThrownBy(() -> registry.load("moons?noise=lots", 0)).hasMessageContaining("option noise must be a number");
        assertThatThrownBy(() -> registry.load("csv", 0)).hasMessageContaining("expected csv:PATH");
    }
}
