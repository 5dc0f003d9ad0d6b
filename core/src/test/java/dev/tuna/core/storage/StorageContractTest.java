package dev.tuna.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract of {@link Storage} (see its javadoc), run against every backend, the way Optuna tests its
 * storages: a backend's test class extends this one, or {@link DurableStorageContractTest} for a storage that
 * outlives its process, and only says how to build an empty storage.
 *
 * <p>Shipped in tuna-core's test-jar so that backends in other modules run the same suite; it depends on nothing
 * but the core API, JUnit 5 and AssertJ.
 */
public abstract class StorageContractTest {

    protected static final FloatDistribution LR = new FloatDistribution(1e-5, 1e-1, true, null);
    protected static final FloatDistribution DROPOUT = new FloatDistribution(0.0, 0.5, false, 0.1);
    protected static final IntDistribution UNITS = new IntDistribution(16, 512, true, 1);
    protected static final IntDistribution LAYERS = new IntDistribution(1, 9, false, 2);
    protected static final CategoricalDistribution OPTIMIZER = CategoricalDistribution.of(List.of("adam", "sgd", 1, 2.5, true));

    /** The storage under test, opened before each test and closed after it. */
    protected Storage storage;

    /** A new storage holding no study. Called once before each test. */
    protected abstract Storage newStorage();

