package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StorageException;
import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.dispatch.ScheduledStudy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StudyServiceTest {

    /** Runs the study in the calling thread after failing as {@code failure} says on its first {@code failures} runs. */
    private static class FlakyDispatch implements StudyDispatch {
        final AtomicInteger runs = new AtomicInteger();
        final int failures;
        final Supplier<RuntimeException> failure;

        FlakyDispatch(int failures, Supplier<RuntimeException> failure) {
            this.failures = failures;
            this.failure = failure;
        }

        @Override
        public void check(StudySpec spec) {
        }

        @Override
        public void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped) {
            if (runs.incrementAndGet() <= failures) {
                throw failure.get();
            }
            study.optimize(objective, OptimizeOptions.builder().optTotalTrials(spec.trials()).build());
        }

        @Override
        public ScheduledStudy schedule(StudySpec spec, Study study, Objective objective) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void stop(String name, Study study) {
        }

        @Override
        public void shutdown() {
        }
    }

    private static StudyService service(FlakyDispatch dispatch) {
        StudyService service = new StudyService(new InMemoryStorage(), dispatch, Trainables.builtIn());
        service.storageRetryDelay(Duration.ofMillis(20));
        return service;
    }

    private static void awaitEnd(StudyService service, String name) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            StudyService.State state = service.state(service.info(name), Study.counted(service.storage().trials(name)));
            if (state != StudyService.State.RUNNING) {
                return;
            }
            Thread.sleep(20);
        }
    }

    /** What a test's dispatch does in a run, told which run it is (from 1). */
    private interface RunBody {
        void run(StudySpec spec, Study study, Objective objective, int run) throws InterruptedException;
    }

    /** A dispatch whose runs are counted and do what {@code body} says; an interrupt ends a run. */
    private static FlakyDispatch counting(RunBody body) {
        return new FlakyDispatch(0, null) {
            @Override
            public void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped) {
                try {
                    body.run(spec, study, objective, runs.incrementAndGet());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** A dispatch whose runs (counted) last until {@code release} opens, as trials that take their time. */
    private static FlakyDispatch runsUntil(java.util.concurrent.CountDownLatch release) {
        return counting((spec, study, objective, run) -> release.await());
    }

    @Test
    void aSpecsStudyDiagnosesDivergenceAsItsDivergencePrunerSeesIt() {
        // A score that starts near zero and jumps about, with the pruner's collapse check off: the pruner let the trial
        // run, and the dashboard still showed it "diverged".
        String spec = """
                {"name": "%s", "trials": 1, "direction": "maximize", "trainable": {"type": "quadratic"},
                 "space": {"x": {"type": "float", "low": 0, "high": 1}},
                 "pruner": {"type": "anyOf", "anyOf": [{"type": "median"}, {"type": "divergence", "objectiveCollapse": %s}]}}
                """;
        for (boolean collapse : new boolean[] {true, false}) {
            StudySpec parsed = new dev.tuna.web.spec.StudySpecParser(Trainables.builtIn())
                    .parse(spec.formatted("c" + collapse, collapse));
            Study study = StudyService.study(parsed, new InMemoryStorage());
            double[] curve = {0.6, 0.7, 0.1, 0.1, 0.1, 0.1};
            study.optimize(trial -> {
                for (int i = 0; i < curve.length; i++) {
                    trial.report(i + 1, curve[i]);
                }
                return 0.1;
            }, 1);
            List<String> found = dev.tuna.search.diagnosis.Diagnosis.of(study.trials().get(0)).stream()
                    .map(dev.tuna.search.diagnosis.Diagnosis::name).toList();
            assertThat(found.contains("diverged")).as("collapse check " + collapse + ": " + found).isEqualTo(collapse);
        }
    }

    @Test
    void aRunWhoseDatabaseFailedForAMomentTriesAgainAndFinishes() throws InterruptedException {
        FlakyDispatch dispatch = new FlakyDispatch(2, () -> new IllegalStateException("could not count the jobs",
                new StorageException("connection refused")));
        try (StudyService service = service(dispatch)) {
            service.submit(service.parser().parse(Api.quadratic("flaky", 3, 1, 0)));
            awaitEnd(service, "flaky");
            assertThat(dispatch.runs).hasValue(3);
            assertThat(service.state(service.info("flaky"), Study.counted(service.storage().trials("flaky"))))
                    .isEqualTo(StudyService.State.COMPLETE);
            assertThat(service.lastError("flaky")).isEmpty();
        }
    }

    @Test
    void aRunWhoseDatabaseFailsLongerThanTheLimitGivesUpAndSaysWhy() throws InterruptedException {
        FlakyDispatch dispatch = new FlakyDispatch(Integer.MAX_VALUE, () -> new StorageException("connection refused"));
        try (StudyService service = service(dispatch)) {
            service.storageOutageLimit(Duration.ofMillis(300));
            service.submit(service.parser().parse(Api.quadratic("away", 3, 1, 0)));
            awaitEnd(service, "away");
            assertThat(dispatch.runs.get()).isGreaterThan(2);
            assertThat(service.lastError("away")).contains("connection refused");
        }
    }

    @Test
    void aRunThatFinishesTrialsBetweenDatabaseFailuresIsNotGivenUpOn() throws InterruptedException {
        // The tries were counted over the run's whole life: a long study gave up on its 31st short outage.
        FlakyDispatch comesAndGoes = counting((spec, study, objective, run) -> {
            study.optimize(objective, OptimizeOptions.builder().optTrials(1).build());
            if (study.countedTrials() < spec.trials()) {
                throw new StorageException("connection refused"); // after a trial that finished
            }
        });
        try (StudyService service = service(comesAndGoes)) {
            service.storageRetryDelay(Duration.ofMillis(100));
            service.storageOutageLimit(Duration.ofMillis(50)); // shorter than one wait: only progress keeps it going
            service.submit(service.parser().parse(Api.quadratic("onoff", 4, 1, 0)));
            awaitEnd(service, "onoff");
            assertThat(Study.counted(service.storage().trials("onoff"))).isEqualTo(4);
            assertThat(comesAndGoes.runs.get()).isEqualTo(4);
            assertThat(service.lastError("onoff")).isEmpty();
        }
    }

    @Test
    void aRunThatWentOnForTheLimitBeforeItsDatabaseFailedStartsANewOutage() throws InterruptedException {
        // A long trial (no trial finished) between two short outages: the time in between counted as outage.
        FlakyDispatch longTries = counting((spec, study, objective, run) -> {
            if (run <= 3) {
                Thread.sleep(150); // training, with the database there
                throw new StorageException("connection refused");
            }
            study.optimize(objective, OptimizeOptions.builder().optTotalTrials(spec.trials()).build());
        });
        try (StudyService service = service(longTries)) {
            service.storageOutageLimit(Duration.ofMillis(100));
            service.submit(service.parser().parse(Api.quadratic("long", 2, 1, 0)));
            awaitEnd(service, "long");
            assertThat(longTries.runs.get()).isEqualTo(4);
            assertThat(Study.counted(service.storage().trials("long"))).isEqualTo(2);
            assertThat(service.lastError("long")).isEmpty();
        }
    }

    @Test
    void aTrialWhoseEndCouldNotBeSavedIsEndedAsInterruptedBeforeTheRunTriesAgain() throws InterruptedException {
        StudyDispatch leavesOneRunning = new FlakyDispatch(1, null) {
            @Override
            public void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped) {
                if (runs.get() == 0) {
                    runs.incrementAndGet();
                    study.ask(); // started, and then its end could not be written
                    throw new StorageException("cannot write tuna.db.journal: No space left on device");
                }
                super.run(spec, study, objective, stopped);
            }

            @Override
            public boolean runsHereOnly() {
                return true;
            }
        };
        try (StudyService service = new StudyService(new InMemoryStorage(), leavesOneRunning, Trainables.builtIn())) {
            service.storageRetryDelay(Duration.ofMillis(20));
            service.submit(service.parser().parse(Api.quadratic("left", 3, 1, 0)));
            awaitEnd(service, "left");
            List<FrozenTrial> trials = service.storage().trials("left");
            assertThat(trials.get(0).state()).isEqualTo(TrialState.FAIL);
            assertThat(trials.get(0).reason()).isEqualTo("interrupted: its end could not be saved");
            assertThat(Study.counted(trials)).isEqualTo(3); // the interrupted one is replaced
            assertThat(trials).hasSize(4).noneMatch(t -> t.state() == TrialState.RUNNING);
        }
    }

    @Test
    void aResumeWhileADeleteWaitsForTheRunIsRefusedAndNoRunOutlivesTheStudy() throws Exception {
        // A run that takes its time to end after the stop, as trials finishing their epoch do.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        FlakyDispatch slowToStop = runsUntil(release);
        try (StudyService service = service(slowToStop)) {
            service.submit(service.parser().parse(Api.quadratic("racing", 3, 1, 0)));
            while (slowToStop.runs.get() == 0) {
                Thread.onSpinWait();
            }
            Thread deleting = new Thread(() -> service.delete("racing"));
            deleting.start();
            for (int i = 0; i < 500 && deleting.getState() != Thread.State.WAITING
                    && deleting.getState() != Thread.State.TIMED_WAITING; i++) {
                Thread.sleep(5);
            }
            // It resumed into a run the delete no longer saw: that run outlived the study and, by name, failed the
            // trials of the next study called so.
            assertThatThrownBy(() -> service.resume("racing")).isInstanceOf(ApiException.class)
                    .hasMessage("study 'racing' is being deleted");
            release.countDown();
            deleting.join(10_000);
            assertThat(service.storage().findStudy("racing")).isEmpty();
            assertThat(slowToStop.runs).hasValue(1);
        }
    }

    @Test
    void aRunWhoseStudyWasReplacedEndsAndLeavesTheNewStudyAlone() throws Exception {
        // Another process deletes the study and submits a new one of its name while this run's trials run.
        FlakyDispatch replaced = counting((spec, study, objective, run) -> {
            Storage raw = ((dev.tuna.core.storage.StudyBoundStorage) study.storage()).delegate();
            raw.deleteStudy(spec.name());
            raw.createStudy(spec.name(), spec.direction());
            raw.startTrial(spec.name()); // the new study's own trial, running elsewhere
            study.ask(); // this run's next trial: refused, its study is gone
        });
        try (StudyService service = service(replaced)) {
            service.submit(service.parser().parse(Api.quadratic("replaced", 3, 1, 0)));
            for (int i = 0; i < 500 && (replaced.runs.get() == 0 || service.lastError("replaced").isPresent()
                    || service.storage().trials("replaced").isEmpty()); i++) {
                Thread.sleep(10);
            }
            Thread.sleep(200); // a retry, if there were one, would come within the 20 ms retry delay
            // It took the replacement for a database failure, retried for minutes, and failed the new study's
            // running trial by name as "its end could not be saved".
            assertThat(replaced.runs).hasValue(1);
            assertThat(service.storage().trials("replaced")).singleElement()
                    .satisfies(t -> assertThat(t.state()).isEqualTo(TrialState.RUNNING));
            assertThat(service.lastError("replaced")).isEmpty();
        }
    }

    @Test
    void aStopDuringTheWaitForTheDatabaseEndsTheTrialsTheRunLeftRunning() throws InterruptedException {
        FlakyDispatch leavesOneRunning = new FlakyDispatch(Integer.MAX_VALUE, null) {
            @Override
            public void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped) {
                study.ask(); // started, and then its end could not be written
                runs.incrementAndGet(); // after the ask: a stop seen before the trial existed found nothing to end
                throw new StorageException("cannot write tuna.db.journal: No space left on device");
            }

            @Override
            public boolean runsHereOnly() {
                return true;
            }
        };
        try (StudyService service = new StudyService(new InMemoryStorage(), leavesOneRunning, Trainables.builtIn())) {
            service.storageRetryDelay(Duration.ofMinutes(10));
            service.submit(service.parser().parse(Api.quadratic("held", 3, 1, 0)));
            while (leavesOneRunning.runs.get() == 0) {
                Thread.onSpinWait();
            }
            service.stop("held");
            for (int i = 0; i < 500 && !service.storage().trials("held", java.util.Set.of(TrialState.RUNNING)).isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertThat(service.storage().trials("held")).singleElement().satisfies(t -> {
                assertThat(t.state()).isEqualTo(TrialState.FAIL);
                assertThat(t.reason()).isEqualTo("interrupted: its end could not be saved");
            });
        }
    }

    @Test
    void aSpecsPointsRunFirstAndASpecSubmittedAgainDoesNotRunThemTwice() throws InterruptedException {
        String spec = Api.quadratic("warm", 3, 1, 0).replace("\"trials\": 3,",
                "\"trials\": 3, \"enqueue\": [{\"x\": 1.5, \"k\": 2, \"opt\": \"b\"}, {\"x\": -0.25}],");
        try (StudyService service = service(new FlakyDispatch(0, null))) {
            service.submit(service.parser().parse(spec));
            awaitEnd(service, "warm");
            List<dev.tuna.core.FrozenTrial> trials = service.storage().trials("warm");
            assertThat(trials.get(0).params()).isEqualTo(java.util.Map.of("x", 1.5, "k", 2, "opt", "b"));
            assertThat(trials.get(1).params()).containsEntry("x", -0.25); // k and opt sampled
            // Gone on with 2 more trials: both sampled, the points had run.
            service.submitOrGoOn(service.parser().parse(spec.replace("\"trials\": 3,", "\"trials\": 5,")));
            awaitEnd(service, "warm");
            trials = service.storage().trials("warm");
            assertThat(trials).hasSize(5);
            assertThat(trials.subList(2, 5)).noneMatch(t -> t.params().get("x").equals(1.5) || t.params().get("x").equals(-0.25));
            // More new points than trials left: refused before anything changes (they were left waiting on a study
            // shown complete).
            String crowded = spec.replace("\"trials\": 3,", "\"trials\": 6,").replace("{\"x\": -0.25}",
                    "{\"x\": -0.25}, {\"x\": 0.75}, {\"x\": 0.5}");
            assertThatThrownBy(() -> service.submitOrGoOn(service.parser().parse(crowded)))
                    .isInstanceOf(dev.tuna.web.spec.SpecException.class)
                    .hasMessage("enqueue: 2 point(s) new to study 'warm', but it has room for 1 more trial(s) (5 of 6 done,"
                            + " 0 running or waiting, interrupted ones to run again): give more trials, or fewer points");
            assertThat(service.storage().trials("warm")).hasSize(5);
            assertThat(service.info("warm").attrs().get(StudyService.ATTR_SPEC)).asString().contains("trials=5");
        }
    }

    @Test
    void aStudyGoingOnRunsItsInterruptedTrialsAgainBeforeItsNewPoints() throws InterruptedException {
        String spec = Api.quadratic("again", 2, 1, 0);
        try (StudyService service = service(new FlakyDispatch(0, null))) {
            service.submit(service.parser().parse(spec));
            awaitEnd(service, "again");
            // As a kill leaves it: a trial interrupted with its parameters.
            dev.tuna.core.storage.Storage storage = service.storage();
            int killed = storage.startTrial("again").number();
            storage.setParam("again", killed, "x", new dev.tuna.core.FloatDistribution(-2, 2), 1.25);
            storage.finishTrial("again", killed, dev.tuna.core.TrialState.FAIL, null, "interrupted");
            // Room for one more trial: the rerun takes it, and a new point does not fit.
            String onePoint = spec.replace("\"trials\": 2,", "\"trials\": 3, \"enqueue\": [{\"x\": -1.0}],");
            assertThatThrownBy(() -> service.submitOrGoOn(service.parser().parse(onePoint)))
                    .hasMessageStartingWith("enqueue: 1 point(s) new to study 'again', but it has room for 0 more trial(s)");
            service.submitOrGoOn(service.parser().parse(onePoint.replace("\"trials\": 3,", "\"trials\": 4,")));
            awaitEnd(service, "again");
            List<dev.tuna.core.FrozenTrial> trials = storage.trials("again");
            assertThat(trials).hasSize(5);
            assertThat(trials.get(3).systemAttrs()).containsEntry(Study.ATTR_RERUN_OF, killed);
            assertThat(trials.get(3).params()).containsEntry("x", 1.25);
            assertThat(trials.get(4).params()).containsEntry("x", -1.0);
        }
    }

    @Test
    void aConditionalParameterIsSuggestedOnlyUnderItsChoices() throws InterruptedException {
        // Ray Tune's spaces nest; a flat spec suggested every parameter on every trial.
        String spec = """
                {"name": "cond", "trials": 12, "sampler": {"type": "random", "seed": 7},
                 "trainable": {"type": "quadratic", "epochs": 1},
                 "space": {"opt": {"type": "categorical", "choices": ["a", "b"]}, "x": {"type": "float", "low": -2, "high": 2},
                           "k": {"type": "int", "low": 0, "high": 3, "when": {"opt": "b"}}}}
                """;
        try (StudyService service = service(new FlakyDispatch(0, null))) {
            service.submit(service.parser().parse(spec));
            awaitEnd(service, "cond");
            List<dev.tuna.core.FrozenTrial> trials = service.storage().trials("cond");
            assertThat(trials).hasSize(12).allMatch(t -> t.state() == dev.tuna.core.TrialState.COMPLETE);
            assertThat(trials).allMatch(t -> t.params().containsKey("k") == t.params().get("opt").equals("b"));
            assertThat(trials).anyMatch(t -> t.params().get("opt").equals("a"))
                    .anyMatch(t -> t.params().get("opt").equals("b"));
        }
    }

    @Test
    void aSummarySaysTheInterruptedTrialsApartFromTheFailedOnes() {
        InMemoryStorage storage = new InMemoryStorage();
        storage.createStudy("s", dev.tuna.core.Direction.MINIMIZE);
        String[] reasons = {null, "boom", "interrupted: the study was stopped", "interrupted"};
        for (String reason : reasons) {
            int n = storage.startTrial("s").number();
            storage.finishTrial("s", n, reason == null ? dev.tuna.core.TrialState.COMPLETE : dev.tuna.core.TrialState.FAIL,
                    reason == null ? 1.0 : null, reason);
        }
        // "1 complete, 0 pruned, 3 failed" read as if the trials had failed: killed ones run again and do not count.
        assertThat(StudyService.outcomes(storage.trials("s"))).isEqualTo("1 complete, 0 pruned, 1 failed, 2 interrupted");
        storage.deleteStudy("s");
        storage.createStudy("s", dev.tuna.core.Direction.MINIMIZE);
        assertThat(StudyService.outcomes(storage.trials("s"))).isEqualTo("0 complete, 0 pruned, 0 failed");
    }

    @Test
    void aStoredScheduledStudyShowsAsScheduledWithItsCronWhateverItsTrials() {
        InMemoryStorage storage = new InMemoryStorage();
        storage.createStudy("cronned", dev.tuna.core.Direction.MINIMIZE);
        storage.setStudyAttr("cronned", StudyService.ATTR_SPEC, java.util.Map.of("trials", 3, "cron", "0 0 * * * ?"));
        dev.tuna.core.storage.StudyInfo info = storage.findStudy("cronned").orElseThrow();
        // 10 trials done of 3 a firing: not complete, as a share of the spec's trials would say.
        assertThat(StudyService.storedState(info, 10)).isEqualTo(StudyService.State.SCHEDULED);
        assertThat(Views.study(info, List.of())).containsEntry("state", "scheduled").containsEntry("cron", "0 0 * * * ?");
        // Once its last firing has passed, it is done.
        storage.setStudyAttr("cronned", StudyService.ATTR_SPEC, java.util.Map.of("trials", 3, "cron", "0 0 0 1 1 ? 2001"));
        assertThat(StudyService.storedState(storage.findStudy("cronned").orElseThrow(), 10))
                .isEqualTo(StudyService.State.COMPLETE);
    }

    @Test
    void aSubmitWhosePointsCannotBeSavedLeavesNoStudyBehind() {
        InMemoryStorage full = new InMemoryStorage() {
            @Override
            public synchronized FrozenTrial enqueueTrial(String study, java.util.Map<String, Object> fixedParams) {
                throw new StorageException("cannot write tuna.db.journal: No space left on device");
            }
        };
        try (StudyService service = new StudyService(full, new FlakyDispatch(0, null), Trainables.builtIn())) {
            StudySpec spec = service.parser().parse(Api.quadratic("ghost", 3, 1, 0)
                    .replace("\"trials\": 3,", "\"trials\": 3, \"enqueue\": [{\"x\": 0.5}],"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> service.submit(spec))
                    .isInstanceOf(StorageException.class);
            assertThat(full.findStudy("ghost")).isEmpty();
        }
    }

    @Test
    void aSubmitKilledRightAfterItCreatedTheStudyLeavesItWithItsSpec() {
        java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
        InMemoryStorage dying = new InMemoryStorage() { // nothing is written after the study is created
            @Override
            public synchronized dev.tuna.core.storage.StudyInfo createStudy(String name, dev.tuna.core.Direction direction,
                    java.util.Map<String, Object> attrs) {
                dev.tuna.core.storage.StudyInfo made = super.createStudy(name, direction, attrs);
                killed.set(true);
                return made;
            }

            @Override
            public synchronized void setStudyAttr(String study, String key, Object value) {
                if (killed.get()) {
                    throw new StorageException("killed");
                }
                super.setStudyAttr(study, key, value);
            }

            @Override
            public synchronized void deleteStudy(String name) {
                if (killed.get()) {
                    throw new StorageException("killed");
                }
                super.deleteStudy(name);
            }
        };
        try (StudyService service = new StudyService(dying, new FlakyDispatch(0, null), Trainables.builtIn())) {
            service.submit(service.parser().parse(Api.quadratic("kept", 3, 1, 0)));
        } catch (StorageException expectedOfAnEarlierVersion) {
            // it wrote the spec apart from the study
        }
        // Not a study that shows complete with no trials and no spec, as one made in code would.
        assertThat(dying.findStudy("kept").orElseThrow().attrs()).containsKey(StudyService.ATTR_SPEC);
        assertThat(StudyService.storedState(dying.findStudy("kept").orElseThrow(), 0)).isEqualTo(StudyService.State.IDLE);
    }

    @Test
    void closingTheServiceDoesNotWaitOutARunsNextTryOnItsDatabase() {
        FlakyDispatch down = new FlakyDispatch(Integer.MAX_VALUE, () -> new StorageException("connection refused"));
        StudyService service = new StudyService(new InMemoryStorage(), down, Trainables.builtIn());
        service.storageRetryDelay(Duration.ofMinutes(10));
        service.submit(service.parser().parse(Api.quadratic("down", 3, 1, 0)));
        while (down.runs.get() == 0) {
            Thread.onSpinWait();
        }
        long start = System.nanoTime();
        service.close(); // waits up to 30 s for the runs to end: a run asleep until its next try held it that long
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(down.runs).hasValue(1);
    }

    @Test
    void aResumeOrTheSameSpecOfARunningStudyLeavesItsRunAsStoppingAStoppedOneDoes() throws Exception {
        // Refused before ("running already"), where a stop of a stopped study succeeded.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        FlakyDispatch running = runsUntil(release);
        try (StudyService service = service(running)) {
            service.submit(service.parser().parse(Api.quadratic("busy", 3, 1, 0)));
            while (running.runs.get() == 0) {
                Thread.onSpinWait();
            }
            service.resume("busy");
            service.resume("busy");
            // The same spec submitted again (12 clients at once: 11 got 409 "is running") runs on; one that would
            // change its run is refused.
            assertThat(service.submitOrGoOn(service.parser().parse(Api.quadratic("busy", 3, 1, 0))).created()).isFalse();
            // One with a new point to run first: the point joins the run (it was dropped).
            String pointed = Api.quadratic("busy", 3, 1, 0).replace("\"trials\": 3,", "\"trials\": 3, \"enqueue\": [{\"x\": 0.5}],");
            service.submitOrGoOn(service.parser().parse(pointed));
            service.submitOrGoOn(service.parser().parse(pointed));
            assertThat(service.storage().trials("busy")).singleElement()
                    .satisfies(t -> assertThat(t.fixedParams()).isEqualTo(java.util.Map.of("x", 0.5)));
            assertThatThrownBy(() -> service.submitOrGoOn(service.parser().parse(Api.quadratic("busy", 4, 1, 0))))
                    .isInstanceOf(ApiException.class).hasMessageContaining("is running");
            String wider = Api.quadratic("busy", 3, 1, 0).replace("\"trials\": 3,", "\"trials\": 3, \"parallelism\": 2,");
            assertThatThrownBy(() -> service.submitOrGoOn(service.parser().parse(wider)))
                    .isInstanceOf(ApiException.class).hasMessageContaining("is running");
            String timed = Api.quadratic("busy", 3, 1, 0).replace("\"trials\": 3,", "\"trials\": 3, \"timeoutSeconds\": 60,");
            assertThatThrownBy(() -> service.submitOrGoOn(service.parser().parse(timed)))
                    .isInstanceOf(ApiException.class).hasMessageContaining("is running");
            assertThat(running.runs).hasValue(1); // no second run
            assertThat(service.state(service.info("busy"), 0)).isEqualTo(StudyService.State.RUNNING);
            service.stop("busy");
            service.stop("busy");
            // Its trials still ending: a resume now would be one the stopping run ignores.
            assertThatThrownBy(() -> service.resumeNow("busy")).isInstanceOf(ApiException.class)
                    .hasMessage("study 'busy' is still stopping (its trials are ending): resume it in a moment");
            release.countDown();
        }
    }

    @Test
    void aStudyWhoseTimeoutRanOutIsStoppedAndAServerStartedAgainLeavesIt() throws InterruptedException {
        // One trial, then the run lasts past its 1 s timeout, as a run whose next trial started too late.
        FlakyDispatch slow = counting((spec, study, objective, run) -> {
            study.optimize(objective, 1);
            Thread.sleep(1_100);
        });
        String spec = Api.quadratic("budget", 3, 1, 0).replace("\"trials\": 3,", "\"trials\": 3, \"timeoutSeconds\": 1,");
        try (StudyService service = service(slow)) {
            service.submit(service.parser().parse(spec));
            awaitEnd(service, "budget");
            dev.tuna.core.storage.StudyInfo info = service.info("budget");
            // It was idle, and a server started again resumed it with its whole budget of time again.
            assertThat(service.state(info, 1)).isEqualTo(StudyService.State.STOPPED);
            assertThat(Views.study(info, service.storage().trials("budget"))).containsEntry("state", "stopped")
                    .containsEntry("timedOut", true);
            try (StudyService restarted = new StudyService(service.storage(), slow, Trainables.builtIn())) {
                assertThat(restarted.resumeUnfinished()).isZero();
            }
            // A resume goes on, with the timeout again.
            service.resume("budget");
            assertThat(service.info("budget").attrs()).containsEntry(StudyService.ATTR_TIMED_OUT, false);
            awaitEnd(service, "budget");
            assertThat(slow.runs).hasValue(2);
            assertThat(Study.counted(service.storage().trials("budget"))).isEqualTo(2);
            // Timed out again; its spec submitted again to go on runs it too.
            assertThat(service.state(service.info("budget"), 2)).isEqualTo(StudyService.State.STOPPED);
            service.submitOrGoOn(service.parser().parse(spec));
            awaitEnd(service, "budget");
            assertThat(slow.runs).hasValue(3);
            // Its trials all run by another process after its run timed out: complete, whatever the mark says.
            assertThat(Study.counted(service.storage().trials("budget"))).isEqualTo(3);
            service.storage().setStudyAttr("budget", StudyService.ATTR_TIMED_OUT, true);
            assertThat(service.state(service.info("budget"), 3)).isEqualTo(StudyService.State.COMPLETE);
            assertThat(Views.study(service.info("budget"), service.storage().trials("budget"))).doesNotContainKey("timedOut");
        }
        // A run that ends within its timeout is not timed out.
        try (StudyService service = service(new FlakyDispatch(0, null))) {
            service.submit(service.parser().parse(spec.replace("\"timeoutSeconds\": 1,", "\"timeoutSeconds\": 60,")));
            awaitEnd(service, "budget");
            assertThat(service.info("budget").attrs()).doesNotContainKey(StudyService.ATTR_TIMED_OUT);
            assertThat(service.state(service.info("budget"), 3)).isEqualTo(StudyService.State.COMPLETE);
        }
    }

    @Test
    void aResumeRightAfterAStopWaitsForTheStoppedRunToEnd() throws InterruptedException {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        StudyDispatch slowToStop = new FlakyDispatch(0, null) {
            @Override
            public void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped) {
                if (calls.incrementAndGet() == 1) {
                    try {
                        release.await(); // a trial that takes a moment to end after the stop
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                super.run(spec, study, objective, stopped);
            }
        };
        try (StudyService service = new StudyService(new InMemoryStorage(), slowToStop, Trainables.builtIn())) {
            service.submit(service.parser().parse(Api.quadratic("stopping", 2, 1, 0)));
            service.stop("stopping");
            assertThat(service.state(service.info("stopping"), 0)).isEqualTo(StudyService.State.STOPPED);
            new Thread(() -> {
                sleepQuietly(300);
                release.countDown();
            }).start();
            service.resume("stopping"); // refused as "running already" before
            awaitEnd(service, "stopping");
            assertThat(calls).hasValue(2);
            assertThat(Study.counted(service.storage().trials("stopping"))).isEqualTo(2);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRunThatFailedForAnotherReasonIsNotTriedAgain() throws InterruptedException {
        FlakyDispatch dispatch = new FlakyDispatch(1, () -> new IllegalStateException("the sampler failed"));
        try (StudyService service = service(dispatch)) {
            service.submit(service.parser().parse(Api.quadratic("broken", 3, 1, 0)));
            awaitEnd(service, "broken");
            Thread.sleep(200); // time for a retry that must not come
            assertThat(dispatch.runs).hasValue(1);
            assertThat(service.lastError("broken")).contains("the sampler failed");
        }
    }
}
