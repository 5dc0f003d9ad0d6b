package dev.tuna.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvLoaderTest {
    @TempDir
    Path dir;

    @Test
    void mapsTextLabelsToSortedClassesAndReadsNamedLabelColumn() throws IOException {
        Path csv = dir.resolve("iris.csv");
        Files.writeString(csv, "species,a,b\nvirginica,1,2\nsetosa,3,4\n\nversicolor,5,6\nsetosa,7,8\n");

        LabeledData data = CsvLoader.read(csv, "species", Task.CLASSIFICATION);

        assertThat(data.numClasses()).isEqualTo(3);
        assertThat(data.labels()).containsExactly(2, 0, 1, 0);
        assertThat(data.features()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void regressionUsesTheLastColumnAsNumbers() throws IOException {
        Path csv = dir.resolve("r.csv");
        Files.writeString(csv, "x,y\n1,0.5\n2,1.5\n");

        LabeledData data = CsvLoader.read(csv, null, Task.REGRESSION);

        assertThat(data.task()).isEqualTo(Task.REGRESSION);
        assertThat(data.labels()).containsExactly(0.5f, 1.5f);
    }

    @Test
    void badInputGivesOneLineNamingLineAndColumn() throws IOException {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "x,y\n1,0\n2,zz\n");
        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, "x,y\n1\n");

        assertThatThrownBy(() -> CsvLoader.read(csv, "x", Task.CLASSIFICATION)).hasMessage("csv " + csv + ": line 3, column 'y': 'zz' is not a number");
        assertThatThrownBy(() -> CsvLoader.read(csv, "nope", Task.CLASSIFICATION)).hasMessageContaining("label column 'nope' not in header");
        assertThatThrownBy(() -> CsvLoader.read(ragged, null, Task.REGRESSION)).hasMessageContaining("line 2 has 1 fields, header has 2");
        Path nan = dir.resolve("nan.csv");
        Files.writeString(nan, "x,y\n1,0\nNaN,1\n");
        assertThatThrownBy(() -> CsvLoader.read(nan, "y", Task.CLASSIFICATION))
                .hasMessage("csv " + nan + ": line 3, column 'x': 'NaN' is not a finite number");
        // No header: its first row would have been taken for one, and lost.
        Path headless = dir.resolve("headless.csv");
        Files.writeString(headless, "1.5,2,0\n3,4,1\n");
        assertThatThrownBy(() -> CsvLoader.read(headless, null, Task.CLASSIFICATION)).hasMessage("csv " + headless
                + ": the first line must name the columns, but it is all numbers (1.5,2,0): add a header line");
        // Whole numbers may be names: pandas writes 0,1,2 for columns it has no names for.
        Path pandas = dir.resolve("pandas.csv");
        Files.writeString(pandas, "0,1,2\n1.5,2,a\n3,4,b\n");
        assertThat(CsvLoader.read(pandas, null, Task.CLASSIFICATION).size()).isEqualTo(2);
        // Other whole numbers are data (a first row of counts or class ids was taken for names, and lost).
        Path counts = dir.resolve("counts.csv");
        Files.writeString(counts, "1,2,1\n0,3,0\n2,2,1\n");
        assertThatThrownBy(() -> CsvLoader.read(counts, null, Task.CLASSIFICATION)).hasMessage("csv " + counts
                + ": the first line must name the columns, but it is all numbers (1,2,1): add a header line");
        assertThatThrownBy(() -> CsvLoader.read(dir.resolve("none.csv"), null, Task.CLASSIFICATION))
                .hasMessage("csv " + dir.resolve("none.csv") + ": no such file");
    }

    @Test
    void aCsvOnThisMachineIsCheckedWhenASpecIsReadOneElsewhereWhereItsTrialsRun() throws IOException {
        Path csv = dir.resolve("here.csv");
        Files.writeString(csv, "a,label\n1,x\n2,y\n3,x\n4,y\n5,x\n");
        DatasetRegistry registry = DatasetRegistry.withBuiltIns();
        registry.check("csv:" + csv, 0);
        assertThatThrownBy(() -> registry.check("csv:" + csv + "?task=regresion", 0))
                .hasMessage("dataset csv:" + csv + ": option task must be classification or regression, got 'regresion'");
        assertThatThrownBy(() -> registry.check("csv:" + csv + "?lable=a", 0)).hasMessageContaining("unknown option 'lable'");
        registry.check("csv:" + dir.resolve("on-the-workers.csv") + "?task=regression", 0); // not here: not loaded
    }

    @Test
    void aCsvChangedOrRemovedSinceItWasReadIsReadAgain() throws IOException {
        // A long-lived worker trained on the first file's data after it was rewritten, and after it was deleted.
        Path csv = dir.resolve("changes.csv");
        Files.writeString(csv, "a,label\n1,x\n2,y\n3,x\n4,y\n5,x\n");
        DatasetRegistry registry = DatasetRegistry.withBuiltIns();
        DataSplit first = registry.load("csv:" + csv, 0);
        assertThat(registry.load("csv:" + csv, 0)).isSameAs(first); // unchanged: kept

        Files.writeString(csv, "a,label\n1,x\n2,y\n3,x\n4,y\n5,x\n6,y\n7,x\n");
        Files.setLastModifiedTime(csv, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(csv).toMillis() + 2000)); // a coarse clock could give both writes one time
        DataSplit second = registry.load("csv:" + csv, 0);
        assertThat(second.train().size() + second.validation().size()).isEqualTo(7);
        assertThat(registry.load("csv:" + csv, 0)).isSameAs(second);

        Files.delete(csv);
        assertThatThrownBy(() -> registry.load("csv:" + csv, 0)).hasMessageContaining(csv.toString());
    }

    @Test
    void registryStandardisesCsvWithTrainingStatistics() throws IOException {
        Path csv = dir.resolve("s.csv");
        StringBuilder text = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 50; i++) {
            text.append(i * 10 + 3).append(',').append(7).append(',').append(i % 2 == 0 ? "even" : "odd").append('\n');
        }
        Files.writeString(csv, text);

        DataSplit split = DatasetRegistry.withBuiltIns().load("csv:" + csv + "?validation=0.2", 1);

        assertThat(split.train().size()).isEqualTo(40);
        assertThat(split.validation().size()).isEqualTo(10);
        double mean = 0;
        double sq = 0;
        float[] x = split.train().features();
        for (int i = 0; i < 40; i++) {
            mean += x[2 * i] / 40.0;
            sq += x[2 * i] * x[2 * i] / 40.0;
            assertThat(x[2 * i + 1]).isZero(); // constant feature: centred only
        }
        assertThat(mean).isCloseTo(0, within(1e-5));
        assertThat(sq).isCloseTo(1, within(1e-4));
    }
}
