package dev.tuna.web.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StudyBoundStorage;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.search.Study;
import dev.tuna.web.spec.ObjectiveFactory;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.StudySpecParser;
import dev.tuna.worker.cluster.ClusterStudies;
import dev.tuna.worker.cluster.ClusterStudy;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a cluster node finds the studies submitted to any server of the cluster: from the spec stored with the study
 * (study attribute {@value StudyService#ATTR_SPEC}), built exactly as {@link StudyService} builds it
 * ({@link StudyService#study(StudySpec, Storage)} and the objective factory). The study is built once per stored
 * study (its spec and creation time): a study deleted and submitted again under the same name is built again, and
 * the trials of the deleted one that still run cannot write into the new one ({@link StudyBoundStorage}).
 */
public final class SpecStudies implements ClusterStudies {
    private static final Logger LOG = LoggerFactory.getLogger(SpecStudies.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Storage storage;
    private final ObjectiveFactory trainables;
    private final StudySpecParser parser;
    private final Map<String, Built> built = new ConcurrentHashMap<>();

    /** A study built from a spec, and the stored study it came from (its spec and creation time). */
    private record Built(Object rawSpec, Instant created, ClusterStudy study) {
        boolean of(StudyInfo info, Object raw) {
            return Objects.equals(rawSpec, raw) && created.equals(info.created());
        }
    }

    public SpecStudies(Storage storage, ObjectiveFactory trainables) {
        this.storage = storage;
        this.trainables = trainables;
        this.parser = new StudySpecParser(trainables);
    }

    @Override
    public Optional<ClusterStudy> resolve(String name) {
        Optional<StudyInfo> info = storage.findStudy(name);
        Object raw = info.map(i -> i.attrs().get(StudyService.ATTR_SPEC)).orElse(null);
        if (raw == null) {
            // Deleted, or created by user code rather than submitted: nothing this node can run.
            built.remove(name);
            return Optional.empty();
        }
        Built b = built.get(name);
        if (b != null && b.of(info.get(), raw)) {
            return Optional.of(b.study());
        }
        synchronized (this) {
            b = built.get(name);
            if (b == null || !b.of(info.get(), raw)) {
                try {
                    StudySpec spec = parser.parseStored(JSON.valueToTree(raw));
                    Instant created = info.get().created();
                    Study study = StudyService.study(spec, storage); // bound to the study as it is now (see Study)
                    b = new Built(raw, created, new ClusterStudy(study, trainables.create(spec),
                            spec.trialTimeout().orElse(null)));
                } catch (RuntimeException e) {
                    LOG.warn("study '{}': its stored spec cannot run on this node: {}", name, e.getMessage());
                    return Optional.empty();
                }
                built.put(name, b);
            }
            return Optional.of(b.study());
        }
    }

    @Override
    public boolean stopped(String name) {
        // A study that is gone counts as stopped: its trials have nowhere to go.
        return storage.findStudy(name)
                .map(i -> Boolean.TRUE.equals(i.attrs().get(StudyService.ATTR_STOPPED)))
                .orElse(true);
    }
}
