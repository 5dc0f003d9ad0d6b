package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.core.Direction;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerRuntimeTest {
    @Test
    void aProgramServesTheDashboardOverTheStorageItKeepsAndRunsItsStudy(@TempDir Path dir) {
        try (MapDbStorage storage = MapDbStorage.open(dir.resolve("own.db"))) {
            Study study = Study.builder("own").direction(Direction.MINIMIZE).sampler(new RandomSampler(1))
                    .storage(storage).create();
            try (ServerRuntime dashboard = ServerRuntime.startOn(storage, 0, Devices.cpu(1), Trainables.builtIn())) {
                Api api = new Api(dashboard.port());
                study.optimize(trial -> trial.suggestFloat("x", -1, 1) * 2, 3);
                // The program's own trials, as they are written: the server reads the storage the program writes.
                JsonNode seen = api.get("/api/studies/own").json();
                assertThat(seen.get("finished").asInt()).isEqualTo(3);
                assertThat(seen.get("best").get("params").has("x")).isTrue();
                // A spec submitted to it runs here.
                assertThat(api.post("/api/studies", Api.quadratic("submitted", 2, 1, 0)).status()).isEqualTo(201);
                api.awaitJson("/api/studies/submitted", s -> s.get("state").asText().equals("complete"),
                        Duration.ofSeconds(60));
            }
            // Closing the dashboard leaves the program's storage open and its study going on.
            study.optimize(trial -> trial.suggestFloat("x", -1, 1), 1);
            assertThat(storage.trials("own")).hasSize(4);
            assertThat(storage.trials("submitted")).hasSize(2);
        }
    }
}
