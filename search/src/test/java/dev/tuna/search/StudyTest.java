package dev.tuna.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.InMemoryStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.search.pruner.MedianPruner;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.search.sampler.SobolSampler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StudyTest {

    private static Study study(String name) {
        return Study.builder(name).sampler(new RandomSampler(7)).create();
    }

    private static double quadratic(Trial trial) {
        double x = trial.suggestFloat("x", -10, 10);
        double y = trial.suggestFloat("y", -10, 10);
        return (x - 2) * (x - 2) + (y + 1) * (y + 1);
    }

    @Test
    void optimizeRunsTheRequestedTrialsAndFindsTheBest() {
        Study study = study("quadratic");
        study.optimize(StudyTest::quadratic, 50);

        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(50).allMatch(t -> t.state() == TrialState.COMPLETE);
        assertThat(trials).extracting(FrozenTrial::number).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 50).boxed().toList());
        double min = trials.stream().mapToDouble(FrozenTrial::value).min().orElseThrow();
        assertThat(study.bestValue()).isEqualTo(min);
        assertThat(study.bestParams()).containsOnlyKeys("x", "y");
        assertThat(study.bestTrial().value()).isEqualTo(min);
    }

    @Test
    void maximizingPicksTheHighestValue() {
        Study study = Study.builder("max").direction(Direction.MAXIMIZE).sampler(new RandomSampler(1)).create();
        study.optimize(StudyTest::quadratic, 20);
        double max = study.trials().stream().mapToDouble(FrozenTrial::value).max().orElseThrow();
        assertThat(study.bestValue()).isEqualTo(max);
    }

    @Test
    void bestTrialOfAStudyWithoutCompletedTrialsIsAClearError() {
        Study study = study("empty");
        assertThat(study.findBestTrial()).isEmpty();
        assertThatThrownBy(study::bestTrial).isInstanceOf(NoSuchElementException.class).hasMessageContaining("empty");
    }

    @Test
    void aNanValueFailsTheTrialAndAnInfinityCompletesItAsInOptuna() {
        // An infinity failed the trial too: a constraint broken, returned as +inf, then taught the samplers nothing.
        Study study = study("nan");
        AtomicInteger calls = new AtomicInteger();
        study.optimize(trial -> calls.getAndIncrement() == 0 ? Double.NaN : Double.POSITIVE_INFINITY, 2);

        assertThat(study.trials()).extracting(FrozenTrial::state).containsExactly(TrialState.FAIL, TrialState.COMPLETE);
        assertThat(study.trials().get(0).reason()).isEqualTo("the value is NaN");
        assertThat(study.trials().get(0).value()).isNull();
        assertThat(study.trials().get(1).value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(study.bestTrial().number()).isEqualTo(1); // the only value, however bad
    }

    @Test
    void aTimeoutTooLongToCountIsNoLimitAndNullsAndBlankNamesAreNamed() {
        // ChronoUnit.FOREVER threw "long overflow"; a timeout just short of it wrapped around and ran no trial.
        Study study = study("forever");
        study.optimize(trial -> 1.0, OptimizeOptions.builder().optTrials(2)
                .optTimeout(java.time.temporal.ChronoUnit.FOREVER.getDuration()).build());
        study.optimize(trial -> 1.0, OptimizeOptions.builder().optTrials(2)
                .optTimeout(java.time.Duration.ofNanos(Long.MAX_VALUE - 1)).build());
        assertThat(study.trials()).hasSize(4);

        assertThatThrownBy(() -> study.enqueue(null)).hasMessageContaining("params");
        assertThatThrownBy(() -> new dev.tuna.search.pruner.AnyOf(new dev.tuna.search.pruner.MedianPruner(), null))
                .hasMessage("pruners[1] is null");
        Trial trial = study.ask();
        assertThatThrownBy(() -> trial.suggestFloat("", 0, 1)).hasMessage("a parameter needs a name, got ''");
        assertThatThrownBy(() -> trial.setUserAttr("", 1)).hasMessage("a trial user attribute needs a name, got ''");
    }

    @Test
    void anExceptionFailsOnlyItsTrialAndKeepsMessageAndStackTrace() {
        Study study = study("errors");
        study.optimize(trial -> {
            if (trial.number() == 1) {
                throw new IllegalStateException("out of cheese");
            }
            return quadratic(trial);
        }, 4);

        List<FrozenTrial> trials = study.trials();
        assertThat(trials).extracting(FrozenTrial::state)
                .containsExactly(TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE, TrialState.COMPLETE);
        FrozenTrial failed = trials.get(1);
        assertThat(failed.reason()).contains("IllegalStateException").contains("out of cheese");
        assertThat((String) failed.systemAttrs().get(FrozenTrial.ATTR_STACK_TRACE))
                .contains("out of cheese").contains("StudyTest");
    }

    @Test
    void aTrialFailedExceptionGivesItsMessageAsTheReasonWordForWord() {
        Study study = study("own-reason");
        study.optimize(trial -> {
            throw new TrialFailedException("diverged: loss became NaN at epoch 2 batch 7");
        }, 1);

        FrozenTrial failed = study.trials().get(0);
        assertThat(failed.state()).isEqualTo(TrialState.FAIL);
        assertThat(failed.reason()).isEqualTo("diverged: loss became NaN at epoch 2 batch 7");
        assertThat(failed.systemAttrs()).containsKey(FrozenTrial.ATTR_STACK_TRACE);
    }

    @Test
    void aPruneOrFailureThrownInAFutureEndsTheTrialAsThrownThere() {
        // Java's futures wrap what they throw: the pruned trial ended FAIL "java.util.concurrent.CompletionException".
        Study study = study("futures");
        study.optimize(trial -> java.util.concurrent.CompletableFuture.<Double>supplyAsync(() -> {
            throw new TrialPrunedException("pruned in a future");
        }).join(), 1);
        study.optimize(trial -> java.util.concurrent.CompletableFuture.<Double>supplyAsync(() -> {
            throw new TrialFailedException("failed in a future");
        }).get(), 1);

        // An error in a future failed only its trial, and still does (unwrapped, it would stop the run).
        study.optimize(trial -> java.util.concurrent.CompletableFuture.<Double>supplyAsync(() -> {
            throw new AssertionError("checked in a future");
        }).join(), 2);

        assertThat(study.trials()).extracting(FrozenTrial::state)
                .containsExactly(TrialState.PRUNED, TrialState.FAIL, TrialState.FAIL, TrialState.FAIL);
        assertThat(study.trials()).extracting(FrozenTrial::reason).startsWith("pruned in a future", "failed in a future");
        assertThat(study.trials().get(3).reason()).startsWith("java.util.concurrent.CompletionException")
                .contains("checked in a future");
    }

    @Test
    void aFailedAssertFailsOnlyItsTrialWhileAnotherErrorEndsTheRun() {
        // A failed assert ended the whole run, where Optuna's AssertionError (an exception) fails only its trial.
        Study study = study("asserts");
        study.optimize(trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            assert x > 2 : "x out of range";
            throw new AssertionError("x out of range");
        }, 3);
        assertThat(study.trials()).extracting(FrozenTrial::state).containsOnly(TrialState.FAIL).hasSize(3);
        assertThat(study.trials().get(0).reason()).isEqualTo("java.lang.AssertionError: x out of range");

        assertThatThrownBy(() -> study.optimize(trial -> {
            throw new LinkageError("a class went missing");
        }, 3)).isInstanceOf(LinkageError.class);
        assertThat(study.trials()).hasSize(4);
        assertThat(study.trials().get(3).state()).isEqualTo(TrialState.FAIL);
        assertThatThrownBy(() -> study.runTrial(trial -> {
            throw new LinkageError("again");
        })).isInstanceOf(LinkageError.class);
        assertThat(study.runTrial(trial -> {
            throw new AssertionError("checked");
        }).state()).isEqualTo(TrialState.FAIL);
    }

    @Test
    void aStudyRunToItsTotalRunsTheTrialsItHadBegunFirst() {
        // As after a kill -9: trial 1 was running, and the storage marked it interrupted when opened again.
        Study study = study("resumed");
        study.optimize(StudyTest::quadratic, 3);
        Storage storage = study.storage();
        FrozenTrial killed = storage.startTrial("resumed");
        storage.setParam("resumed", killed.number(), "x", new dev.tuna.core.FloatDistribution(-10, 10, false, null), 4.25);
        storage.finishTrial("resumed", killed.number(), TrialState.FAIL, null, "interrupted: its process died");

        study.optimize(StudyTest::quadratic, OptimizeOptions.builder().optTotalTrials(5).build());
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(6);
        // Its configuration ran first, marked as a rerun of it, where a new one had been sampled in its place.
        assertThat(trials.get(4).params()).containsEntry("x", 4.25);
        assertThat(trials.get(4).systemAttrs()).containsEntry(Study.ATTR_RERUN_OF, 3).containsEntry(Study.ATTR_RERUNS, 1);
        assertThat(trials.get(5).systemAttrs()).doesNotContainKey(Study.ATTR_RERUN_OF);
        // Once: run again to a larger total, it is not enqueued a second time; nor by a call that is not to a total.
        study.optimize(StudyTest::quadratic, OptimizeOptions.builder().optTotalTrials(6).build());
        assertThat(study.trials().stream().filter(t -> t.systemAttrs().containsKey(Study.ATTR_RERUN_OF))).hasSize(1);
        assertThat(study.rerunInterrupted(10)).isZero();
    }

    @Test
    void aRerunNeverRunsPastTheTotal() {
        Study study = study("full");
        Storage storage = study.storage();
        FrozenTrial killed = storage.startTrial("full");
        storage.setParam("full", killed.number(), "x", new dev.tuna.core.FloatDistribution(-10, 10, false, null), 1.0);
        storage.finishTrial("full", killed.number(), TrialState.FAIL, null, "interrupted: its process died");
        study.optimize(StudyTest::quadratic, 2);
        // The total already reached: nothing runs, nothing is left waiting.
        study.optimize(StudyTest::quadratic, OptimizeOptions.builder().optTotalTrials(2).build());
        assertThat(study.trials()).hasSize(3);
        assertThat(study.trials(TrialState.WAITING)).isEmpty();
        // Trials already waiting take the places the total has left: two points fill two more trials and the rerun
        // is not queued (it was left waiting for good); with room for a third it is.
        study.enqueue(Map.of("x", 2.0));
        study.enqueue(Map.of("x", 3.0));
        assertThat(study.rerunInterrupted(2)).isZero();
        assertThat(study.rerunInterrupted(3)).isEqualTo(1);
        assertThat(study.trials(TrialState.WAITING)).hasSize(3);
    }

    @Test
    void anOwnReasonThatReadsAsAnInterruptionStillCounts() {
        // It was kept word for word, so the trial read as one Tuna interrupted: not counted, its parameters run again.
        Study study = study("own-interrupted");
        study.optimize(trial -> {
            throw new TrialFailedException("interrupted: the data loader timed out");
        }, 2);

        assertThat(study.trials()).extracting(FrozenTrial::reason)
                .containsOnly("failed: interrupted: the data loader timed out");
        assertThat(study.countedTrials()).isEqualTo(2);
    }

    @Test
    void aTrialWhoseStorageFailsUnderItEndsInterruptedAndDoesNotCount() {
        // A database out of reach while the first trial reports; back before its end is written.
        Storage failing = new InMemoryStorage() {
            @Override
            public synchronized void report(String study, int number, int step, Double value, Map<String, Double> metrics) {
                if (number == 0) {
                    throw new dev.tuna.core.storage.StorageUnavailableException("database error: Connection is not available",
                            new java.sql.SQLTransientConnectionException("timed out"));
                }
                super.report(study, number, step, value, metrics);
            }
        };
        Study study = Study.builder("storage-failed").storage(failing).sampler(new RandomSampler(1)).create();
        study.optimize(trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            trial.report(1, x);
            return x;
        }, OptimizeOptions.builder().optTotalTrials(2).build());

        List<FrozenTrial> trials = study.trials();
        assertThat(trials.get(0).state()).isEqualTo(TrialState.FAIL);
        assertThat(trials.get(0).reason())
                .isEqualTo("interrupted: its storage failed: database error: Connection is not available");
        assertThat(trials.get(0).wasInterrupted()).isTrue();
        // Not counted (a server runs its parameters again; here, running the study on runs one trial more).
        assertThat(trials).extracting(FrozenTrial::state).containsExactly(TrialState.FAIL, TrialState.COMPLETE);
        assertThat(study.countedTrials()).isEqualTo(1);

        // One the objective brings on itself (a study it creates twice, say) is its own failure, and counts.
        Study other = study("storage-misused");
        other.optimize(trial -> {
            throw new dev.tuna.core.storage.StudyExistsException("nested");
        }, 1);
        assertThat(other.trials().get(0).wasInterrupted()).isFalse();
        assertThat(other.countedTrials()).isEqualTo(1);
    }

    @Test
    void anInterruptedObjectiveEndsTheRunWithoutCountingItsTrial() {
        Study study = study("interrupted");
        AtomicInteger calls = new AtomicInteger();
        study.optimize(trial -> {
            if (calls.incrementAndGet() == 2) {
                throw new InterruptedException("cancelled");
            }
            Thread.sleep(1);
            return quadratic(trial);
        }, 5);
        boolean interrupted = Thread.interrupted(); // read and cleared, so the next tests run uninterrupted
        assertThat(interrupted).as("the caller's interrupt status").isTrue();
        assertThat(calls).hasValue(2);
        assertThat(study.trials()).extracting(FrozenTrial::state).containsExactly(TrialState.COMPLETE, TrialState.FAIL);
        FrozenTrial failed = study.trials().get(1);
        assertThat(failed.reason()).isEqualTo("interrupted: java.lang.InterruptedException: cancelled");
        assertThat(failed.wasInterrupted()).isTrue();
        assertThat(Study.counted(study.trials())).isEqualTo(1);
    }

    @Test
    void interruptingTheThreadThatRunsOptimizeStartsNoMoreTrials() throws InterruptedException {
        Study study = study("interrupted-from-outside");
        CountDownLatch firstStarted = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean interruptSent = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger flagAtEnd = new AtomicInteger(-1);
        Thread runner = new Thread(() -> {
            study.optimize(trial -> {
                firstStarted.countDown();
                while (!interruptSent.get()) {
                    Thread.onSpinWait(); // busy, ignoring interrupts, as a CPU-bound objective may
                }
                return quadratic(trial);
            }, 50);
            flagAtEnd.set(Thread.currentThread().isInterrupted() ? 1 : 0);
        });
        runner.start();
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        runner.interrupt();
        interruptSent.set(true);
        runner.join(30_000);
        assertThat(runner.isAlive()).isFalse();
        assertThat(flagAtEnd).hasValue(1);
        // The trial running when the interrupt came finishes (its objective ignored it); none starts after it.
        assertThat(study.trials()).hasSize(1).allMatch(t -> t.state() == TrialState.COMPLETE);
    }

    @Test
    void interruptingAParallelOptimizeReturnsOnlyOnceItsTrialsHaveEnded() throws InterruptedException {
        Study study = study("interrupted-parallel");
        CountDownLatch twoStarted = new CountDownLatch(2);
        AtomicInteger runningAtEnd = new AtomicInteger(-1);
        Thread runner = new Thread(() -> {
            study.optimize(trial -> {
                twoStarted.countDown();
                long end = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait(); // busy, ignoring interrupts
                }
                return quadratic(trial);
            }, OptimizeOptions.builder().optTrials(20).optParallelism(2).build());
            runningAtEnd.set((int) study.trials().stream().filter(t -> t.state() == TrialState.RUNNING).count());
        });
        runner.start();
        assertThat(twoStarted.await(10, TimeUnit.SECONDS)).isTrue();
        runner.interrupt();
        runner.join(30_000);
        assertThat(runningAtEnd).as("trials still running when optimize returned").hasValue(0);
        assertThat(study.trials()).hasSizeLessThan(20);
    }

    @Test
    void anInterruptReachesTheTrialsOfEveryThread() throws InterruptedException {
        Study study = study("interrupted-threads");
        CountDownLatch twoStarted = new CountDownLatch(2);
        Thread runner = new Thread(() -> study.optimize(trial -> {
            twoStarted.countDown();
            Thread.sleep(60_000); // ends only if interrupted
            return 1.0;
        }, OptimizeOptions.builder().optTrials(10).optParallelism(2).build()));
        runner.start();
        assertThat(twoStarted.await(10, TimeUnit.SECONDS)).isTrue();
        runner.interrupt();
        runner.join(10_000);
        assertThat(runner.isAlive()).isFalse();
        assertThat(study.trials()).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.FAIL);
            assertThat(t.reason()).startsWith("interrupted: java.lang.InterruptedException");
        });
    }

    @Test
    void stopOnErrorRethrowsAfterRecordingTheFailure() {
        Study study = study("stop-on-error");
        OptimizeOptions options = OptimizeOptions.builder().optTrials(10).optStopOnError(true).build();
        assertThatThrownBy(() -> study.optimize(trial -> {
            if (trial.number() == 2) {
                throw new IllegalArgumentException("bad batch");
            }
            return 1.0;
        }, options)).isInstanceOf(IllegalArgumentException.class).hasMessage("bad batch");

        assertThat(study.trials()).hasSize(3);
        assertThat(study.trials().get(2).state()).isEqualTo(TrialState.FAIL);
    }

    @Test
    void aCheckedExceptionIsWrappedWhenStoppingOnError() {
        Study study = study("checked");
        OptimizeOptions options = OptimizeOptions.builder().optTrials(3).optStopOnError(true).build();
        assertThatThrownBy(() -> study.optimize(trial -> {
            throw new IOException("disk gone");
        }, options)).isInstanceOf(ObjectiveException.class).hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("disk gone");
        assertThat(study.trials()).hasSize(1);
    }

    @Test
    void prunedTrialsKeepTheirLastIntermediateValueAndThePrunersReason() {
        Pruner atStepThree = (s, t) -> t.lastStep() >= 3 ? PruneDecision.prune("step " + t.lastStep() + " is enough") : PruneDecision.KEEP;
        Study study = Study.builder("pruned").sampler(new RandomSampler(3)).pruner(atStepThree).create();
        study.optimize(trial -> {
            for (int step = 1; step <= 10; step++) {
                trial.report(step, 10.0 / step);
                trial.report(step, Map.of("train_loss", 1.0 / step));
                if (trial.shouldPrune()) {
                    throw new TrialPrunedException();
                }
            }
            return 0;
        }, 2);

        FrozenTrial t = study.trials().get(0);
        assertThat(t.state()).isEqualTo(TrialState.PRUNED);
        assertThat(t.value()).isEqualTo(10.0 / 3);
        assertThat(t.reason()).isEqualTo("step 3 is enough");
        assertThat(t.intermediateValues()).containsOnlyKeys(1, 2, 3);
        assertThat(t.metric("train_loss")).containsEntry(3, 1.0 / 3);
        assertThat(study.findBestTrial()).isEmpty();
    }

    @Test
    void theObjectiveMayPruneWithItsOwnReason() {
        Study study = study("own-reason");
        study.optimize(trial -> {
            trial.report(0, 5.0);
            throw new TrialPrunedException("loss went flat");
        }, 1);
        assertThat(study.trials().get(0).reason()).isEqualTo("loss went flat");
        assertThat(study.trials().get(0).value()).isEqualTo(5.0);
    }

    @Test
    void askAndTell() {
        Study study = study("ask-tell");
        Trial first = study.ask();
        double x = first.suggestFloat("x", 0, 1);
        assertThat(study.trials().get(0).state()).isEqualTo(TrialState.RUNNING);
        FrozenTrial told = study.tell(first, x * 2);
        assertThat(told.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(told.value()).isEqualTo(x * 2);
        assertThat(told.params()).containsEntry("x", x);

        Trial second = study.ask();
        second.report(1, 0.5);
        assertThat(study.tell(second, TrialState.PRUNED).value()).isEqualTo(0.5);
        assertThat(second.number()).isEqualTo(1);

        assertThatThrownBy(() -> study.tell(first, 1.0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> first.suggestInt("n", 0, 3)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> first.report(2, 1.0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTrialIsToldByItsNumberOrThroughAnotherHandleOfTheStudy() {
        Storage storage = new InMemoryStorage();
        Study asking = Study.builder("shared").storage(storage).sampler(new RandomSampler(1)).create();
        Study telling = Study.builder("shared").storage(storage).sampler(new RandomSampler(1)).create();
        Trial first = asking.ask();
        first.suggestFloat("x", 0, 1);
        assertThat(telling.tell(first, 0.25).value()).isEqualTo(0.25);

        int second = asking.ask().number();
        assertThat(telling.tell(second, 0.5).state()).isEqualTo(TrialState.COMPLETE);
        Trial third = asking.ask();
        third.report(2, 0.75);
        assertThat(telling.tell(third.number(), TrialState.PRUNED)).satisfies(t -> {
            assertThat(t.value()).isEqualTo(0.75);
            assertThat(t.reason()).isEqualTo("pruned by the caller");
        });
        assertThatThrownBy(() -> telling.tell(second, 1.0)).isInstanceOf(IllegalStateException.class)
                .hasMessage("trial 1 of study 'shared' is COMPLETE, not running");

        Study other = study("other");
        Trial foreign = other.ask();
        assertThatThrownBy(() -> telling.tell(foreign, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trial 0 belongs to study 'other', not to study 'shared'");
    }

    @Test
    void aPrunedTrialWhoseLastValueIsNanHasNoValue() {
        Study study = study("pruned-nan");
        study.optimize(trial -> {
            trial.report(0, 1.0);
            trial.report(1, Double.NaN);
            throw new TrialPrunedException("went NaN");
        }, 1);
        Trial asked = study.ask();
        asked.report(0, Double.NaN);
        study.tell(asked, TrialState.PRUNED);
        assertThat(study.trials()).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.PRUNED);
            assertThat(t.value()).as("as Optuna, which stores None").isNull();
        });
    }

    @Test
    void studyNamesThatNoUrlCanAddressAreRefused() {
        assertThatThrownBy(() -> Study.builder("..")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a study cannot be named '..': a URL cannot address it");
        assertThatThrownBy(() -> Study.builder(".")).hasMessage("a study cannot be named '.': a URL cannot address it");
        assertThat(Study.builder("...").create().name()).isEqualTo("...");
    }

    @Test
    void aRefusedTellChangesNothing() {
        Study study = study("refused-tell");
        Trial trial = study.ask();
        trial.suggestFloat("y", 0, 1);
        assertThatThrownBy(() -> study.tell(trial, TrialState.COMPLETE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tell takes PRUNED or FAIL without a value, not COMPLETE");
        assertThatThrownBy(() -> study.tell(trial.number(), TrialState.RUNNING))
                .hasMessage("tell takes PRUNED or FAIL without a value, not RUNNING");
        // The handle still works: it was marked finished though the trial stayed RUNNING.
        trial.report(1, 0.5);
        assertThat(study.tell(trial, 0.25).state()).isEqualTo(TrialState.COMPLETE);
    }

    @Test
    void twoStudyObjectsOfOneStudyAskOneAtATime() throws Exception {
        // A Study object per thread on one storage, as Optuna users load a study: each had its own ask lock, and a
        // grid's points ran twice (7 of 40 on MapDB).
        Storage storage = new InMemoryStorage();
        List<Integer> values = java.util.stream.IntStream.range(0, 40).boxed().toList();
        List<Study> studies = List.of(
                Study.builder("shared").sampler(new dev.tuna.search.sampler.GridSampler(Map.of("x", values))).storage(storage).create(),
                Study.builder("shared").sampler(new dev.tuna.search.sampler.GridSampler(Map.of("x", values))).storage(storage).create());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> runs = studies.stream().map(study -> pool.submit(() -> study.optimize(
                    trial -> {
                        Thread.sleep(1);
                        return trial.suggestInt("x", 0, 39);
                    }, OptimizeOptions.builder().optTrials(40).optParallelism(2).build()))).collect(Collectors.toList());
            for (java.util.concurrent.Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Object> ran = storage.trials("shared").stream().filter(t -> t.state() == TrialState.COMPLETE)
                .map(t -> t.params().get("x")).toList();
        assertThat(ran).hasSize(40).doesNotHaveDuplicates();
    }

    @Test
    void aTrialToldTwiceIsRefusedWithoutAWordOfItsDiagnosis() {
        Study study = study("told-twice");
        Trial trial = study.ask();
        for (int i = 0; i < 10; i++) {
            trial.report(i, 1.0); // a plateau: the first tell stores it as a diagnosis
        }
        study.tell(trial, 1.0);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThatThrownBy(() -> study.tell(trial, 2.0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is COMPLETE");
        } finally {
            System.setErr(err);
        }
        // It warned first that diagnosing the trial's curves had failed.
        assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("diagnosing");
        assertThatThrownBy(() -> study.tell((Trial) null, 1.0)).isInstanceOf(NullPointerException.class).hasMessage("trial");
    }

    @Test
    void badStepsAndNamesAreRefusedClearly() {
        Trial trial = study("bad-calls").ask();
        assertThatThrownBy(() -> trial.report(-1, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("step must not be negative, got -1");
        assertThatThrownBy(() -> trial.report(-2, Map.of("loss", 1.0))).hasMessage("step must not be negative, got -2");
        assertThatThrownBy(() -> trial.suggestFloat(null, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a parameter needs a name, got null");
        // A missing metric value is refused before anything is stored: it broke the divergence checks later.
        Map<String, Double> withNull = new java.util.HashMap<>();
        withNull.put("train_loss", 0.5);
        withNull.put("val_loss", null);
        assertThatThrownBy(() -> trial.report(2, withNull)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trial 0: metric 'val_loss' at step 2 is null; report a number (NaN for a value that is not one)");
        withNull.remove("val_loss");
        withNull.put(null, 1.0);
        assertThatThrownBy(() -> trial.report(2, withNull)).hasMessage("trial 0: a metric reported at step 2 has no name");
        assertThatThrownBy(() -> trial.report(2, (Map<String, Double>) null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trial 0: the metrics reported at step 2 are null");
        trial.report(3, Map.of("grad_norm", Double.NaN));
        assertThat(trial.snapshot().metrics()).containsOnlyKeys("grad_norm");
        assertThat(trial.snapshot().intermediateValues()).isEmpty();
    }

    @Test
    void studyUserAttributesAreStoredApartFromTheSystemsOwn() {
        Study study = study("attrs");
        study.setUserAttr("dataset", "mnist-10k");
        study.setUserAttr("split", Map.of("train", 0.8, "val", 0.2));
        study.storage().setStudyAttr("attrs", "spec", Map.of("trials", 3)); // the server's own, not the user's
        assertThat(study.userAttrs()).containsExactly(Map.entry("dataset", "mnist-10k"),
                Map.entry("split", Map.of("train", 0.8, "val", 0.2)));
        study.setUserAttr("dataset", "mnist-60k");
        assertThat(study.userAttrs()).containsEntry("dataset", "mnist-60k").hasSize(2);
        assertThatThrownBy(() -> study.setUserAttr("", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a study user attribute needs a name, got ''");
        assertThatThrownBy(() -> study.setUserAttr("model", new Object())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("study user attribute 'model': ");
    }

    @Test
    void badOptimizeOptionsAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> OptimizeOptions.builder().optTimeout(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must not be null (leave it out for no time limit)");
        assertThatThrownBy(() -> OptimizeOptions.builder().optTimeout(java.time.Duration.ofSeconds(-1)))
                .hasMessage("timeout must not be negative, got PT-1S");
        assertThatThrownBy(() -> OptimizeOptions.builder().optCallback(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("callback must not be null");
        assertThatThrownBy(() -> OptimizeOptions.builder().optExecutor(null)).hasMessage("executor must not be null");
        assertThatThrownBy(() -> OptimizeOptions.builder().optParallelism(0))
                .hasMessage("parallelism must be at least 1, got 0");
    }

    @Test
    void enqueuedParametersAreUsedBeforeSampling() {
        Study study = study("enqueue");
        study.enqueue(Map.of("lr", 1e-3, "units", 128, "optimizer", "adam"));
        study.optimize(trial -> {
            double lr = trial.suggestFloat("lr", 1e-5, 1e-1, true);
            int units = trial.suggestInt("units", 16, 512, true);
            String optimizer = trial.suggestCategorical("optimizer", List.of("adam", "sgd"));
            double momentum = trial.suggestFloat("momentum", 0, 1);
            return lr * units + (optimizer.equals("adam") ? 0 : 1) + momentum;
        }, 3);

        FrozenTrial first = study.trials().get(0);
        assertThat(first.params()).containsEntry("lr", 1e-3).containsEntry("units", 128).containsEntry("optimizer", "adam");
        assertThat(first.params()).containsKey("momentum");
        assertThat(study.trials()).hasSize(3).allMatch(t -> t.state() == TrialState.COMPLETE);
    }

    @Test
    void aTrialIsAbortedAfterTheShorterOfTheCallsAndTheExecutorsLimits() {
        for (long[] limits : new long[][] {{10_000, 200}, {300, 10_000}}) {
            Study study = study("limits-" + limits[0]);
            TrialExecutor withItsOwnLimit = loop -> {
                for (var t = loop.nextTrial(); t.isPresent(); t = loop.nextTrial()) {
                    loop.run(t.get(), loop.objective(), Duration.ofMillis(limits[1]));
                }
            };
            study.optimize(trial -> {
                Thread.sleep(60_000);
                return 1.0;
            }, OptimizeOptions.builder().optTrials(1).optTrialTimeout(Duration.ofMillis(limits[0]))
                    .optExecutor(withItsOwnLimit).build());
            assertThat(study.trials().get(0).reason())
                    .isEqualTo("timeout after " + Math.min(limits[0], limits[1]) / 1000.0 + "s");
        }
    }

    @Test
    void trialsAddedFromElsewhereSeedTheSamplerAndTheBest() {
        Study study = Study.builder("added").sampler(new dev.tuna.search.sampler.GpSampler(3)).create();
        dev.tuna.core.FloatDistribution x = new dev.tuna.core.FloatDistribution(0, 10);
        for (int i = 0; i <= 10; i++) {
            study.addTrial(Map.of("x", (double) i), Map.of("x", x), (i - 3.3) * (i - 3.3));
        }
        assertThat(study.trials()).hasSize(11).allMatch(t -> t.state() == TrialState.COMPLETE);
        assertThat(study.bestTrial().params()).containsEntry("x", 3.0);
        // The GP models them at once (they are its startup trials): its first suggestion is near their minimum.
        Trial next = study.ask();
        assertThat(next.suggestFloat("x", 0, 10)).isBetween(2.5, 4.0);
        assertThatThrownBy(() -> study.addTrial(Map.of("x", 11.0), Map.of("x", x), 1.0))
                .isInstanceOf(dev.tuna.core.InvalidParameterException.class).hasMessageStartingWith("parameter 'x': ");
    }

    @Test
    void aTrialPastItsTimeoutIsAbortedAsFailedAndTheRunGoesOn() {
        Study study = study("trial-timeout");
        study.enqueue(Map.of("slow", true));
        study.enqueue(Map.of("slow", false));
        study.enqueue(Map.of("slow", true));
        long began = System.nanoTime();
        study.optimize(trial -> {
            if (trial.suggestCategorical("slow", List.of(true, false))) {
                Thread.sleep(60_000);
            }
            return 1.0;
        }, OptimizeOptions.builder().optTotalTrials(3).optParallelism(2).optTrialTimeout(Duration.ofMillis(300)).build());

        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(30));
        assertThat(study.trials()).extracting(FrozenTrial::state)
                .containsExactly(TrialState.FAIL, TrialState.COMPLETE, TrialState.FAIL);
        assertThat(study.trials()).filteredOn(t -> t.state() == TrialState.FAIL).extracting(FrozenTrial::reason)
                .containsOnly("timeout after 0.3s");
        assertThatThrownBy(() -> OptimizeOptions.builder().optTrialTimeout(Duration.ZERO))
                .hasMessage("trialTimeout must be positive, got PT0S (leave it out for no limit)");
        // A limit too long for a timer is none (its nanoseconds overflowed, and the run threw with a trial running).
        study.optimize(trial -> 1.0, OptimizeOptions.builder().optTrials(2)
                .optTrialTimeout(java.time.temporal.ChronoUnit.FOREVER.getDuration()).build());
        assertThat(study.trials()).hasSize(5).last().extracting(FrozenTrial::state).isEqualTo(TrialState.COMPLETE);
    }

    @Test
    void aPointEnqueuedIfNewIsQueuedOnceAsOptunasSkipIfExistsComparesThem() throws Exception {
        Study study = study("if-new");
        study.enqueue(Map.of("x", 2, "opt", "a"));
        study.optimize(trial -> trial.suggestInt("x", 0, 5) + (trial.suggestCategorical("opt", List.of("a", "b")).equals("a") ? 0 : 1), 2);
        int sampled = ((Number) study.trials().get(1).params().get("x")).intValue();

        assertThat(study.enqueueIfNew(Map.of("x", 2.0, "opt", "a"))).isFalse(); // run already: 2.0 is 2
        assertThat(study.enqueueIfNew(Map.of("x", sampled, "opt", study.trials().get(1).params().get("opt")))).isFalse();
        assertThat(study.enqueueIfNew(Map.of("x", 2))).isTrue(); // other parameters: another point
        assertThat(study.enqueueIfNew(Map.of("x", 2))).isFalse(); // waiting already
        // Many callers at once queue a new point once.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Boolean>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(pool.submit(() -> study.enqueueIfNew(Map.of("x", 4, "opt", "b"))));
            }
            int queued = 0;
            for (java.util.concurrent.Future<Boolean> call : calls) {
                queued += call.get() ? 1 : 0;
            }
            assertThat(queued).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(study.trials()).filteredOn(t -> t.state() == TrialState.WAITING).extracting(FrozenTrial::fixedParams)
                .containsExactly(Map.of("x", 2), Map.of("x", 4, "opt", "b"));
        // Many points at once: each compared as one would be, a point twice in them queued once.
        assertThat(study.enqueueIfNew(List.of(Map.of("x", 2.0), Map.of("x", 5), Map.of("x", 5.0, "opt", "a"),
                Map.of("x", 5)))).isEqualTo(2);
        assertThat(study.trials()).filteredOn(t -> t.state() == TrialState.WAITING).extracting(FrozenTrial::fixedParams)
                .containsExactly(Map.of("x", 2), Map.of("x", 4, "opt", "b"), Map.of("x", 5), Map.of("x", 5.0, "opt", "a"));
    }

    @Test
    void anEnqueuedValueOutsideItsDistributionFailsTheTrialNamingTheParameter() {
        Study study = study("enqueue-bad");
        study.enqueue(Map.of("units", 4096));
        study.optimize(trial -> trial.suggestInt("units", 16, 512), 1);
        FrozenTrial t = study.trials().get(0);
        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.reason()).contains("'units'").contains("4096");
    }

    @Test
    void anEnqueuedValueAParameterCannotTakeIsRefusedAndNothingIsQueued() {
        Study study = study("enqueue-refused");
        assertThatThrownBy(() -> study.enqueue(Map.of("x", new Object())))
                .isInstanceOf(dev.tuna.core.InvalidParameterException.class).hasMessageContaining("'x'")
                .hasMessageContaining("string, number or boolean");
        Map<String, Object> withNull = new java.util.HashMap<>();
        withNull.put("lr", null);
        assertThatThrownBy(() -> study.enqueue(withNull)).hasMessageContaining("'lr'").hasMessageContaining("null");
        // No distribution holds NaN or an infinity: queued before, the trial failed when it suggested the parameter.
        assertThatThrownBy(() -> study.enqueue(Map.of("lr", Double.NaN))).hasMessageContaining("'lr'")
                .hasMessageContaining("must be finite, got NaN");
        assertThatThrownBy(() -> study.enqueue(Map.of("lr", Float.POSITIVE_INFINITY))).hasMessageContaining("Infinity");
        assertThat(study.trials()).isEmpty();
    }

    @Test
    void aUserAttributeNoStorageCouldKeepFailsOnlyItsTrial() {
        Study study = study("bad-attr");
        AtomicInteger calls = new AtomicInteger();
        study.optimize(trial -> {
            if (calls.incrementAndGet() == 1) {
                trial.setUserAttr("model", new Object());
            }
            return quadratic(trial);
        }, 2);
        assertThat(study.trials()).extracting(FrozenTrial::state).containsExactly(TrialState.FAIL, TrialState.COMPLETE);
        assertThat(study.trials().get(0).reason()).contains("user attribute 'model'");
    }

    @Test
    void suggestingTheSameNameAgainReturnsTheSameValueOrNamesTheConflict() {
        Study study = study("twice");
        Trial trial = study.ask();
        double a = trial.suggestFloat("lr", 0.1, 1);
        assertThat(trial.suggestFloat("lr", 0.1, 1)).isEqualTo(a);
        assertThatThrownBy(() -> trial.suggestFloat("lr", 0.1, 2))
                .isInstanceOf(dev.tuna.core.InvalidParameterException.class)
                .hasMessageContaining("'lr'").hasMessageContaining("suggested again");
        assertThatThrownBy(() -> trial.suggestInt("layers", 5, 1))
                .isInstanceOf(dev.tuna.core.InvalidParameterException.class)
                .hasMessageContaining("'layers'").hasMessageContaining("low (5)");
        assertThatThrownBy(() -> trial.suggestCategorical("act", List.of()))
                .hasMessageContaining("'act'").hasMessageContaining("empty");
        // The same choices as another type: each call gets its own list's object (the first list's Float was
        // returned to the second call, a ClassCastException in the objective).
        Float first = trial.suggestCategorical("dropout", List.of(0.1f, 0.5f));
        Double second = trial.suggestCategorical("dropout", List.of(0.1, 0.5));
        assertThat(List.of(0.1, 0.5).indexOf(second)).isEqualTo(List.of(0.1f, 0.5f).indexOf(first));
        Long big = trial.suggestCategorical("units", List.of(1L, 2L));
        Integer small = trial.suggestCategorical("units", List.of(1, 2));
        assertThat(small.longValue()).isEqualTo(big);
    }

    @Test
    void aParameterHeldAtOneValueGetsItWithoutAskingTheSampler() {
        Sampler refusing = (study, trial, name, distribution) -> {
            throw new AssertionError("sampler asked for " + name);
        };
        Trial trial = Study.builder("single").sampler(refusing).create().ask();
        assertThat(trial.suggestFloat("momentum", 0.9, 0.9)).isEqualTo(0.9);
        assertThat(trial.suggestFloat("lr", 1e-3, 1e-3, true)).isEqualTo(1e-3);
        assertThat(trial.suggestInt("layers", 2, 2)).isEqualTo(2);
        assertThat(trial.suggestInt("batch", 64, 64, 8)).isEqualTo(64);
        assertThat(trial.suggestCategorical("optimizer", List.of("adam"))).isEqualTo("adam");
        assertThat(trial.params()).containsEntry("momentum", 0.9).containsEntry("layers", 2);
    }

    @Test
    void categoricalSuggestionsReturnTheCallersOwnObjects() {
        Study study = study("categorical");
        Trial trial = study.ask();
        Integer batch = trial.suggestCategorical("batch", List.of(32, 64, 128));
        Boolean bn = trial.suggestCategorical("batchNorm", List.of(true, false));
        assertThat(List.of(32, 64, 128)).contains(batch);
        assertThat(bn).isNotNull();
        assertThat(trial.params()).containsEntry("batch", batch).containsEntry("batchNorm", bn);
    }

    @Test
    void aStepReportedTwiceKeepsItsFirstValue() {
        Study study = study("report-twice");
        Trial trial = study.ask();
        trial.report(1, 0.3);
        trial.report(1, 0.9);
        trial.report(1, Map.of("val_loss", 1.5));
        FrozenTrial t = trial.snapshot();
        assertThat(t.intermediateValues()).containsExactly(Map.entry(1, 0.3));
        assertThat(t.metric("val_loss")).containsExactly(Map.entry(1, 1.5));
    }

    @Test
    void parallelTrialsRunAtOnceAndSamplersSeeTheRunningOnes() throws Exception {
        Set<Integer> runningSeen = ConcurrentHashMap.newKeySet();
        Sampler counting = new Sampler() {
            final RandomSampler random = new RandomSampler(5);

            @Override
            public Map<String, Object> sampleRelative(Study study, FrozenTrial trial) {
                runningSeen.add(study.trials(TrialState.RUNNING).size());
                return Map.of();
            }

            @Override
            public Object sampleIndependent(Study study, FrozenTrial trial, String name, dev.tuna.core.Distribution d) {
                return random.sampleIndependent(study, trial, name, d);
            }
        };
        Study study = Study.builder("parallel").sampler(counting).create();
        CountDownLatch allFourRunning = new CountDownLatch(4);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        study.optimize(trial -> {
            threads.add(Thread.currentThread().getName());
            allFourRunning.countDown();
            assertThat(allFourRunning.await(10, TimeUnit.SECONDS)).isTrue();
            return quadratic(trial);
        }, OptimizeOptions.builder().optTrials(40).optParallelism(4).build());

        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(40).allMatch(t -> t.state() == TrialState.COMPLETE);
        assertThat(trials.stream().map(FrozenTrial::number).collect(Collectors.toSet())).hasSize(40);
        assertThat(threads).hasSize(4);
        assertThat(runningSeen).contains(4); // the fourth trial's sampler saw the three before it running, and itself
    }

    @Test
    void timeoutStopsStartingTrials() {
        Study study = study("timeout");
        study.optimize(trial -> {
            Thread.sleep(20);
            return quadratic(trial);
        }, OptimizeOptions.builder().optTimeout(Duration.ofMillis(200)).build());
        assertThat(study.trials()).isNotEmpty().allMatch(FrozenTrial::isFinished);
        assertThat(study.trials().size()).isLessThan(50);
    }

    @Test
    void stopFromACallbackEndsTheRun() {
        Study study = study("stop");
        OptimizeOptions options = OptimizeOptions.builder()
                .optCallback((s, t) -> {
                    if (t.number() == 4) {
                        s.stop();
                    }
                }).build();
        study.optimize(StudyTest::quadratic, options);
        assertThat(study.trials()).hasSize(5);
    }

    @Test
    void aCallbacksExceptionEndsTheRunAndPropagates() {
        Study study = study("callback-error");
        OptimizeOptions options = OptimizeOptions.builder().optTrials(10)
                .optCallback((s, t) -> {
                    throw new IllegalStateException("dashboard down");
                }).build();
        assertThatThrownBy(() -> study.optimize(StudyTest::quadratic, options)).hasMessage("dashboard down");
        assertThat(study.trials()).hasSize(1);
    }

    @Test
    void totalTrialsGoesOnToTheRequestedNumberNotCountingInterruptedOnes() {
        Storage storage = new InMemoryStorage();
        Study study = Study.builder("total").sampler(new RandomSampler(2)).storage(storage).create();
        study.optimize(StudyTest::quadratic, 3);
        Trial interrupted = study.ask();
        storage.finishTrial("total", interrupted.number(), TrialState.FAIL, null, FrozenTrial.REASON_INTERRUPTED);

        study.optimize(StudyTest::quadratic, OptimizeOptions.builder().optTotalTrials(10).build());
        assertThat(study.trials()).hasSize(11);
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(10);

        study.optimize(StudyTest::quadratic, OptimizeOptions.builder().optTotalTrials(10).build());
        assertThat(study.trials()).hasSize(11);
    }

    @Test
    void totalTrialsCountsWhatOtherWorkersOnTheStorageFinish() throws Exception {
        // Two Study objects on one storage, as two processes on one database would be: each asks for 20 in total.
        Storage storage = new InMemoryStorage();
        Study first = Study.builder("shared-total").sampler(new RandomSampler(3)).storage(storage).create();
        Study second = Study.builder("shared-total").sampler(new RandomSampler(4)).storage(storage).create();
        Objective slow = trial -> {
            Thread.sleep(2);
            return quadratic(trial);
        };
        OptimizeOptions twenty = OptimizeOptions.builder().optTotalTrials(20).build();
        Thread other = new Thread(() -> second.optimize(slow, twenty));
        other.start();
        first.optimize(slow, twenty);
        other.join();
        // At most the other worker's one running trial over the total, not 40.
        assertThat(first.countedTrials()).isBetween(20, 21);
    }

    @Test
    void aTrialEndedElsewhereWhileItRanHereDoesNotStopTheRun() {
        // Another process on the database took this one for dead (a long pause) and failed its running trial.
        Storage storage = new InMemoryStorage();
        Study study = Study.builder("taken-for-dead").sampler(new RandomSampler(5)).storage(storage).create();
        List<TrialState> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        study.optimize(trial -> {
            double v = quadratic(trial);
            if (trial.number() == 1) {
                storage.finishTrial("taken-for-dead", 1, TrialState.FAIL, null, FrozenTrial.REASON_INTERRUPTED + ": its process was lost");
            }
            return v;
        }, OptimizeOptions.builder().optTrials(4).optCallback((s, t) -> heard.add(t.state())).build());
        assertThat(study.trials()).hasSize(4);
        assertThat(heard).containsExactly(TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE, TrialState.COMPLETE);
        assertThat(study.trials().get(1).state()).isEqualTo(TrialState.FAIL);
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(3);
    }

    @Test
    void aTrialOfADeletedStudyWritesNothingIntoANewStudyOfItsName() throws Exception {
        // As two processes on one database: one runs a trial, another deletes the study and starts a new one.
        Storage storage = new InMemoryStorage();
        Study old = Study.builder("renewed").sampler(new RandomSampler(6)).storage(storage).create();
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch replaced = new java.util.concurrent.CountDownLatch(1);
        Thread first = new Thread(() -> old.optimize(trial -> {
            running.countDown();
            replaced.await();
            return 63.27;
        }, 1));
        first.start();
        running.await();
        storage.deleteStudy("renewed");
        Thread.sleep(5); // a later creation time
        Study renewed = Study.builder("renewed").sampler(new RandomSampler(7)).storage(storage).create();
        Trial asked = renewed.ask();
        replaced.countDown();
        first.join();

        assertThat(storage.trial("renewed", asked.number()).state()).isEqualTo(TrialState.RUNNING);
        renewed.tell(asked, 1.5);
        assertThat(renewed.trials()).singleElement().satisfies(t -> assertThat(t.value()).isEqualTo(1.5));
    }

    @Test
    void aStudyIsLoadedFromItsStorageWithItsDirection() {
        Storage storage = new InMemoryStorage();
        Study first = Study.builder("shared").direction(Direction.MAXIMIZE).storage(storage).create();
        first.optimize(StudyTest::quadratic, 5);

        Study again = Study.builder("shared").storage(storage).create();
        assertThat(again.direction()).isEqualTo(Direction.MAXIMIZE);
        assertThat(again.trials()).hasSize(5);
        assertThatThrownBy(() -> Study.builder("shared").direction(Direction.MINIMIZE).storage(storage).create())
                .hasMessageContaining("shared").hasMessageContaining("MAXIMIZE");
    }

    @Test
    void aStudyMadeInCodeRecordsItsSamplerAndPrunerOnce() {
        Storage storage = new InMemoryStorage();
        Study.builder("made").sampler(new RandomSampler(3)).pruner(new MedianPruner()).storage(storage).create();
        Study.builder("made").sampler(new SobolSampler(3)).storage(storage).create(); // loads it: records nothing

        assertThat(storage.findStudy("made").orElseThrow().attrs()).isEqualTo(Map.of(Study.ATTR_MADE_IN_CODE,
                Map.of("sampler", "RandomSampler", "pruner", "MedianPruner")));
        Study.builder("default").storage(storage).create();
        assertThat(storage.findStudy("default").orElseThrow().attrs().get(Study.ATTR_MADE_IN_CODE))
                .isEqualTo(Map.of("sampler", "AutoSampler", "pruner", "NopPruner"));
    }

    @Test
    void sameSeedGivesTheSameSuggestions() {
        Study a = Study.builder("a").sampler(new RandomSampler(99)).create();
        Study b = Study.builder("b").sampler(new RandomSampler(99)).create();
        Study c = Study.builder("c").sampler(new RandomSampler(100)).create();
        Objective objective = trial -> {
            trial.suggestInt("units", 8, 512, true);
            trial.suggestCategorical("act", List.of("relu", "tanh", "gelu"));
            return quadratic(trial);
        };
        a.optimize(objective, 20);
        b.optimize(objective, 20);
        c.optimize(objective, 20);
        assertThat(a.trials()).extracting(FrozenTrial::params).isEqualTo(b.trials().stream().map(FrozenTrial::params).toList());
        assertThat(a.trials()).extracting(FrozenTrial::params).isNotEqualTo(c.trials().stream().map(FrozenTrial::params).toList());
    }
}
