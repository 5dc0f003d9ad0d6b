package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.StudySpecParser;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.cluster.ClusterStudy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a cluster node builds a submitted study from the spec stored with it. */
class SpecStudiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryStorage storage = new InMemoryStorage();
    private final StudySpecParser parser = new StudySpecParser(Trainables.builtIn());
    private final SpecStudies studies = new SpecStudies(storage, Trainables.builtIn());

    /** What StudyService.submit stores: the study and its spec as an attribute. */
    private StudySpec submit(String json) {
        StudySpec spec = parser.parse(json);
        StudyService.study(spec, storage);
        storage.setStudyAttr(spec.name(), StudyService.ATTR_SPEC, JSON.convertValue(StudySpecParser.toJson(spec), Map.class));
        return spec;
    }

    @Test
    void aSubmittedStudyIsBuiltFromItsSpecOnceAndRunsItsObjective() {
        submit(Api.quadratic("q", 3, 2, 0));
        ClusterStudy first = studies.resolve("q").orElseThrow();
        assertThat(studies.resolve("q").orElseThrow()).isSameAs(first);
        assertThat(first.study().name()).isEqualTo("q");

        first.study().optimize(first.objective(), OptimizeOptions.builder().optTrials(1).build());
        FrozenTrial trial = storage.trials("q").get(0);
        assertThat(trial.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(trial.params()).containsOnlyKeys("x", "k", "opt");
        assertThat(trial.intermediateValues()).hasSize(2);
        assertThat(studies.stopped("q")).isFalse();
    }

    @Test
    void aStudySubmittedAgainWithAnotherSpecIsBuiltAgain() {
        submit(Api.quadratic("q", 3, 2, 0));
        ClusterStudy first = studies.resolve("q").orElseThrow();
        storage.deleteStudy("q");
        assertThat(studies.resolve("q")).isEmpty();
        submit(Api.quadratic("q", 5, 1, 0));
        ClusterStudy second = studies.resolve("q").orElseThrow();
        assertThat(second).isNotSameAs(first);
        second.study().optimize(second.objective(), OptimizeOptions.builder().optTrials(1).build());
        assertThat(storage.trials("q").get(0).intermediateValues()).hasSize(1);
    }

    @Test
    void studiesWithoutASpecOrGoneAreNotRunAndCountAsStopped() {
        storage.createStudy("user-code", Direction.MINIMIZE);
        assertThat(studies.resolve("user-code")).isEmpty();
        assertThat(studies.resolve("nope")).isEmpty();
        assertThat(studies.stopped("nope")).isTrue();

        submit(Api.quadratic("q", 3, 1, 0));
        storage.setStudyAttr("q", StudyService.ATTR_STOPPED, true);
        assertThat(studies.stopped("q")).isTrue();
        storage.setStudyAttr("q", StudyService.ATTR_STOPPED, false);
        assertThat(studies.stopped("q")).isFalse();
    }

    @Test
    void aStoredSpecThisBuildCannotRunIsNotResolved() {
        submit(Api.quadratic("q", 3, 1, 0));
        SpecStudies without = new SpecStudies(storage, new Trainables(java.util.List.of()));
        assertThat(without.resolve("q")).isEmpty();
    }
}
