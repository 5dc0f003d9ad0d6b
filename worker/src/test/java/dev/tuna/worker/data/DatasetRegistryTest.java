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