    @BeforeEach
    void openStorage() {
        storage = newStorage();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) {
            storage.close();
        }
    }

    /** Creates a study that minimises. */
    protected String study(String name) {
        storage.createStudy(name, Direction.MINIMIZE);
        return name;
    }

    // ---------------------------------------------------------------- studies

    @Test
    void createdStudyCanBeFound() {
        StudyInfo info = storage.createStudy("mlp", Direction.MAXIMIZE);

        assertThat(info.name()).isEqualTo("mlp");
        assertThat(info.direction()).isEqualTo(Direction.MAXIMIZE);
        assertThat(info.created()).isNotNull();
        assertThat(info.attrs()).isEmpty();
        assertThat(storage.findStudy("mlp")).contains(info);
        assertThat(storage.findStudy("other")).isEmpty();
    }

    @Test
    void studiesAreListedInTheOrderTheyWereCreated() {
        assertThat(storage.studies()).isEmpty();
        for (String name : List.of("zeta", "alpha", "mid")) {
            study(name);
        }

        assertThat(storage.studies()).extracting(StudyInfo::name).containsExactly("zeta", "alpha", "mid");
    }

    /** A finished trial as another process or tool could give it: parameters, value, a curve, a user attribute. */
    static FrozenTrial ranElsewhere(TrialState state, Double value) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("lr", 0.01);
        params.put("opt", "sgd");
        Map<String, Distribution> distributions = new LinkedHashMap<>();
        distributions.put("lr", new FloatDistribution(1e-4, 1, true, null));
        distributions.put("opt", CategoricalDistribution.of(List.of("adam", "sgd")));
        java.util.TreeMap<Integer, Double> curve = new java.util.TreeMap<>(Map.of(1, 0.5, 2, 0.75));
        return new FrozenTrial(99, state, params, distributions, value, curve, Map.of("val_loss", new java.util.TreeMap<>(
                Map.of(2, 0.3))), Map.of("source", "optuna"), null, null, null, state == TrialState.PRUNED ? "pruned" : null);
    }

    @Test
    void aTrialThatRanElsewhereIsAddedAsGivenAfterTheLastOne() {
        study("s");
        storage.enqueueTrial("s", Map.of("lr", 0.1));
        FrozenTrial added = storage.addTrial("s", ranElsewhere(TrialState.COMPLETE, 0.75));
        FrozenTrial pruned = storage.addTrial("s", ranElsewhere(TrialState.PRUNED, 0.5));

        assertThat(added.number()).isEqualTo(1);
        assertThat(pruned.number()).isEqualTo(2);
        for (FrozenTrial t : List.of(added, storage.trial("s", 1))) {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            assertThat(t.value()).isEqualTo(0.75);
            assertThat(t.params()).containsExactly(Map.entry("lr", 0.01), Map.entry("opt", "sgd"));
            assertThat(t.distributions()).isEqualTo(ranElsewhere(TrialState.COMPLETE, 0.75).distributions());
            assertThat(t.intermediateValues()).containsExactly(Map.entry(1, 0.5), Map.entry(2, 0.75));
            assertThat(t.metric("val_loss")).containsExactly(Map.entry(2, 0.3));
            assertThat(t.userAttrs()).containsExactly(Map.entry("source", "optuna"));
            assertThat(t.start()).isNotNull();
            assertThat(t.end()).isNotNull();
        }
        assertThat(storage.trial("s", 2).reason()).isEqualTo("pruned");
        // The queued trial still waits, and is the next to start.
        assertThat(storage.startTrial("s").number()).isZero();
        assertThat(storage.startTrial("s").number()).isEqualTo(3);
    }

    @Test
    void aTrialToAddThatIsNotFinishedOrDoesNotFitItsDistributionsIsRefusedAndNothingIsAdded() {
        study("s");
        assertThatIllegalArgumentException().isThrownBy(() -> storage.addTrial("s", ranElsewhere(TrialState.RUNNING, null)))
                .withMessageContaining("must be finished");
        assertThatIllegalArgumentException().isThrownBy(() -> storage.addTrial("s", ranElsewhere(TrialState.COMPLETE, null)));
        assertThatIllegalArgumentException().isThrownBy(() -> storage.addTrial("s", ranElsewhere(TrialState.COMPLETE, Double.NaN)))
                .withMessageContaining("cannot be NaN");
        assertThatIllegalArgumentException().isThrownBy(() -> storage.addTrial("s", ranElsewhere(TrialState.PRUNED, Double.NaN)))
                .withMessageContaining("cannot be NaN");
        assertThatIllegalArgumentException().isThrownBy(() -> storage.addTrial("s", ranElsewhere(TrialState.FAIL, 1.0)))
                .withMessageContaining("a FAIL trial has no value");
        FrozenTrial good = ranElsewhere(TrialState.COMPLETE, 1.0);
        Map<String, Object> outside = new LinkedHashMap<>(good.params());
        outside.put("lr", 5.0);
        assertThatExceptionOfType(dev.tuna.core.InvalidParameterException.class).isThrownBy(() -> storage.addTrial("s",
                new FrozenTrial(0, TrialState.COMPLETE, outside, good.distributions(), 1.0, null, null, null, null, null, null,
                        null))).withMessageStartingWith("parameter 'lr': ");
        assertThatIllegalArgumentException().isThrownBy(() -> storage.addTrial("s", new FrozenTrial(0, TrialState.COMPLETE,
                Map.of("lr", 0.01), Map.of(), 1.0, null, null, null, null, null, null, null)))
                .withMessageContaining("a distribution for each parameter");
        assertThatExceptionOfType(StudyNotFoundException.class).isThrownBy(() -> storage.addTrial("none", good));
        java.time.Instant noon = java.time.Instant.parse("2026-01-01T12:00:00Z");
        assertThatIllegalArgumentException().isThrownBy(() -> storage.addTrial("s", timed(good, noon, noon.minusSeconds(1))))
                .withMessageContaining("before it starts");
        assertThat(storage.trials("s")).isEmpty();
        // A time not given is the other one: an end alone is no negative duration.
        FrozenTrial ended = storage.addTrial("s", timed(good, null, noon));
        assertThat(ended.start()).isEqualTo(noon);
        assertThat(ended.duration()).isZero();
        assertThat(storage.addTrial("s", timed(good, noon, null)).duration()).isPositive();
        // Finished here, a pruned trial takes no NaN either (a study gives it none).
        int running = storage.startTrial("s").number();
        assertThatIllegalArgumentException().isThrownBy(() -> storage.finishTrial("s", running, TrialState.PRUNED,
                Double.NaN, "pruned")).withMessageContaining("cannot be NaN");
    }

    private static FrozenTrial timed(FrozenTrial t, java.time.Instant start, java.time.Instant end) {
        return new FrozenTrial(t.number(), t.state(), t.params(), t.distributions(), t.value(), t.intermediateValues(),
                t.metrics(), t.userAttrs(), t.systemAttrs(), start, end, t.reason());
    }

    @Test
    void aStudyCreatedWithAttributesHasThemFromTheStartAndATakenNameKeepsItsOwn() {
        Map<String, Object> spec = new java.util.HashMap<>(Map.of("trials", 20, "sampler", Map.of("type", "gp")));
        StudyInfo info = storage.createStudy("with", Direction.MAXIMIZE, Map.of("spec", spec, "user:team", "vision"));
        spec.put("trials", 99); // a copy was stored

        for (StudyInfo read : List.of(info, storage.findStudy("with").orElseThrow())) {
            assertThat(read.attrs()).containsOnlyKeys("spec", "user:team");
            assertThat(read.attrs().get("spec")).isEqualTo(Map.of("trials", 20, "sampler", Map.of("type", "gp")));
            assertThat(read.userAttrs()).containsExactly(Map.entry("team", "vision"));
        }
        assertThatThrownBy(() -> storage.createStudy("with", Direction.MINIMIZE, Map.of("spec", Map.of())))
                .isInstanceOf(StudyExistsException.class);
        assertThat(storage.findStudy("with").orElseThrow().attrs().get("spec")).isEqualTo(
                Map.of("trials", 20, "sampler", Map.of("type", "gp")));
    }

    @Test
    void aTakenStudyNameIsRejected() {
        storage.createStudy("taken", Direction.MINIMIZE);

        assertThatThrownBy(() -> storage.createStudy("taken", Direction.MAXIMIZE))
                .isInstanceOf(StudyExistsException.class)
                .hasMessageContaining("taken");
        assertThat(storage.findStudy("taken").orElseThrow().direction()).isEqualTo(Direction.MINIMIZE);
        assertThat(storage.studies()).hasSize(1);
    }

    @Test
    void everyOperationOnAMissingStudyThrowsStudyNotFound() {
        study("present");
        List<Runnable> operations = List.of(
                () -> storage.deleteStudy("ghost"),
                () -> storage.setStudyAttr("ghost", "k", "v"),
                () -> storage.enqueueTrial("ghost", Map.of("x", 1)),
                () -> storage.startTrial("ghost"),
                () -> storage.setParam("ghost", 0, "x", LAYERS, 1),
                () -> storage.report("ghost", 0, 1, 0.5, Map.of()),
                () -> storage.setUserAttr("ghost", 0, "k", "v"),
                () -> storage.setSystemAttr("ghost", 0, "k", "v"),
                () -> storage.finishTrial("ghost", 0, TrialState.COMPLETE, 1.0, null),
                () -> storage.trial("ghost", 0),
                () -> storage.trials("ghost"),
                () -> storage.trials("ghost", Set.of(TrialState.RUNNING)));
        for (int i = 0; i < operations.size(); i++) {
            assertThatExceptionOfType(StudyNotFoundException.class)
                    .as("operation %d", i)
                    .isThrownBy(operations.get(i)::run)
                    .withMessageContaining("ghost");
        }
        assertThat(storage.studies()).extracting(StudyInfo::name).containsExactly("present");
    }

    @Test
    void studyAttrsAreSetAndReplaced() {
        study("s");
        Map<String, Object> spec = Map.of("trials", 30, "space", Map.of("lr", Map.of("type", "float", "low", 1e-4)));
        storage.setStudyAttr("s", "spec", spec);
        storage.setStudyAttr("s", "owner", "ann");
        storage.setStudyAttr("s", "owner", "bob");

        StudyInfo info = storage.findStudy("s").orElseThrow();
        assertThat(info.attrs()).isEqualTo(Map.of("spec", spec, "owner", "bob"));
        assertThat(storage.studies()).containsExactly(info);
    }

    @Test
    void deleteStudyRemovesTheStudyAndItsTrials() {
        study("doomed");
        study("kept");
        storage.startTrial("doomed");
        storage.enqueueTrial("doomed", Map.of("x", 1));
        FrozenTrial kept = storage.startTrial("kept");

        storage.deleteStudy("doomed");

        assertThat(storage.findStudy("doomed")).isEmpty();
        assertThat(storage.studies()).extracting(StudyInfo::name).containsExactly("kept");
        assertThatThrownBy(() -> storage.trials("doomed")).isInstanceOf(StudyNotFoundException.class);
        assertThat(storage.trials("kept")).containsExactly(kept);

        // A new study of the same name starts from nothing.
        study("doomed");
        assertThat(storage.trials("doomed")).isEmpty();
        assertThat(storage.startTrial("doomed").number()).isZero();
    }

    // ------------------------------------------------------------- trials

    @Test
    void startTrialNumbersTrialsFromZeroInEachStudy() {
        study("a");
        study("b");

        List<FrozenTrial> started = new ArrayList<>();
        for (String s : List.of("a", "b", "a", "a", "b")) {
            started.add(storage.startTrial(s));
        }

        assertThat(started).extracting(FrozenTrial::number).containsExactly(0, 0, 1, 2, 1);
        for (FrozenTrial t : started) {
            assertThat(t.state()).isEqualTo(TrialState.RUNNING);
            assertThat(t.start()).isNotNull();
            assertThat(t.end()).isNull();
            assertThat(t.value()).isNull();
            assertThat(t.reason()).isNull();
            assertThat(t.params()).isEmpty();
            assertThat(t.intermediateValues()).isEmpty();
        }
        assertThat(storage.trials("a")).extracting(FrozenTrial::number).containsExactly(0, 1, 2);
        assertThat(storage.trials("b")).extracting(FrozenTrial::number).containsExactly(0, 1);
        assertThat(storage.trial("a", 1)).isEqualTo(started.get(2));
    }

    @Test
    void enqueuedTrialWaitsWithItsFixedParams() {
        study("s");
        Map<String, Object> fixed = Map.of("lr", 1e-3, "units", 128, "optimizer", "adam");

        FrozenTrial t = storage.enqueueTrial("s", fixed);

        assertThat(t.number()).isZero();
        assertThat(t.state()).isEqualTo(TrialState.WAITING);
        assertThat(t.start()).isNull();
        assertThat(t.end()).isNull();
        assertThat(t.params()).isEmpty();
        assertThat(t.fixedParams()).isEqualTo(fixed);
        assertThat(t.systemAttrs()).containsEntry(FrozenTrial.ATTR_FIXED_PARAMS, fixed);
        assertThat(storage.trials("s")).containsExactly(t);
    }

    @Test
    void startTrialClaimsTheOldestWaitingTrialFirst() {
        study("s");
        assertThat(storage.startTrial("s").number()).isZero();
        storage.enqueueTrial("s", Map.of("x", 1));
        storage.enqueueTrial("s", Map.of("x", 2));

        FrozenTrial first = storage.startTrial("s");
        FrozenTrial second = storage.startTrial("s");
        FrozenTrial fresh = storage.startTrial("s");

        assertThat(first.number()).isEqualTo(1);
        assertThat(first.state()).isEqualTo(TrialState.RUNNING);
        assertThat(first.start()).isNotNull();
        assertThat(first.fixedParams()).isEqualTo(Map.of("x", 1));
        assertThat(second.number()).isEqualTo(2);
        assertThat(second.fixedParams()).isEqualTo(Map.of("x", 2));
        assertThat(fresh.number()).isEqualTo(3);
        assertThat(fresh.fixedParams()).isEmpty();
        assertThat(storage.trials("s", Set.of(TrialState.WAITING))).isEmpty();
    }

    @Test
    void setParamKeepsTheDistributionAndShowsTheExternalValue() {
        study("s");
        int n = storage.startTrial("s").number();

        storage.setParam("s", n, "lr", LR, 1e-3);
        storage.setParam("s", n, "dropout", DROPOUT, 0.2);
        storage.setParam("s", n, "units", UNITS, 128);
        storage.setParam("s", n, "layers", LAYERS, 5);
        storage.setParam("s", n, "optimizer", OPTIMIZER, 1);
        storage.setParam("s", n, "flag", OPTIMIZER, 4);

        FrozenTrial t = storage.trial("s", n);
        assertThat(t.params()).containsExactly(
                Map.entry("lr", 1e-3), Map.entry("dropout", 0.2), Map.entry("units", 128),
                Map.entry("layers", 5), Map.entry("optimizer", "sgd"), Map.entry("flag", true));
        assertThat(t.params().get("units")).isInstanceOf(Integer.class);
        assertThat(t.params().get("lr")).isInstanceOf(Double.class);
        assertThat(t.distributions()).containsExactly(
                Map.entry("lr", LR), Map.entry("dropout", DROPOUT), Map.entry("units", UNITS),
                Map.entry("layers", LAYERS), Map.entry("optimizer", OPTIMIZER), Map.entry("flag", OPTIMIZER));
    }

    @Test
    void setParamRejectsAValueOutsideItsDistribution() {
        study("s");
        int n = storage.startTrial("s").number();
        Map<String, Runnable> attempts = new LinkedHashMap<>();
        attempts.put("too_high", () -> storage.setParam("s", n, "too_high", LR, 0.5));
        attempts.put("off_grid", () -> storage.setParam("s", n, "off_grid", DROPOUT, 0.25));
        attempts.put("fraction", () -> storage.setParam("s", n, "fraction", LAYERS, 2.5));
        attempts.put("off_step", () -> storage.setParam("s", n, "off_step", LAYERS, 2));
        attempts.put("no_choice", () -> storage.setParam("s", n, "no_choice", OPTIMIZER, 5));
        attempts.put("not_a_number", () -> storage.setParam("s", n, "not_a_number", DROPOUT, Double.NaN));

        attempts.forEach((name, attempt) -> assertThatIllegalArgumentException()
                .as(name)
                .isThrownBy(attempt::run)
                .withMessageContaining(name));
        assertThat(storage.trial("s", n).params()).isEmpty();
        assertThat(storage.trial("s", n).distributions()).isEmpty();
    }

    @Test
    void aParameterCannotBeSetTwice() {
        study("s");
        int n = storage.startTrial("s").number();
        storage.setParam("s", n, "layers", LAYERS, 3);

        assertThatThrownBy(() -> storage.setParam("s", n, "layers", LAYERS, 5))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("layers");
        assertThat(storage.trial("s", n).params()).isEqualTo(Map.of("layers", 3));
    }

    @Test
    void reportRecordsValuesAndMetricsByStep() {
        study("s");
        int n = storage.startTrial("s").number();

        storage.report("s", n, 2, 0.40, Map.of("train_loss", 1.2));
        storage.report("s", n, 1, 0.50, Map.of());
        storage.report("s", n, 1, 0.45, Map.of());                      // replaces step 1's value
        storage.report("s", n, 2, null, Map.of("val_loss", 1.5));         // merged; keeps step 2's value
        storage.report("s", n, 2, null, Map.of("train_loss", 1.1));       // replaces step 2's train_loss
        storage.report("s", n, 3, null, Map.of("lr", 1e-3));              // metrics only

        FrozenTrial t = storage.trial("s", n);
        assertThat(t.intermediateValues()).containsExactly(Map.entry(1, 0.45), Map.entry(2, 0.40));
        assertThat(t.metrics()).containsOnlyKeys("train_loss", "val_loss", "lr");
        assertThat(t.metric("train_loss")).containsExactly(Map.entry(2, 1.1));
        assertThat(t.metric("val_loss")).containsExactly(Map.entry(2, 1.5));
        assertThat(t.metric("lr")).containsExactly(Map.entry(3, 1e-3));
        assertThat(t.lastStep()).isEqualTo(2);
        assertThat(t.lastIntermediateValue()).isEqualTo(0.40);
    }

    @Test
    void nanAndInfiniteIntermediateValuesAreStoredAsIs() {
        study("s");
        int n = storage.startTrial("s").number();

        storage.report("s", n, 0, Double.NaN, Map.of("grad_norm", Double.POSITIVE_INFINITY));
        storage.report("s", n, 1, Double.POSITIVE_INFINITY, Map.of("grad_norm", Double.NaN));
        storage.report("s", n, 2, Double.NEGATIVE_INFINITY, Map.of());

        FrozenTrial t = storage.trial("s", n);
        assertThat(t.intermediateValues().get(0)).isNaN();
        assertThat(t.intermediateValues().get(1)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(t.intermediateValues().get(2)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(t.metric("grad_norm").get(0)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(t.metric("grad_norm").get(1)).isNaN();
    }

    @Test
    void trialsFromANumberAreThoseNumberedFromItOn() {
        study("s");
        for (int i = 0; i < 4; i++) {
            int n = storage.startTrial("s").number();
            storage.report("s", n, 1, i * 2.0, Map.of("loss", i * 3.0));
            if (i < 2) {
                storage.finishTrial("s", n, TrialState.COMPLETE, (double) i, null);
            }
        }
        assertThat(storage.trialsFrom("s", 0)).isEqualTo(storage.trials("s"));
        assertThat(storage.trialsFrom("s", 2)).isEqualTo(storage.trials("s").subList(2, 4));
        assertThat(storage.trialsFrom("s", 4)).isEmpty();
        assertThat(storage.trialsFrom("s", 99)).isEmpty();
        assertThatThrownBy(() -> storage.trialsFrom("s", -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("from must be at least 0, got -1");
        assertThatThrownBy(() -> storage.trialsFrom("missing", 0)).isInstanceOf(StudyNotFoundException.class);
    }

    @Test
    void userAndSystemAttrsAreSetAndReplaced() {
        study("s");
        int n = storage.startTrial("s").number();

        storage.setUserAttr("s", n, "note", "first");
        storage.setUserAttr("s", n, "note", "second");
        storage.setUserAttr("s", n, "epochs", 20);
        storage.setUserAttr("s", n, "sizes", List.of(1, 2, 3));
        storage.setUserAttr("s", n, "nan", Double.NaN);
        storage.setUserAttr("s", n, "inf", Double.NEGATIVE_INFINITY);
        storage.setSystemAttr("s", n, FrozenTrial.ATTR_STACK_TRACE, "java.lang.Error: x");
        storage.setSystemAttr("s", n, "device", "gpu:0");

        FrozenTrial t = storage.trial("s", n);
        assertThat(t.userAttrs()).isEqualTo(Map.of("note", "second", "epochs", 20, "sizes", List.of(1, 2, 3),
                "nan", Double.NaN, "inf", Double.NEGATIVE_INFINITY));
        assertThat(t.systemAttrs()).isEqualTo(Map.of(FrozenTrial.ATTR_STACK_TRACE, "java.lang.Error: x", "device", "gpu:0"));
    }

    @Test
    void systemAttrsAreSetTogetherInOrder() {
        study("s");
        int n = storage.startTrial("s").number();
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("job", "j-1");
        attrs.put("node", "n-1");
        attrs.put("device", "gpu:0");

        storage.setSystemAttrs("s", n, attrs);
        storage.setSystemAttrs("s", n, Map.of("node", "n-2"));
        int waiting = storage.enqueueTrial("s", Map.of()).number();
        storage.setSystemAttrs("s", waiting, Map.of("origin", "warm start"));

        assertThat(storage.trial("s", n).systemAttrs())
                .containsExactly(Map.entry("job", "j-1"), Map.entry("node", "n-2"), Map.entry("device", "gpu:0"));
        assertThat(storage.trial("s", waiting).systemAttrs()).containsEntry("origin", "warm start");
    }

    @Test
    void aWaitingTrialTakesOnlySystemAttrsUntilItStarts() {
        study("s");
        int n = storage.enqueueTrial("s", Map.of("layers", 3)).number();

        assertThatThrownBy(() -> storage.setParam("s", n, "layers", LAYERS, 3)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> storage.report("s", n, 1, 0.5, Map.of())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "k", "v")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> storage.finishTrial("s", n, TrialState.COMPLETE, 1.0, null))
                .isInstanceOf(IllegalStateException.class);
        storage.setSystemAttr("s", n, "origin", "warm start");

        FrozenTrial t = storage.trial("s", n);
        assertThat(t.state()).isEqualTo(TrialState.WAITING);
        assertThat(t.params()).isEmpty();
        assertThat(t.systemAttrs()).containsEntry("origin", "warm start").containsKey(FrozenTrial.ATTR_FIXED_PARAMS);
    }

    @Test
    void finishTrialCompletesWithItsValue() {
        study("s");
        int n = storage.startTrial("s").number();
        storage.setParam("s", n, "layers", LAYERS, 3);

        FrozenTrial done = storage.finishTrial("s", n, TrialState.COMPLETE, 0.93, null);

        assertThat(done.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(done.isFinished()).isTrue();
        assertThat(done.value()).isEqualTo(0.93);
        assertThat(done.reason()).isNull();
        assertThat(done.end()).isNotNull().isAfterOrEqualTo(done.start());
        assertThat(done.params()).isEqualTo(Map.of("layers", 3));
        assertThat(storage.trial("s", n)).isEqualTo(done);
    }

    @Test
    void finishTrialPrunesWithTheLastValueAndAReason() {
        study("s");
        int n = storage.startTrial("s").number();
        storage.report("s", n, 3, 0.7, Map.of());

        FrozenTrial done = storage.finishTrial("s", n, TrialState.PRUNED, 0.7, "below the median at step 3");

        assertThat(done.state()).isEqualTo(TrialState.PRUNED);
        assertThat(done.value()).isEqualTo(0.7);
        assertThat(done.reason()).isEqualTo("below the median at step 3");
        assertThat(done.end()).isNotNull().isAfterOrEqualTo(done.start());
        assertThat(done.intermediateValues()).containsExactly(Map.entry(3, 0.7));
        assertThat(storage.trial("s", n)).isEqualTo(done);
    }

    @Test
    void finishTrialFailsWithAReason() {
        study("s");
        int n = storage.startTrial("s").number();
        storage.setSystemAttr("s", n, FrozenTrial.ATTR_STACK_TRACE, "java.lang.IllegalStateException: boom");

        FrozenTrial done = storage.finishTrial("s", n, TrialState.FAIL, null, "IllegalStateException: boom");

        assertThat(done.state()).isEqualTo(TrialState.FAIL);
        assertThat(done.value()).isNull();
        assertThat(done.reason()).isEqualTo("IllegalStateException: boom");
        assertThat(done.end()).isNotNull().isAfterOrEqualTo(done.start());
        assertThat(done.wasInterrupted()).isFalse();
        assertThat(storage.trial("s", n)).isEqualTo(done);
    }

    @Test
    void finishTrialRejectsAnUnfinishedStateOrACompletionWithoutValue() {
        study("s");
        int n = storage.startTrial("s").number();

        assertThatThrownBy(() -> storage.finishTrial("s", n, TrialState.RUNNING, 1.0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RUNNING");
        assertThatThrownBy(() -> storage.finishTrial("s", n, TrialState.WAITING, 1.0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WAITING");
        assertThatThrownBy(() -> storage.finishTrial("s", n, TrialState.COMPLETE, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value");
        assertThat(storage.trial("s", n).state()).isEqualTo(TrialState.RUNNING);
    }

    @ParameterizedTest
    @EnumSource(value = TrialState.class, names = {"COMPLETE", "PRUNED", "FAIL"})
    void aFinishedTrialIsReadOnly(TrialState state) {
        study("s");
        int n = storage.startTrial("s").number();
        storage.setParam("s", n, "layers", LAYERS, 3);
        storage.report("s", n, 1, 0.5, Map.of("loss", 0.9));
        FrozenTrial done = storage.finishTrial("s", n, state, state == TrialState.FAIL ? null : 0.5, null);

        Map<String, Runnable> mutators = new LinkedHashMap<>();
        mutators.put("setParam", () -> storage.setParam("s", n, "units", UNITS, 64));
        mutators.put("setParam again", () -> storage.setParam("s", n, "layers", LAYERS, 5));
        mutators.put("report", () -> storage.report("s", n, 2, 0.4, Map.of()));
        mutators.put("report metrics", () -> storage.report("s", n, 1, null, Map.of("loss", 0.1)));
        mutators.put("setUserAttr", () -> storage.setUserAttr("s", n, "k", "v"));
        mutators.put("setSystemAttr", () -> storage.setSystemAttr("s", n, "k", "v"));
        mutators.put("setSystemAttrs", () -> storage.setSystemAttrs("s", n, Map.of("k", "v")));
        for (TrialState again : List.of(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)) {
            mutators.put("finish as " + again, () -> storage.finishTrial("s", n, again, 1.0, "again"));
        }

        mutators.forEach((name, mutator) -> assertThatIllegalStateException()
                .as(name)
                .isThrownBy(mutator::run)
                .withMessageContaining(String.valueOf(n)));
        assertThat(storage.trial("s", n)).isEqualTo(done);
        // A finished trial is not handed out again.
        assertThat(storage.startTrial("s").number()).isEqualTo(n + 1);
    }

    @Test
    void trialsCanBeFilteredByState() {
        study("s");
        int complete = storage.startTrial("s").number();
        int running = storage.startTrial("s").number();
        int failed = storage.startTrial("s").number();
        int waiting = storage.enqueueTrial("s", Map.of()).number();
        storage.finishTrial("s", complete, TrialState.COMPLETE, 1.0, null);
        storage.finishTrial("s", failed, TrialState.FAIL, null, "boom");

        assertThat(storage.trials("s", Set.of(TrialState.RUNNING))).extracting(FrozenTrial::number).containsExactly(running);
        assertThat(storage.trials("s", Set.of(TrialState.COMPLETE, TrialState.FAIL, TrialState.WAITING)))
                .extracting(FrozenTrial::number).containsExactly(complete, failed, waiting);
        assertThat(storage.trials("s", Set.of(TrialState.PRUNED))).isEmpty();
    }

    @Test
    void aMissingTrialThrowsTrialNotFound() {
        study("s");
        storage.startTrial("s");
        List<IntConsumer> operations = List.of(
                n -> storage.trial("s", n),
                n -> storage.setParam("s", n, "layers", LAYERS, 3),
                n -> storage.report("s", n, 1, 0.5, Map.of()),
                n -> storage.setUserAttr("s", n, "k", "v"),
                n -> storage.setSystemAttr("s", n, "k", "v"),
                n -> storage.finishTrial("s", n, TrialState.COMPLETE, 1.0, null));
        for (int number : new int[] {1, 7, -1}) {
            for (int i = 0; i < operations.size(); i++) {
                IntConsumer operation = operations.get(i);
                assertThatExceptionOfType(TrialNotFoundException.class)
                        .as("operation %d on trial %d", i, number)
                        .isThrownBy(() -> operation.accept(number))
                        .withMessageContaining("'s'")
                        .withMessageContaining(String.valueOf(number));
            }
        }
        assertThat(storage.trials("s")).hasSize(1);
    }

    // ----------------------------------------------------------- snapshots

    @Test
    void snapshotsNeverChangeAfterLaterMutations() {
        StudyInfo info = storage.createStudy("s", Direction.MINIMIZE);
        List<StudyInfo> studies = storage.studies();
        FrozenTrial started = storage.startTrial("s");
        int n = started.number();
        storage.setParam("s", n, "layers", LAYERS, 3);
        storage.report("s", n, 1, 0.5, Map.of("loss", 1.0));
        FrozenTrial midway = storage.trial("s", n);
        List<FrozenTrial> trials = storage.trials("s");
        List<FrozenTrial> running = storage.trials("s", Set.of(TrialState.RUNNING));

        storage.setStudyAttr("s", "owner", "ann");
        storage.createStudy("other", Direction.MAXIMIZE);
        storage.setParam("s", n, "units", UNITS, 64);
        storage.report("s", n, 1, 0.4, Map.of("loss", 0.8));
        storage.report("s", n, 2, 0.3, Map.of("acc", 0.9));
        storage.setUserAttr("s", n, "k", "v");
        storage.setSystemAttr("s", n, "device", "cpu");
        storage.finishTrial("s", n, TrialState.COMPLETE, 0.3, null);
        storage.startTrial("s");
        storage.enqueueTrial("s", Map.of("layers", 5));

        assertThat(info.attrs()).isEmpty();
        assertThat(studies).extracting(StudyInfo::name).containsExactly("s");
        assertThat(studies.get(0).attrs()).isEmpty();

        assertThat(started.state()).isEqualTo(TrialState.RUNNING);
        assertThat(started.params()).isEmpty();
        assertThat(started.distributions()).isEmpty();
        assertThat(started.intermediateValues()).isEmpty();
        assertThat(started.metrics()).isEmpty();
        assertThat(started.end()).isNull();

        assertThat(midway.state()).isEqualTo(TrialState.RUNNING);
        assertThat(midway.params()).isEqualTo(Map.of("layers", 3));
        assertThat(midway.distributions()).isEqualTo(Map.of("layers", LAYERS));
        assertThat(midway.intermediateValues()).containsExactly(Map.entry(1, 0.5));
        assertThat(midway.metrics()).isEqualTo(Map.of("loss", Map.of(1, 1.0)));
        assertThat(midway.userAttrs()).isEmpty();
        assertThat(midway.systemAttrs()).isEmpty();
        assertThat(midway.value()).isNull();
        assertThat(midway.end()).isNull();

        assertThat(trials).containsExactly(midway);
        assertThat(running).containsExactly(midway);
        assertThat(storage.trials("s")).hasSize(3);
    }

    @Test
    void snapshotsCannotBeChangedThroughTheirCollections() {
        study("s");
        int n = storage.startTrial("s").number();
        storage.setParam("s", n, "layers", LAYERS, 3);
        storage.report("s", n, 1, 0.5, Map.of("loss", 1.0));
        storage.setUserAttr("s", n, "sizes", List.of(1, 2));
        storage.setSystemAttr("s", n, "device", "cpu");
        storage.setStudyAttr("s", "owner", "ann");
        int waiting = storage.enqueueTrial("s", Map.of("layers", 5)).number();
        FrozenTrial t = storage.trial("s", n);
        FrozenTrial w = storage.trial("s", waiting);

        List<Runnable> changes = List.of(
                () -> t.params().put("x", 1),
                () -> t.distributions().clear(),
                () -> t.intermediateValues().put(2, 0.1),
                () -> t.metrics().clear(),
                () -> t.metric("loss").put(2, 0.1),
                () -> t.userAttrs().clear(),
                () -> t.systemAttrs().clear(),
                () -> w.fixedParams().put("layers", 7),
                () -> storage.trials("s").clear(),
                () -> storage.trials("s", Set.of(TrialState.RUNNING)).clear(),
                () -> storage.studies().clear(),
                () -> storage.findStudy("s").orElseThrow().attrs().clear());
        for (int i = 0; i < changes.size(); i++) {
            assertThatExceptionOfType(UnsupportedOperationException.class).as("change %d", i).isThrownBy(changes.get(i)::run);
        }
        assertThat(storage.trial("s", n)).isEqualTo(t);
        assertThat(storage.trial("s", waiting).fixedParams()).isEqualTo(Map.of("layers", 5));
        assertThat(storage.trials("s")).hasSize(2);
    }

    @Test
    void valuesHandedToTheStorageAreCopied() {
        study("s");
        int n = storage.startTrial("s").number();
        Map<String, Object> fixed = new LinkedHashMap<>(Map.of("layers", 3));
        int waiting = storage.enqueueTrial("s", fixed).number();
        List<Object> sizes = new ArrayList<>(List.of(1, 2));
        storage.setUserAttr("s", n, "sizes", sizes);
        Map<String, Object> spec = new LinkedHashMap<>(Map.of("trials", 30));
        storage.setStudyAttr("s", "spec", spec);

        fixed.put("layers", 9);
        sizes.add(3);
        spec.put("trials", 1);
        storage.report("s", n, 1, 0.5, Map.of()); // a later change must not pick up the caller's edits either

        assertThat(storage.trial("s", waiting).fixedParams()).isEqualTo(Map.of("layers", 3));
        assertThat(storage.trial("s", n).userAttrs()).isEqualTo(Map.of("sizes", List.of(1, 2)));
        assertThat(storage.findStudy("s").orElseThrow().attrs()).isEqualTo(Map.of("spec", Map.of("trials", 30)));
    }

    @Test
    void anArrayIsKeptAsAListOfItsValuesAtTheTimeItWasSet() {
        study("s");
        int n = storage.startTrial("s").number();
        double[] losses = {0.5, 0.25};
        storage.setUserAttr("s", n, "losses", losses);
        storage.setUserAttr("s", n, "tags", new String[] {"a", "b"});
        losses[0] = 99;
        assertThat(storage.trial("s", n).userAttrs()).isEqualTo(Map.of("losses", List.of(0.5, 0.25), "tags", List.of("a", "b")));
    }

    @Test
    void aValueNoStorageCouldKeepIsRefusedNamingItsKeyAndChangesNothing() {
        study("s");
        int n = storage.startTrial("s").number();
        storage.setUserAttr("s", n, "note", "kept");
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "model", new Object()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("user attribute 'model': expected a string");
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "nested", Map.of("inner", List.of(new Object()))))
                .hasMessageContaining("'nested'").hasMessageContaining("'inner'");
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "keys", Map.of(1, "one")))
                .hasMessageContaining("map keys must be strings");
        assertThatThrownBy(() -> storage.setSystemAttr("s", n, "thread", Thread.currentThread()))
                .hasMessageStartingWith("system attribute 'thread'");
        assertThatThrownBy(() -> storage.setStudyAttr("s", "path", java.nio.file.Path.of("x")))
                .hasMessageStartingWith("study attribute 'path'");
        assertThatThrownBy(() -> storage.enqueueTrial("s", Map.of("x", new Object())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
        assertThatThrownBy(() -> storage.setUserAttr("s", n, null, 1)).hasMessage("user attribute: needs a name, got null");
        // Half of a surrogate pair is no text: MapDB gave it back as '?', memory as it was.
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "half", "значение\uD800"))
                .hasMessage("user attribute 'half': a string with a lone UTF-16 surrogate (\\uD800 near index 8) is not"
                        + " text that can be stored");
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "halfKey", Map.of("\uDC00", 1)))
                .hasMessageContaining("lone UTF-16 surrogate (\\uDC00 near index 0)");
        storage.setSystemAttr("s", n, "pair", "\uD83D\uDE00"); // a whole pair is an emoji
        storage.setSystemAttr("s", n, "pair", "replaced");
        Map<String, Object> nullKey = new java.util.HashMap<>();
        nullKey.put(null, 1);
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "m", nullKey)).hasMessageContaining("map keys must be strings, got null");
        // Nested deeper than any storage keeps (a copy 1,100 deep overflowed the stack; MapDB could not write it).
        Object deep = "leaf";
        for (int i = 0; i < 1_000; i++) {
            deep = i % 2 == 0 ? List.of(deep) : Map.of("k", deep);
        }
        Object tooDeep = deep;
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "deep", tooDeep)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("user attribute 'deep': ").hasMessageEndingWith("values nest at most 100 deep");
        Object fine = "leaf";
        for (int i = 0; i < 100; i++) {
            fine = List.of(fine);
        }
        storage.setSystemAttr("s", n, "nested", fine);
        storage.setSystemAttr("s", n, "nested", "replaced"); // (the check below wants only the user attribute)

        // Nothing half-written: the trial still runs with its one attribute, and no trial was enqueued.
        assertThat(storage.trials("s")).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TrialState.RUNNING);
            assertThat(t.userAttrs()).isEqualTo(Map.of("note", "kept"));
        });
        assertThat(storage.findStudy("s").orElseThrow().attrs()).isEmpty();
        storage.finishTrial("s", n, TrialState.COMPLETE, 1.0, null);
        assertThat(storage.startTrial("s").number()).isEqualTo(1);
    }

    // --------------------------------------------------------- thread safety

    @Test
    void anInterruptedCallerNeitherBreaksTheStorageNorLosesItsInterrupt() {
        study("s");
        int n;
        // A trial cancelled by a timeout calls the storage from a thread with its interrupt flag set.
        Thread.currentThread().interrupt();
        try {
            n = storage.startTrial("s").number();
            storage.setParam("s", n, "layers", LAYERS, 3);
            storage.report("s", n, 1, 0.5, Map.of("loss", 1.0));
            storage.setUserAttr("s", n, "k", "v");
            storage.finishTrial("s", n, TrialState.PRUNED, 0.5, "cancelled");
            storage.setStudyAttr("s", "owner", "ann");
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag kept").isTrue();
        } finally {
            Thread.interrupted();
        }

        FrozenTrial t = storage.trial("s", n);
        assertThat(t.state()).isEqualTo(TrialState.PRUNED);
        assertThat(t.params()).isEqualTo(Map.of("layers", 3));
        int next = storage.startTrial("s").number();
        storage.finishTrial("s", next, TrialState.COMPLETE, 1.0, null);
        assertThat(storage.trials("s")).extracting(FrozenTrial::state).containsExactly(TrialState.PRUNED, TrialState.COMPLETE);
    }

    @Test
    @Timeout(120)
    void concurrentTrialsGetUniqueNumbersAndNothingIsLost() throws Exception {
        study("s");
        int threads = 4;
        int perThread = 200;
        CyclicBarrier go = new CyclicBarrier(threads + 1); // the writers and the reader
        AtomicBoolean writing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Integer> numbers = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        int n = storage.startTrial("s").number();
                        numbers.add(n);
                        double v = writer * 1000 + i;
                        storage.setParam("s", n, "writer", LAYERS, 1 + 2 * writer);
                        storage.report("s", n, 1, v, Map.of("i", (double) i));
                        storage.setUserAttr("s", n, "number", n);
                        storage.finishTrial("s", n, TrialState.COMPLETE, v, null);
                    }
                    return null;
                }));
            }
            // A reader meanwhile always sees a gap-free list in number order.
            Future<Integer> reader = pool.submit(() -> {
                go.await();
                int reads = 0;
                do { // at least once: on a fast storage the writers may be done before the reader first looks
                    List<FrozenTrial> seen = storage.trials("s");
                    for (int i = 0; i < seen.size(); i++) {
                        assertThat(seen.get(i).number()).isEqualTo(i);
                    }
                    reads++;
                } while (writing.get());
                return reads;
            });
            for (Future<?> writer : writers) {
                writer.get();
            }
            writing.set(false);
            assertThat(reader.get()).isPositive();
        } finally {
            writing.set(false);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        int total = threads * perThread;
        assertThat(numbers).hasSize(total).doesNotHaveDuplicates();
        assertThat(new HashSet<>(numbers)).isEqualTo(IntStream.range(0, total).boxed().collect(Collectors.toSet()));
        List<FrozenTrial> trials = storage.trials("s");
        assertThat(trials).hasSize(total);
        Set<Double> values = new HashSet<>();
        for (FrozenTrial t : trials) {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            int writer = (int) Math.round(t.value()) / 1000;
            int i = (int) Math.round(t.value()) % 1000;
            assertThat(t.params()).isEqualTo(Map.of("writer", 1 + 2 * writer));
            assertThat(t.intermediateValues()).isEqualTo(Map.of(1, t.value()));
            assertThat(t.metric("i")).isEqualTo(Map.of(1, (double) i));
            assertThat(t.userAttrs()).isEqualTo(Map.of("number", t.number()));
            values.add(t.value());
        }
        assertThat(values).hasSize(total);
    }

    @Test
    @Timeout(60)
    void concurrentStartsClaimEachWaitingTrialOnce() throws Exception {
        study("s");
        int waiting = 100;
        for (int i = 0; i < waiting; i++) {
            storage.enqueueTrial("s", Map.of("i", i));
        }
        int threads = 4;
        int perThread = 50;
        CyclicBarrier go = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Integer> claimed = new ArrayList<>();
        try {
            List<Future<List<FrozenTrial>>> starters = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                starters.add(pool.submit(() -> {
                    go.await();
                    List<FrozenTrial> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(storage.startTrial("s"));
                    }
                    return mine;
                }));
            }
            for (Future<List<FrozenTrial>> starter : starters) {
                for (FrozenTrial t : starter.get()) {
                    assertThat(t.state()).isEqualTo(TrialState.RUNNING);
                    // An enqueued trial keeps its own fixed params when claimed.
                    if (t.number() < waiting) {
                        assertThat(t.fixedParams()).isEqualTo(Map.of("i", t.number()));
                    }
                    claimed.add(t.number());
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(claimed).hasSize(threads * perThread).doesNotHaveDuplicates();
        assertThat(new HashSet<>(claimed)).isEqualTo(IntStream.range(0, threads * perThread).boxed().collect(Collectors.toSet()));
        assertThat(storage.trials("s", Set.of(TrialState.WAITING))).isEmpty();
        assertThat(storage.trials("s", Set.of(TrialState.RUNNING))).hasSize(threads * perThread);
    }
}
