package dev.tuna.search.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.InvalidParameterException;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GridSamplerTest {

    private static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw", "rmsprop");

    /** 3 x 4 = 12 points. */
    private static Map<String, List<?>> grid12() {
        Map<String, List<?>> grid = new LinkedHashMap<>();
        grid.put("layers", List.of(1, 2, 3));
        grid.put("optimizer", OPTIMIZERS);
        return grid;
    }

    /** 3 x 4 x 2 = 24 points. */
    private static Map<String, List<?>> grid24() {
        Map<String, List<?>> grid = grid12();
        grid.put("lr", List.of(0.01, 0.1));
        return grid;
    }

    private static final Objective OBJECTIVE12 = trial -> {
        int layers = trial.suggestInt("layers", 1, 3);
        String optimizer = trial.suggestCategorical("optimizer", OPTIMIZERS);
        return layers + optimizer.length();
    };

    private static final Objective OBJECTIVE24 = trial -> {
        double lr = trial.suggestFloat("lr", 1e-3, 1, true);
        return OBJECTIVE12.evaluate(trial) * lr;
    };

    private static Study study(GridSampler sampler) {
        return Study.builder("grid").sampler(sampler).create();
    }

    private static List<Map<String, Object>> params(List<FrozenTrial> trials) {
        return trials.stream().map(FrozenTrial::params).toList();
    }

    @Test
    void visitsEveryPointOnceInLexicographicOrderThenStops() {
        GridSampler sampler = new GridSampler(grid12());
        Study study = study(sampler);
        study.optimize(OBJECTIVE12, 100);

        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(12).allSatisfy(t -> assertThat(t.state()).isEqualTo(TrialState.COMPLETE));
        List<Map<String, Object>> expected = new ArrayList<>();
        for (int layers : List.of(1, 2, 3)) {
            for (String optimizer : OPTIMIZERS) {
                expected.add(Map.of("layers", layers, "optimizer", optimizer));
            }
        }
        assertThat(params(trials)).isEqualTo(expected);
        assertThat(trials).extracting(t -> t.systemAttrs().get(GridSampler.ATTR_GRID_ID))
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(sampler.isExhausted(study)).isTrue();
        assertThatThrownBy(study::ask).isInstanceOf(IllegalStateException.class).hasMessageContaining("no point left");
        study.optimize(OBJECTIVE12, 5);
        assertThat(study.trials()).hasSize(12);
    }

    @Test
    void parallelTrialsNeverShareAPoint() {
        Study study = study(new GridSampler(grid24(), 3));
        study.optimize(trial -> {
            Thread.sleep(1); // let trials overlap
            return OBJECTIVE24.evaluate(trial);
        }, OptimizeOptions.builder().optTrials(50).optParallelism(4).build());

        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(24).allSatisfy(t -> assertThat(t.state()).isEqualTo(TrialState.COMPLETE));
        assertThat(new HashSet<>(params(trials))).hasSize(24);
        assertThat(trials).extracting(t -> t.systemAttrs().get(GridSampler.ATTR_GRID_ID)).doesNotHaveDuplicates();
    }

    @Test
    void aSeededOrderIsAShuffleFixedByTheSeed() {
        Study a = study(new GridSampler(grid24(), 99));
        Study b = study(new GridSampler(grid24(), 99));
        Study other = study(new GridSampler(grid24(), 100));
        Study plain = study(new GridSampler(grid24()));
        for (Study s : List.of(a, b, other, plain)) {
            s.optimize(OBJECTIVE24, 30);
        }
        List<Map<String, Object>> order = params(a.trials());
        assertThat(order).hasSize(24).doesNotHaveDuplicates().isEqualTo(params(b.trials()));
        assertThat(order).containsExactlyInAnyOrderElementsOf(params(plain.trials()));
        assertThat(order).isNotEqualTo(params(plain.trials())).isNotEqualTo(params(other.trials()));
        // Each trial records its point's lexicographic index, whatever the visit order.
        GridSampler lexicographic = new GridSampler(grid24());
        for (FrozenTrial t : a.trials()) {
            int id = (Integer) t.systemAttrs().get(GridSampler.ATTR_GRID_ID);
            assertThat(lexicographic.point(id)).isEqualTo(t.params()).isEqualTo(t.systemAttrs().get(GridSampler.ATTR_GRID_POINT));
        }
    }

    @Test
    void aParameterOutsideTheGridFailsTheTrialNamingIt() {
        Study study = study(new GridSampler(grid12()));
        study.optimize(trial -> OBJECTIVE12.evaluate(trial) + trial.suggestFloat("dropout", 0, 0.5), 1);
        FrozenTrial trial = study.trials().get(0);
        assertThat(trial.state()).isEqualTo(TrialState.FAIL);
        assertThat(trial.reason()).contains("'dropout'", "not in the grid", "layers", "optimizer");
        assertThat(trial.params()).containsOnlyKeys("layers", "optimizer");
    }

    @Test
    void aGridValueOutsideTheSuggestedDistributionFailsTheTrialNamingIt() {
        Map<String, List<?>> grid = new LinkedHashMap<>();
        grid.put("units", List.of(64, 1024));
        Study study = study(new GridSampler(grid));
        study.optimize(trial -> trial.suggestInt("units", 16, 512), 10);
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(2);
        assertThat(trials.get(0).state()).isEqualTo(TrialState.COMPLETE);
        assertThat(trials.get(0).params()).containsEntry("units", 64);
        assertThat(trials.get(1).state()).isEqualTo(TrialState.FAIL);
        assertThat(trials.get(1).reason()).contains("'units'", "grid value 1024", "outside", "int[16, 512]");
    }

    @Test
    void numericGridValuesFitFloatAndIntParametersAlike() {
        Map<String, List<?>> grid = new LinkedHashMap<>();
        grid.put("x", List.of(1, 2.5));
        grid.put("n", List.of(4.0, 8L));
        Study study = study(new GridSampler(grid));
        study.optimize(trial -> trial.suggestFloat("x", 0, 3) + trial.suggestInt("n", 1, 10), 10);
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(4);
        assertThat(params(study.trials())).containsExactly(
                Map.of("x", 1.0, "n", 4), Map.of("x", 1.0, "n", 8), Map.of("x", 2.5, "n", 4), Map.of("x", 2.5, "n", 8));
    }

    @Test
    void anEnqueuedGridPointTakesThatPoint() {
        Study study = study(new GridSampler(grid12()));
        study.enqueue(Map.of("layers", 3, "optimizer", "rmsprop"));
        study.optimize(OBJECTIVE12, 100);
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(12);
        assertThat(trials.get(0).params()).isEqualTo(Map.of("layers", 3, "optimizer", "rmsprop"));
        assertThat(trials.get(0).systemAttrs()).containsEntry(GridSampler.ATTR_GRID_ID, 11);
        assertThat(new HashSet<>(params(trials))).hasSize(12);
    }

    @Test
    void aPartlyEnqueuedTrialTakesAPointWithItsValuesAndEveryPointStillRunsOnce() {
        // It took the next free point (x 1, k 1) and ran (1, 3) there: (1, 1) never ran and (1, 3) ran twice.
        Map<String, List<?>> grid = new LinkedHashMap<>();
        grid.put("x", List.of(1.0, 2.0));
        grid.put("k", List.of(1, 3));
        Study study = study(new GridSampler(grid));
        study.enqueue(Map.of("k", 3));
        study.enqueue(Map.of("k", 2)); // off the grid: it runs, and takes no point
        study.optimize(trial -> trial.suggestFloat("x", 0, 10) + trial.suggestInt("k", 0, 5), 10);
        List<Map<String, Object>> ran = params(study.trials());
        assertThat(ran.get(0)).isEqualTo(Map.of("x", 1.0, "k", 3));
        assertThat(ran.get(1)).isEqualTo(Map.of("x", 1.0, "k", 2));
        assertThat(study.trials().get(1).systemAttrs()).doesNotContainKey(GridSampler.ATTR_GRID_ID);
        assertThat(ran.subList(2, ran.size())).containsExactly(Map.of("x", 1.0, "k", 1), Map.of("x", 2.0, "k", 1),
                Map.of("x", 2.0, "k", 3));
    }

    @Test
    void aTrialEnqueuedAfterTheGridIsUsedUpStillRuns() throws Exception {
        Study study = study(new GridSampler(grid12()));
        study.optimize(OBJECTIVE12, 100);
        assertThat(study.trials()).hasSize(12);
        // A point to run again (Optuna's habit after a grid search: re-check the best one) brings its parameters.
        study.enqueue(Map.of("layers", 2, "optimizer", "adam"));
        study.optimize(OBJECTIVE12, 100);
        assertThat(study.trials()).hasSize(13);
        assertThat(study.trials().get(12).params()).isEqualTo(Map.of("layers", 2, "optimizer", "adam"));
        assertThat(study.trials().get(12).state()).isEqualTo(TrialState.COMPLETE);
        study.enqueue(Map.of("layers", 1, "optimizer", "sgd"));
        Trial asked = study.ask();
        assertThat(asked.number()).isEqualTo(13);
        study.tell(asked, OBJECTIVE12.evaluate(asked));
        assertThat(study.trials().get(13).params()).isEqualTo(Map.of("layers", 1, "optimizer", "sgd"));
        // With nothing waiting, the grid is used up again.
        assertThatThrownBy(study::ask).isInstanceOf(IllegalStateException.class).hasMessageContaining("no point left");
    }

    @Test
    void failedTrialsKeepTheirPoint() {
        Study study = study(new GridSampler(grid12()));
        study.optimize(trial -> {
            double v = OBJECTIVE12.evaluate(trial);
            if (trial.number() % 3 == 0) {
                throw new IllegalStateException("out of memory");
            }
            return v;
        }, 100);
        assertThat(study.trials()).hasSize(12);
        assertThat(study.trials(TrialState.FAIL)).hasSize(4);
        assertThat(new HashSet<>(params(study.trials()))).hasSize(12);
    }

    @Test
    void interruptedTrialsRunAgainAfterARestart(@TempDir Path dir) {
        Path file = dir.resolve("grid.db");
        Map<String, Object> interrupted;
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            Study study = Study.builder("restart").sampler(new GridSampler(grid12(), 5)).storage(storage).create();
            study.optimize(OBJECTIVE12, 5);
            Trial running = study.ask(); // started, never finished: the process "dies" here
            running.suggestInt("layers", 1, 3);
            running.suggestCategorical("optimizer", OPTIMIZERS);
            interrupted = running.params();
        }

        try (MapDbStorage storage = MapDbStorage.open(file)) {
            FrozenTrial lost = storage.trial("restart", 5);
            assertThat(lost.wasInterrupted()).isTrue();
            assertThat(lost.params()).isEqualTo(interrupted);

            Study study = Study.builder("restart").sampler(new GridSampler(grid12(), 5)).storage(storage).create();
            study.optimize(OBJECTIVE12, 100);
            List<FrozenTrial> trials = study.trials();
            assertThat(trials).hasSize(13);
            List<FrozenTrial> complete = study.trials(TrialState.COMPLETE);
            assertThat(complete).hasSize(12);
            assertThat(new HashSet<>(params(complete))).hasSize(12);
            // The freed point is the first free one in visit order, so it runs first.
            assertThat(trials.get(6).params()).isEqualTo(interrupted);
        }
    }

    @Test
    void aResumedStudyRunsOnlyTheMissingPoints(@TempDir Path dir) {
        Path file = dir.resolve("grid.db");
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            Study.builder("resume").sampler(new GridSampler(grid12())).storage(storage).create().optimize(OBJECTIVE12, 7);
        }
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            Study study = Study.builder("resume").sampler(new GridSampler(grid12())).storage(storage).create();
            study.optimize(OBJECTIVE12, 100);
            assertThat(study.trials()).hasSize(12);
            assertThat(new HashSet<>(params(study.trials()))).hasSize(12);
        }
    }

    @Test
    void aStudyResumedWithItsGridInAnotherOrderOrWithMoreValuesRunsOnlyThePointsNotRun(@TempDir Path dir) {
        Path file = dir.resolve("grid.db");
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            Study.builder("resume").sampler(new GridSampler(grid12())).storage(storage).create().optimize(OBJECTIVE12, 7);
        }
        // The same grid with its parameters the other way round (a Map.of, say, iterated otherwise in this run).
        Map<String, List<?>> reversed = new LinkedHashMap<>();
        reversed.put("optimizer", OPTIMIZERS);
        reversed.put("layers", List.of(1, 2, 3));
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            Study study = Study.builder("resume").sampler(new GridSampler(reversed)).storage(storage).create();
            study.optimize(OBJECTIVE12, 100);
            assertThat(study.trials()).hasSize(12);
            assertThat(new HashSet<>(params(study.trials()))).hasSize(12);
        }
        // One more value: only its four points run.
        reversed.put("layers", List.of(1, 2, 3, 4));
        Objective fourLayers = trial -> trial.suggestInt("layers", 1, 4) + trial.suggestCategorical("optimizer", OPTIMIZERS).length();
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            Study study = Study.builder("resume").sampler(new GridSampler(reversed)).storage(storage).create();
            study.optimize(fourLayers, 100);
            assertThat(study.trials()).hasSize(16);
            assertThat(new HashSet<>(params(study.trials()))).hasSize(16);
            assertThat(params(study.trials().subList(12, 16))).allSatisfy(p -> assertThat(p).containsEntry("layers", 4));
        }
    }

    @Test
    void aGridOfFloatsKnowsItsRecordedPoints() {
        // Recorded, 0.1f is 0.1: the point looked untaken, and the first ran again and again.
        Study study = study(new GridSampler(Map.of("lr", List.of(0.1f, 0.01f, 0.001f))));
        study.optimize(trial -> trial.suggestFloat("lr", 1e-4, 1, true), 6);
        assertThat(params(study.trials())).hasSize(3).doesNotHaveDuplicates();
        assertThat(((GridSampler) study.sampler()).isExhausted(study)).isTrue();
    }

    @Test
    void trialsRecordedWithTheirIndexAloneCountByTheValuesTheyRanElseInTheGridMapsOwnOrder() {
        // A HashMap of strings iterates alike from run to run: its indexes, recorded before the points' values were,
        // still name the same points now that the names are sorted (read in the sorted order, one ran twice).
        Map<String, List<?>> grid = new java.util.HashMap<>();
        grid.put("lr", List.of(1, 2));
        grid.put("batch_size", List.of(1, 2));
        grid.put("optimizer", List.of("a", "bb"));
        List<String> iterated = new ArrayList<>(grid.keySet());
        assertThat(iterated).isNotEqualTo(List.of("batch_size", "lr", "optimizer")); // else this tests nothing
        Study study = study(new GridSampler(grid));
        Objective objective = trial -> trial.suggestInt("lr", 1, 2) + trial.suggestInt("batch_size", 1, 2)
                + trial.suggestCategorical("optimizer", List.of("a", "bb")).length();
        for (int id = 0; id < 2; id++) { // the first two, as the old sampler ran them (sorted, id 1 is another point)
            int rest = id;
            Map<String, Object> point = new LinkedHashMap<>();
            for (int k = iterated.size() - 1; k >= 0; k--) {
                List<?> vs = grid.get(iterated.get(k));
                point.put(iterated.get(k), vs.get(rest % vs.size()));
                rest /= vs.size();
            }
            int n = study.storage().startTrial("grid").number();
            study.storage().setSystemAttr("grid", n, GridSampler.ATTR_GRID_ID, id);
            point.forEach((name, v) -> study.storage().setParam("grid", n, name, v instanceof String
                    ? dev.tuna.core.CategoricalDistribution.of(List.of("a", "bb")) : new dev.tuna.core.IntDistribution(1, 2),
                    v instanceof String str ? List.of("a", "bb").indexOf(str) : ((Integer) v).doubleValue()));
            study.storage().finishTrial("grid", n, TrialState.COMPLETE, 1.0, null);
        }
        // One still running, its parameters not suggested yet: known by its index alone, in the map's order.
        int running = study.storage().startTrial("grid").number();
        study.storage().setSystemAttr("grid", running, GridSampler.ATTR_GRID_ID, 2);
        Map<String, Object> itsPoint = Map.of(iterated.get(0), 1, iterated.get(1), iterated.get(1).equals("optimizer")
                ? "bb" : 2, iterated.get(2), 1); // index 2: the last varies fastest, the middle one is at its second value
        study.optimize(objective, 100);
        List<Map<String, Object>> ran = params(study.trials().stream().filter(t -> t.number() != running).toList());
        assertThat(ran).hasSize(7).doesNotHaveDuplicates().doesNotContain(itsPoint);
    }

    @Test
    void aGridMapWithoutAnOrderOfItsOwnIsTakenByNameAndOneWithAnOrderKeepsIt() {
        Map<String, List<?>> grid = new java.util.HashMap<>();
        for (String name : List.of("zeta", "lr", "batch", "alpha", "momentum", "dropout")) {
            grid.put(name, List.of(1, 2));
        }
        assertThat(new GridSampler(grid).parameterNames()).containsExactly("alpha", "batch", "dropout", "lr", "momentum", "zeta");
        assertThat(new GridSampler(Map.of("b", List.of(1), "a", List.of(2), "c", List.of(3))).parameterNames())
                .containsExactly("a", "b", "c");
        assertThat(new GridSampler(grid24()).parameterNames()).containsExactly("layers", "optimizer", "lr");
    }

    @Test
    void validatesTheGrid() {
        assertThatThrownBy(() -> new GridSampler(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the grid must name at least one parameter");
        assertThatThrownBy(() -> new GridSampler(Map.of("lr", List.of())))
                .isInstanceOf(InvalidParameterException.class).hasMessage("parameter 'lr': the grid gives no values");
        Map<String, List<?>> nullList = new LinkedHashMap<>();
        nullList.put("lr", null);
        assertThatThrownBy(() -> new GridSampler(nullList))
                .isInstanceOf(InvalidParameterException.class).hasMessage("parameter 'lr': the grid gives no values");
        assertThatThrownBy(() -> new GridSampler(Map.of("units", List.of(32, 64, 32))))
                .isInstanceOf(InvalidParameterException.class).hasMessage("parameter 'units': the grid gives the value 32 twice");
        assertThatThrownBy(() -> new GridSampler(Map.of("x", List.of(1, 1.0))))
                .isInstanceOf(InvalidParameterException.class).hasMessage("parameter 'x': the grid gives the value 1.0 twice");
        assertThatThrownBy(() -> new GridSampler(Map.of("x", Arrays.asList(1, null))))
                .isInstanceOf(InvalidParameterException.class).hasMessageStartingWith("parameter 'x': grid values must be")
                .hasMessageEndingWith("got null");
        assertThatThrownBy(() -> new GridSampler(Map.of("x", List.of(Double.NaN))))
                .isInstanceOf(InvalidParameterException.class).hasMessage("parameter 'x': grid values must be finite numbers, got NaN");
        Map<String, List<?>> huge = new LinkedHashMap<>();
        List<Integer> thousand = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            thousand.add(i);
        }
        for (String name : List.of("a", "b", "c", "d")) {
            huge.put(name, thousand);
        }
        assertThatThrownBy(() -> new GridSampler(huge)).hasMessageContaining("more than 2147483647 points");
    }

    @Test
    void pointAndToStringDescribeTheGrid() {
        GridSampler sampler = new GridSampler(grid12(), 7);
        assertThat(sampler.size()).isEqualTo(12);
        assertThat(sampler.point(5)).isEqualTo(Map.of("layers", 2, "optimizer", "adam"));
        assertThat(sampler).hasToString("GridSampler({layers=[1, 2, 3], optimizer=[sgd, adam, adamw, rmsprop]}, seed=7)");
        Set<Map<String, Object>> all = new HashSet<>();
        for (int i = 0; i < sampler.size(); i++) {
            all.add(sampler.point(i));
        }
        assertThat(all).hasSize(12);
        assertThatThrownBy(() -> sampler.point(12)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
