package dev.tuna.worker.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.tuna.core.Direction;
import dev.tuna.core.TrialState;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Every trial closes its model, trainer and NDManager: 50 trials in one JVM must not grow the resident memory
 * by more than 150 MB. Each trial holds about 7 MB of native arrays (a 784-512-10 MLP: weights, gradients and
 * Adam's two moments), so leaking them would add about 350 MB; DJL's own Adam, which leaks its moments (see
 * {@code OptimizerStates}), would add about 160 MB.
 */
class NativeMemoryTest {
    private static final long BOUND_KB = 150 * 1024;

    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "reads VmRSS from /proc/self/status")
    void fiftyTrialsDoNotGrowResidentMemory() throws IOException {
        Trainable mlp = TrainableRegistry.defaults().create("mlp",
                Map.of("dataset", "mnist?samples=1000", "epochs", 1, "units", 512, "batchSize", 128), Map.of());
        Study warmUp = Study.builder("warm-up").direction(Direction.MAXIMIZE).create();
        warmUp.optimize(mlp.asObjective(Device.cpu()), OptimizeOptions.builder().optTrials(8).build());
        System.gc();
        long before = residentKb();

        Study study = Study.builder("fifty").direction(Direction.MAXIMIZE).create();
        study.optimize(mlp.asObjective(Device.cpu()), OptimizeOptions.builder().optTrials(50).build());
        System.gc();
        long after = residentKb();

        assertThat(study.trials(TrialState.COMPLETE)).hasSize(50);
        assertThat(after - before).as("VmRSS growth in kB over 50 trials (%d -> %d)", before, after).isLessThan(BOUND_KB);
    }

    static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
