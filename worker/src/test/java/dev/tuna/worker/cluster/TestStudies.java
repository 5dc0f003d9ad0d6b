package dev.tuna.worker.cluster;

import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.search.Objective;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The {@link ClusterStudies} of a test node: its own storage on the shared database (as another process would
 * have), studies built on it by name with a sampler of their own, one objective for all, and the study
 * attribute {@value #ATTR_STOPPED} as the stop flag.
 */
final class TestStudies implements ClusterStudies, AutoCloseable {
    /** Study attribute: a user stopped the study. */
    static final String ATTR_STOPPED = "stopped";

    private final PostgresStorage storage;
    private final Supplier<Sampler> samplers;
    private final Objective objective;
    private final Map<String, ClusterStudy> studies = new ConcurrentHashMap<>();

    TestStudies(String url, Supplier<Sampler> samplers, Objective objective) {
        this(url, PostgresStorage.DEFAULT_STALE_AFTER, samplers, objective);
    }

    TestStudies(String url, Duration staleAfter, Supplier<Sampler> samplers, Objective objective) {
        this.storage = PostgresStorage.open(url, "postgres", null, staleAfter);
        this.samplers = samplers;
        this.objective = objective;
    }

    PostgresStorage storage() {
        return storage;
    }

    @Override
    public Optional<ClusterStudy> resolve(String study) {
        if (storage.findStudy(study).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(studies.computeIfAbsent(study, name -> new ClusterStudy(
                Study.builder(name).sampler(samplers.get()).storage(storage).create(), objective)));
    }

    @Override
    public boolean stopped(String study) {
        // A study that is gone counts as stopped: its trials have nowhere to go.
        return storage.findStudy(study).map(i -> Boolean.TRUE.equals(i.attrs().get(ATTR_STOPPED))).orElse(true);
    }

    @Override
    public void close() {
        storage.close();
    }
}
