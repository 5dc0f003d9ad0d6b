package dev.tuna.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TrialLoopTest {

    private static double quadratic(Trial trial) {
        double x = trial.suggestFloat("x", -10, 10);
        return x * x;
    }

    @Test
    void aCustomExecutorRunsTheBudgetThroughTheLoop() {
        Study study = Study.builder("custom").create();
        List<Integer> ran = new ArrayList<>();
        TrialExecutor executor = loop -> {
            for (Optional<Trial> t = loop.nextTrial(); t.isPresent(); t = loop.nextTrial()) {
                ran.add(loop.run(t.get(), loop.objective()).trial().number());
            }
        };
        study.optimize(TrialLoopTest::quadratic, OptimizeOptions.builder().optTrials(7).optExecutor(executor).build());
        assertThat(ran).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(7);
    }

    @Test
    void anAbortedTrialFailsWithTheAbortReasonAndItsThreadIsInterruptedThenCleared() throws Exception {
        Study study = Study.builder("abort").create();
        CountDownLatch inside = new CountDownLatch(1);
        AtomicReference<TrialOutcome> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        TrialExecutor executor = loop -> {
            Trial trial = loop.nextTrial().orElseThrow();
            Thread runner = new Thread(() -> {
                outcome.set(loop.run(trial, loop.objective()));
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            });
            runner.start();
            try {
                assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
                assertThat(loop.abort(trial, "timeout after 1s")).isTrue();
                assertThat(loop.abort(trial, "again")).isFalse();
                runner.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        };
        study.optimize(trial -> {
            inside.countDown();
            Thread.sleep(600_000); // ends only by the interrupt
            return 0;
        }, OptimizeOptions.builder().optTrials(1).optExecutor(executor).build());
        FrozenTrial t = study.trials().get(0);
        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.reason()).isEqualTo("timeout after 1s");
        assertThat(outcome.get().error()).isNull();
        assertThat(interruptedAfter.get()).isFalse();
    }

    @Test
    void aTrialAbortedBeforeItRunsNeverCallsTheObjective() {
        Study study = Study.builder("abort-early").create();
        study.optimize(trial -> {
            throw new AssertionError("must not run");
        }, OptimizeOptions.builder().optTrials(1).optExecutor(loop -> {
            Trial trial = loop.nextTrial().orElseThrow();
            loop.abort(trial, "stopped");
            loop.run(trial, loop.objective());
        }).build());
        assertThat(study.trials().get(0).reason()).isEqualTo("stopped");
    }

    /** An executor whose first trial fails for an infrastructure reason and is retried, then runs the rest. */
    private static final TrialExecutor FIRST_FAILS_AND_IS_RETRIED = loop -> {
        Trial first = loop.nextTrial().orElseThrow();
        TrialOutcome failed = loop.run(first, t -> {
            t.suggestFloat("x", -10, 10);
            throw new IllegalStateException("device lost");
        });
        loop.retry(failed.trial(), Map.of("retry_of", failed.trial().number()));
        for (Optional<Trial> t = loop.nextTrial(); t.isPresent(); t = loop.nextTrial()) {
            loop.run(t.get(), loop.objective());
        }
    };

    @Test
    void aRetryRunsTheSameParamsWithinTheSameCallAndIsLinked() {
        Study study = Study.builder("retry").create();
        study.optimize(TrialLoopTest::quadratic, OptimizeOptions.builder().optTrials(2).optExecutor(FIRST_FAILS_AND_IS_RETRIED).build());
        List<FrozenTrial> trials = study.trials();
        assertThat(trials).hasSize(3); // the failed one, its retry, and the second of the budget
        assertThat(trials.get(1).systemAttrs()).containsEntry("retry_of", 0);
        assertThat(trials.get(1).params().get("x")).isEqualTo(trials.get(0).params().get("x"));
        assertThat(trials.get(1).state()).isEqualTo(TrialState.COMPLETE);
        assertThat(trials.get(2).state()).isEqualTo(TrialState.COMPLETE);
    }

    @Test
    void aRetryRunsAlsoWhenTheFailureReachedTheTotal() {
        // The failed trial counts towards the total; its retry, enqueued within the loop's budget, still runs.
        Study study = Study.builder("retry-total").create();
        study.optimize(TrialLoopTest::quadratic, OptimizeOptions.builder().optTotalTrials(1)
                .optExecutor(FIRST_FAILS_AND_IS_RETRIED).build());
        assertThat(study.trials()).extracting(FrozenTrial::state).containsExactly(TrialState.FAIL, TrialState.COMPLETE);
    }

    @Test
    void studyStopTellsTheExecutorsStopListener() {
        Study study = Study.builder("stop").create();
        List<String> heard = new ArrayList<>();
        study.optimize(TrialLoopTest::quadratic, OptimizeOptions.builder().optExecutor(loop -> {
            loop.onStop(() -> heard.add("stopped"));
            Trial trial = loop.nextTrial().orElseThrow();
            study.stop();
            loop.run(trial, loop.objective());
            assertThat(loop.nextTrial()).isEmpty();
        }).build());
        assertThat(heard).containsExactly("stopped");
        assertThat(study.trials()).hasSize(1);
    }

    @Test
    void recoverableErrorsDoNotStopARunUnderStopOnError() {
        Study study = Study.builder("recoverable").create();
        study.optimize(TrialLoopTest::quadratic, OptimizeOptions.builder().optTrials(3).optStopOnError(true).optExecutor(loop -> {
            loop.recoverableErrors(e -> e.getMessage().contains("out of memory"));
            loop.run(loop.nextTrial().orElseThrow(), t -> {
                throw new IllegalStateException("CUDA out of memory");
            });
            for (Optional<Trial> t = loop.nextTrial(); t.isPresent(); t = loop.nextTrial()) {
                loop.run(t.get(), loop.objective());
            }
        }).build());
        assertThat(study.trials(TrialState.COMPLETE)).hasSize(2);

        Study other = Study.builder("not-recoverable").create();
        assertThatThrownBy(() -> other.optimize(TrialLoopTest::quadratic, OptimizeOptions.builder().optTrials(3).optStopOnError(true)
                .optExecutor(loop -> loop.run(loop.nextTrial().orElseThrow(), t -> {
                    throw new IllegalStateException("bad input");
                })).build())).hasMessage("bad input");
    }
}
