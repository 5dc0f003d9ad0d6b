package dev.tuna.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The contract of a storage that outlives its process: on top of {@link StorageContractTest}, everything it
 * holds survives closing and opening it again, and trials that were running when it was last closed come back
 * as failed with the reason {@value FrozenTrial#REASON_INTERRUPTED}.
 */
public abstract class DurableStorageContractTest extends StorageContractTest {

    /**
     * Opens the data of {@code closed}, which the test has just closed, as a new storage.
     *
     * @param closed a storage made by {@link #newStorage()} or by this method, already closed
     */
    protected abstract Storage reopen(Storage closed);

    /** Closes the storage under test and opens its data again in its place. */
    protected final Storage closeAndReopen() {
        Storage closed = storage;
        storage = null; // so that a failing reopen does not close it twice
        closed.close();
        storage = reopen(closed);
        return storage;
    }

    @Test
    void anAddedTrialSurvivesClosingAndReopening() {
        storage.createStudy("added", Direction.MINIMIZE);
        FrozenTrial added = storage.addTrial("added", ranElsewhere(TrialState.COMPLETE, 0.75));
        closeAndReopen();
        assertThat(storage.trials("added")).containsExactly(added);
    }

    @Test
    void attributesGivenAtCreationSurviveClosingAndReopening() {
        storage.createStudy("with", Direction.MINIMIZE, Map.of("spec", Map.of("trials", 20)));
        closeAndReopen();
        assertThat(storage.findStudy("with").orElseThrow().attrs()).containsExactly(
                Map.entry("spec", Map.of("trials", 20)));
    }

    @Test
    void anInfiniteFinalValueSurvivesClosingAndReopening() {
        // A completed trial may hold an infinity (a broken constraint, as in Optuna).
        storage.createStudy("c", Direction.MINIMIZE);
        int worst = storage.startTrial("c").number();
        storage.finishTrial("c", worst, TrialState.COMPLETE, Double.POSITIVE_INFINITY, null);
        int best = storage.startTrial("c").number();
        storage.finishTrial("c", best, TrialState.COMPLETE, Double.NEGATIVE_INFINITY, null);
        closeAndReopen();
        assertThat(storage.trial("c", worst).value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(storage.trial("c", best).value()).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void attributeNumbersHaveTheSameTypeBeforeAndAfterReopening() {
        storage.createStudy("n", Direction.MINIMIZE);
        int n = storage.startTrial("n").number();
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("long", 5L);
        given.put("short", (short) 3);
        given.put("bigLong", Long.MAX_VALUE);
        given.put("huge", BigInteger.TEN.pow(30));
        given.put("float", 0.1f);
        given.put("decimal", new BigDecimal("2.5"));
        given.put("atomic", new AtomicInteger(7));
        given.put("list", List.of(1L, 0.5f));
        given.forEach((k, v) -> storage.setUserAttr("n", n, k, v));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("long", 5);
        expected.put("short", 3);
        expected.put("bigLong", Long.MAX_VALUE);
        expected.put("huge", BigInteger.TEN.pow(30));
        expected.put("float", 0.1);
        expected.put("decimal", 2.5);
        expected.put("atomic", 7);
        expected.put("list", List.of(1, 0.5));
        assertThat(storage.trial("n", n).userAttrs()).containsExactlyEntriesOf(expected);
        closeAndReopen();
        Map<String, Object> reopened = storage.trial("n", n).userAttrs();
        assertThat(reopened).containsExactlyInAnyOrderEntriesOf(expected);
        expected.forEach((k, v) -> {
            if (v instanceof Number) {
                assertThat(reopened.get(k)).as(k).isExactlyInstanceOf(v.getClass());
            }
        });
        assertThat((List<?>) reopened.get("list")).hasExactlyElementsOfTypes(Integer.class, Double.class);
    }

    @Test
    void everythingSurvivesClosingAndReopening() {
        StudyInfo mlp = storage.createStudy("mlp", Direction.MAXIMIZE);
        storage.setStudyAttr("mlp", "spec", Map.of("trials", 30, "space", Map.of("lr", Map.of("type", "float"))));
        storage.setStudyAttr("mlp", "owner", "ann");
        storage.createStudy("cnn", Direction.MINIMIZE);
        storage.createStudy("aaa", Direction.MINIMIZE);

        FloatDistribution plain = new FloatDistribution(-1.5, 2.5);
        IntDistribution ints = new IntDistribution(-3, 7);
        CategoricalDistribution mixed = CategoricalDistribution.of(List.of("relu", 0, 0.25, false, 3_000_000_000L));

        // 0: COMPLETE, with every kind of parameter, curves and attributes.
        int complete = storage.startTrial("mlp").number();
        storage.setParam("mlp", complete, "lr", LR, 3.5e-4);
        storage.setParam("mlp", complete, "dropout", DROPOUT, 0.3);
        storage.setParam("mlp", complete, "shift", plain, -0.125);
        storage.setParam("mlp", complete, "units", UNITS, 300);
        storage.setParam("mlp", complete, "layers", LAYERS, 7);
        storage.setParam("mlp", complete, "offset", ints, -3);
        storage.setParam("mlp", complete, "optimizer", OPTIMIZER, 0);
        storage.setParam("mlp", complete, "one", OPTIMIZER, 2);
        storage.setParam("mlp", complete, "rate", OPTIMIZER, 3);
        storage.setParam("mlp", complete, "yes", OPTIMIZER, 4);
        storage.setParam("mlp", complete, "activation", mixed, 0);
        storage.setParam("mlp", complete, "zero", mixed, 1);
        storage.setParam("mlp", complete, "quarter", mixed, 2);
        storage.setParam("mlp", complete, "no", mixed, 3);
        storage.setParam("mlp", complete, "big", mixed, 4);
        for (int step = 1; step <= 5; step++) {
            storage.report("mlp", complete, step, 0.5 + step / 10.0, Map.of("train_loss", 1.0 / step, "lr", 1e-3));
        }
        storage.report("mlp", complete, 6, Double.NaN, Map.of("grad_norm", Double.POSITIVE_INFINITY));
        storage.report("mlp", complete, 7, Double.NEGATIVE_INFINITY, Map.of());
        storage.report("mlp", complete, 8, null, Map.of("val_loss", 0.2));
        storage.setUserAttr("mlp", complete, "note", "best so far");
        storage.setUserAttr("mlp", complete, "epochs", 20);
        storage.setUserAttr("mlp", complete, "ratio", 0.75);
        storage.setUserAttr("mlp", complete, "ok", true);
        storage.setUserAttr("mlp", complete, "sizes", List.of(1, 2, 3));
        storage.setUserAttr("mlp", complete, "nested", Map.of("a", List.of("x", 1.5)));
        storage.setUserAttr("mlp", complete, "nan", Double.NaN);
        storage.setSystemAttr("mlp", complete, "device", "gpu:0");
        storage.finishTrial("mlp", complete, TrialState.COMPLETE, 0.97, null);

        // 1: PRUNED; 2: FAIL; 3 and 4: WAITING; one trial in another study.
        int pruned = storage.startTrial("mlp").number();
        storage.setParam("mlp", pruned, "lr", LR, 0.05);
        storage.report("mlp", pruned, 1, 0.1, Map.of());
        storage.finishTrial("mlp", pruned, TrialState.PRUNED, 0.1, "below the median at step 1");
        int failed = storage.startTrial("mlp").number();
        storage.setSystemAttr("mlp", failed, FrozenTrial.ATTR_STACK_TRACE, "java.lang.OutOfMemoryError\n\tat x.y(Z.java:1)");
        storage.finishTrial("mlp", failed, TrialState.FAIL, null, "OutOfMemoryError");
        storage.enqueueTrial("mlp", Map.of("lr", 1e-3, "units", 128, "optimizer", "adam", "yes", true));
        storage.enqueueTrial("mlp", Map.of("lr", 1e-2));
        storage.startTrial("cnn");
        storage.finishTrial("cnn", 0, TrialState.COMPLETE, 3.0, null);

        List<StudyInfo> studies = storage.studies();
        List<FrozenTrial> mlpTrials = storage.trials("mlp");
        List<FrozenTrial> cnnTrials = storage.trials("cnn");

        closeAndReopen();

        assertThat(storage.studies()).isEqualTo(studies);
        assertThat(storage.findStudy("mlp")).hasValueSatisfying(info -> {
            assertThat(info.created()).isEqualTo(mlp.created());
            assertThat(info.direction()).isEqualTo(Direction.MAXIMIZE);
        });
        List<FrozenTrial> reopened = storage.trials("mlp");
        for (int i = 0; i < mlpTrials.size(); i++) {
            assertThat(reopened.get(i)).as("trial %d", i).isEqualTo(mlpTrials.get(i));
        }
        assertThat(reopened).hasSameSizeAs(mlpTrials);
        assertThat(storage.trials("cnn")).isEqualTo(cnnTrials);
        assertThat(storage.trials("aaa")).isEmpty();

        // The types of external values come back as they were written.
        FrozenTrial t = reopened.get(complete);
        assertThat(t.params()).containsExactly(
                Map.entry("lr", 3.5e-4), Map.entry("dropout", 0.3), Map.entry("shift", -0.125),
                Map.entry("units", 300), Map.entry("layers", 7), Map.entry("offset", -3),
                Map.entry("optimizer", "adam"), Map.entry("one", 1), Map.entry("rate", 2.5), Map.entry("yes", true),
                Map.entry("activation", "relu"), Map.entry("zero", 0), Map.entry("quarter", 0.25),
                Map.entry("no", false), Map.entry("big", 3_000_000_000L));
        assertThat(t.distributions()).containsEntry("lr", LR).containsEntry("dropout", DROPOUT)
                .containsEntry("shift", plain).containsEntry("units", UNITS).containsEntry("layers", LAYERS)
                .containsEntry("offset", ints).containsEntry("optimizer", OPTIMIZER).containsEntry("activation", mixed);
        assertThat(t.intermediateValues().get(6)).isNaN();
        assertThat(t.intermediateValues().get(7)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(t.intermediateValues()).doesNotContainKey(8);
        assertThat(t.metric("grad_norm")).containsExactly(Map.entry(6, Double.POSITIVE_INFINITY));
        assertThat(t.metric("train_loss")).hasSize(5);
        assertThat(t.start()).isEqualTo(mlpTrials.get(complete).start());
        assertThat(t.end()).isEqualTo(mlpTrials.get(complete).end());
        assertThat(reopened.get(pruned).reason()).isEqualTo("below the median at step 1");
        assertThat(reopened.get(failed).systemAttrs().get(FrozenTrial.ATTR_STACK_TRACE))
                .isEqualTo("java.lang.OutOfMemoryError\n\tat x.y(Z.java:1)");
        assertThat(storage.trials("mlp", Set.of(TrialState.WAITING))).extracting(FrozenTrial::number).containsExactly(3, 4);
    }

    @Test
    void runningTrialsBecomeInterruptedFailuresWhileFinishedOnesAreUntouched() {
        study("s");
        int finished = storage.startTrial("s").number();
        storage.report("s", finished, 1, 0.5, Map.of());
        storage.finishTrial("s", finished, TrialState.COMPLETE, 0.5, null);
        int failed = storage.startTrial("s").number();
        storage.finishTrial("s", failed, TrialState.FAIL, null, "boom");
        int running = storage.startTrial("s").number();
        storage.setParam("s", running, "layers", LAYERS, 3);
        storage.report("s", running, 1, 0.7, Map.of("loss", 2.0));
        storage.report("s", running, 2, 0.6, Map.of("loss", 1.5));
        storage.setUserAttr("s", running, "k", "v");
        int waiting = storage.enqueueTrial("s", Map.of("layers", 5)).number();
        FrozenTrial runningBefore = storage.trial("s", running);
        FrozenTrial finishedBefore = storage.trial("s", finished);
        FrozenTrial failedBefore = storage.trial("s", failed);
        FrozenTrial waitingBefore = storage.trial("s", waiting);

        closeAndReopen();

        FrozenTrial interrupted = storage.trial("s", running);
        assertThat(interrupted.state()).isEqualTo(TrialState.FAIL);
        assertThat(interrupted.reason()).isEqualTo(FrozenTrial.REASON_INTERRUPTED);
        assertThat(interrupted.wasInterrupted()).isTrue();
        assertThat(interrupted.value()).isNull();
        assertThat(interrupted.end()).isNotNull().isAfterOrEqualTo(interrupted.start());
        assertThat(interrupted.start()).isEqualTo(runningBefore.start());
        assertThat(interrupted.params()).isEqualTo(runningBefore.params());
        assertThat(interrupted.intermediateValues()).isEqualTo(runningBefore.intermediateValues());
        assertThat(interrupted.metrics()).isEqualTo(runningBefore.metrics());
        assertThat(interrupted.userAttrs()).isEqualTo(runningBefore.userAttrs());
        assertThat(storage.trial("s", finished)).isEqualTo(finishedBefore);
        assertThat(storage.trial("s", failed)).isEqualTo(failedBefore);
        assertThat(storage.trial("s", failed).wasInterrupted()).isFalse();
        assertThat(storage.trial("s", waiting)).isEqualTo(waitingBefore);

        // The interrupted trial is finished like any other, and stays as it is through another reopen.
        assertThatThrownBy(() -> storage.report("s", running, 3, 0.5, Map.of())).isInstanceOf(IllegalStateException.class);
        closeAndReopen();
        assertThat(storage.trial("s", running)).isEqualTo(interrupted);
    }

    @Test
    void numberingContinuesAfterReopeningAndWaitingTrialsAreClaimedFirst() {
        study("s");
        study("t");
        storage.finishTrial("s", storage.startTrial("s").number(), TrialState.COMPLETE, 1.0, null);
        storage.startTrial("s");
        storage.enqueueTrial("s", Map.of("layers", 5));
        storage.startTrial("t");

        closeAndReopen();

        FrozenTrial claimed = storage.startTrial("s");
        assertThat(claimed.number()).isEqualTo(2);
        assertThat(claimed.state()).isEqualTo(TrialState.RUNNING);
        assertThat(claimed.fixedParams()).isEqualTo(Map.of("layers", 5));
        assertThat(storage.startTrial("s").number()).isEqualTo(3);
        assertThat(storage.enqueueTrial("s", Map.of()).number()).isEqualTo(4);
        assertThat(storage.startTrial("t").number()).isEqualTo(1);

        closeAndReopen();

        assertThat(storage.trials("s")).extracting(FrozenTrial::number).containsExactly(0, 1, 2, 3, 4);
        assertThat(storage.trials("s")).extracting(FrozenTrial::state).containsExactly(
                TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL, TrialState.FAIL, TrialState.WAITING);
        assertThat(storage.startTrial("s").number()).isEqualTo(4);
        assertThat(storage.startTrial("s").number()).isEqualTo(5);
    }

    @Test
    void studiesTheirAttrsAndDeletionsSurviveReopening() {
        for (String name : List.of("zeta", "alpha", "mid", "gone")) {
            study(name);
        }
        storage.setStudyAttr("mid", "spec", Map.of("trials", 30));
        storage.startTrial("gone");
        storage.enqueueTrial("gone", Map.of("x", 1));
        storage.deleteStudy("gone");

        closeAndReopen();

        assertThat(storage.studies()).extracting(StudyInfo::name).containsExactly("zeta", "alpha", "mid");
        assertThat(storage.findStudy("mid").orElseThrow().attrs()).isEqualTo(Map.of("spec", Map.of("trials", 30)));
        assertThat(storage.findStudy("gone")).isEmpty();
        assertThatThrownBy(() -> storage.createStudy("alpha", Direction.MAXIMIZE)).isInstanceOf(StudyExistsException.class);
        study("gone");
        assertThat(storage.trials("gone")).isEmpty();
        assertThat(storage.startTrial("gone").number()).isZero();
    }

    @Test
    void aReopenedStorageKeepsTheWholeContract() {
        study("s");
        int n = storage.startTrial("s").number();
        storage.setParam("s", n, "layers", LAYERS, 3);
        storage.setUserAttr("s", n, "sizes", List.of(1, 2));
        storage.finishTrial("s", n, TrialState.COMPLETE, 1.0, null);
        storage.setStudyAttr("s", "spec", Map.of("space", List.of("lr")));
        int waiting = storage.enqueueTrial("s", Map.of("layers", 5)).number();

        closeAndReopen();

        // Values read back from the storage are as unmodifiable as the ones handed in.
        FrozenTrial done = storage.trial("s", n);
        assertThatThrownBy(() -> ((List<?>) done.userAttrs().get("sizes")).clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> storage.trial("s", waiting).fixedParams().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((Map<?, ?>) storage.findStudy("s").orElseThrow().attrs().get("spec")).clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(storage.startTrial("s").number()).isEqualTo(waiting);
        assertThatThrownBy(() -> storage.setUserAttr("s", n, "k", "v")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> done.params().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> storage.trial("s", waiting + 1)).isInstanceOf(TrialNotFoundException.class);
        int next = storage.startTrial("s").number();
        assertThatThrownBy(() -> storage.setParam("s", next, "layers", LAYERS, 2)).isInstanceOf(IllegalArgumentException.class);
        storage.setParam("s", next, "layers", LAYERS, 3);
        assertThatThrownBy(() -> storage.setParam("s", next, "layers", LAYERS, 5)).isInstanceOf(IllegalStateException.class);
        assertThat(storage.trial("s", n)).isEqualTo(done);
    }

    @Test
    void aStudyNameWithANulCharacterIsRejected() {
        assertThatThrownBy(() -> storage.createStudy("a\u0000b", Direction.MINIMIZE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
        assertThat(storage.studies()).isEmpty();
    }
}
