package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.StudyInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ImportanceCacheTest {
    private static final StudyInfo STUDY = new StudyInfo("s", Direction.MINIMIZE, Instant.parse("2026-01-01T00:00:00Z"), Map.of());
    private static final List<FrozenTrial> TRIALS = List.of();

    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger computed = new AtomicInteger();

    /** A computation that takes 100 ns of the fake clock and names how many computations came before it. */
    private final Function<List<FrozenTrial>, Map<String, Double>> counting = trials -> {
        now.addAndGet(100);
        return Map.of("x", (double) computed.incrementAndGet());
    };

    @Test
    void aResultIsComputedAgainOnlyOnceTrialsCompletedAndItRestedTenTimesItsCost() {
        ImportanceCache cache = new ImportanceCache(counting, now::get);

        assertThat(cache.get(STUDY, TRIALS, 5)).containsEntry("x", 1.0);
        assertThat(cache.get(STUDY, TRIALS, 5)).containsEntry("x", 1.0); // nothing completed since
        now.addAndGet(10 * 100 - 1);
        assertThat(cache.get(STUDY, TRIALS, 6)).containsEntry("x", 1.0); // resting: it took 100
        now.addAndGet(1);
        assertThat(cache.get(STUDY, TRIALS, 6)).containsEntry("x", 2.0);

        // A study deleted and made again under the name is another study; one deleted is forgotten.
        StudyInfo again = new StudyInfo("s", Direction.MINIMIZE, STUDY.created().plusSeconds(1), Map.of());
        assertThat(cache.get(again, TRIALS, 6)).containsEntry("x", 3.0);
        cache.forget("s");
        assertThat(cache.get(again, TRIALS, 6)).containsEntry("x", 4.0);
        assertThat(computed).hasValue(4);
    }

    @Test
    @Timeout(20)
    void whileOneComputesOthersGetTheLastResultOrWaitForTheOneUnderWay() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ImportanceCache cache = new ImportanceCache(trials -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return counting.apply(trials);
        }, now::get);

        CompletableFuture<Map<String, Double>> first = CompletableFuture.supplyAsync(() -> cache.get(STUDY, TRIALS, 5));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Map<String, Double>> second = CompletableFuture.supplyAsync(() -> cache.get(STUDY, TRIALS, 5));
        Thread.sleep(200);
        assertThat(second).isNotDone(); // no result yet: it waits for the first's
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).containsEntry("x", 1.0);
        assertThat(second.get(10, TimeUnit.SECONDS)).containsEntry("x", 1.0);
        assertThat(computed).hasValue(1);

        // With a result kept, a caller during another's computation is answered with it at once.
        CountDownLatch startedAgain = new CountDownLatch(1);
        CountDownLatch releaseAgain = new CountDownLatch(1);
        ImportanceCache slow = new ImportanceCache(trials -> {
            if (computed.get() > 1) {
                startedAgain.countDown();
                try {
                    releaseAgain.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return counting.apply(trials);
        }, now::get);
        assertThat(slow.get(STUDY, TRIALS, 5)).containsEntry("x", 2.0);
        now.addAndGet(10_000);
        CompletableFuture<Map<String, Double>> third = CompletableFuture.supplyAsync(() -> slow.get(STUDY, TRIALS, 9));
        assertThat(startedAgain.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(slow.get(STUDY, TRIALS, 9)).containsEntry("x", 2.0);
        releaseAgain.countDown();
        assertThat(third.get(10, TimeUnit.SECONDS)).containsEntry("x", 3.0);
    }
}
