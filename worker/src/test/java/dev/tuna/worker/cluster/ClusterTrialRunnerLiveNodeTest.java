package dev.tuna.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Objective;
import dev.tuna.search.Study;
import dev.tuna.search.Trial;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.device.SlotPool;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A recovered job whose node Quartz took for dead, on a real PostgreSQL, where each node's storage has a heartbeat:
 * the trial of a node that still lives is left to it; that of a node whose heartbeat stopped is settled as lost.
 */
class ClusterTrialRunnerLiveNodeTest {
    private static final String JOB = "job-1";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @RegisterExtension
    static final EmbeddedPostgresServer POSTGRES = new EmbeddedPostgresServer();

    private final AtomicInteger evaluations = new AtomicInteger();
    private final Objective objective = trial -> {
        evaluations.incrementAndGet();
        return trial.suggestFloat("x", 0, 1);
    };
    private String url;
    private TestStudies liveNode;
    private TestStudies newNode;
    private ClusterTrialRunner newRunner;
    private Study study;

    @BeforeEach
    void twoNodes() {
        String db = "live_node_" + DATABASES.incrementAndGet();
        ClusterNodeTest.sql(POSTGRES.jdbcUrl("postgres"), "CREATE DATABASE " + db);
        url = POSTGRES.jdbcUrl(db);
        liveNode = new TestStudies(url, () -> new RandomSampler(3), objective);
        newNode = new TestStudies(url, () -> new RandomSampler(3), objective);
        newRunner = new ClusterTrialRunner("new-node", new SlotPool(Devices.cpu(1)), newNode, null, 2,
                study -> { });
        newRunner.liveNodePoll = Duration.ofMillis(50);
        study = Study.builder("s").sampler(new RandomSampler(3)).storage(liveNode.storage()).create();
    }

    @AfterEach
    void close() {
        newNode.close();
        liveNode.close();
    }

    /** A trial the live node runs for job {@value #JOB}. */
    private Trial runningOnTheLiveNode() {
        Trial trial = study.ask();
        trial.suggestFloat("x", 0, 1);
        liveNode.storage().setSystemAttr("s", trial.number(), ClusterNode.ATTR_CLUSTER_JOB, JOB);
        return trial;
    }

    private CompletableFuture<Void> recoverOnTheNewNode() {
        return CompletableFuture.runAsync(() -> newRunner.run("s", JOB, true));
    }

    @Test
    @Timeout(60)
    void aRecoveredJobWaitsForTheTrialOfANodeStillAliveAndRunsNothingAfterIt() throws Exception {
        Trial trial = runningOnTheLiveNode();

        CompletableFuture<Void> recovery = recoverOnTheNewNode();
        Thread.sleep(1_000);
        assertThat(recovery).isNotDone();
        assertThat(study.storage().trial("s", trial.number()).state()).isEqualTo(TrialState.RUNNING);

        study.tell(trial, 0.25); // the live node's result is kept
        recovery.get(10, TimeUnit.SECONDS);

        assertThat(study.trials()).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            assertThat(t.value()).isEqualTo(0.25);
        });
        assertThat(evaluations).hasValue(0);
    }

    @Test
    @Timeout(60)
    void aNodeThatClosesWhileItsRecoveredJobWaitsLeavesTheTrialToItsLiveNode() throws Exception {
        Trial trial = runningOnTheLiveNode();
        CompletableFuture<Void> recovery = recoverOnTheNewNode();
        Thread.sleep(500);

        newRunner.closing();
        recovery.get(10, TimeUnit.SECONDS);

        // It failed the trial as lost, and its retry as shut down, before.
        assertThat(study.trials()).singleElement().satisfies(t -> assertThat(t.state()).isEqualTo(TrialState.RUNNING));
        study.tell(trial, 0.5);
        assertThat(study.trials()).singleElement().satisfies(t -> assertThat(t.value()).isEqualTo(0.5));
    }

    @Test
    @Timeout(60)
    void aTrialItsLiveNodeFailedAndRetriedItselfWhileTheRecoveredJobWaitedIsNotRetriedAgain() throws Exception {
        Trial trial = runningOnTheLiveNode();
        CompletableFuture<Void> recovery = recoverOnTheNewNode();
        Thread.sleep(500);

        // The live node's end could not be written in the outage: once the database is back, it fails the trial and
        // queues a retry of its parameters (ClusterTrialRunner.failOnceReachable).
        liveNode.storage().finishTrial("s", trial.number(), TrialState.FAIL, null, ClusterNode.REASON_DATABASE_LOST);
        FrozenTrial retry = liveNode.storage().enqueueTrial("s", study.storage().trial("s", trial.number()).params());
        liveNode.storage().setSystemAttr("s", retry.number(), TrialScheduler.ATTR_RETRY_OF, trial.number());
        recovery.get(10, TimeUnit.SECONDS);

        assertThat(study.trials()).hasSize(2);
        assertThat(study.storage().trial("s", retry.number()).state()).isEqualTo(TrialState.WAITING);
        assertThat(evaluations).hasValue(0);
    }

    @Test
    @Timeout(60)
    void aRecoveredJobFailsTheTrialOfANodeWhoseHeartbeatStoppedAndRetriesIt() throws Exception {
        Trial trial = runningOnTheLiveNode();
        // The node died: its heartbeat is old, and it allowed itself a tenth of a second.
        ClusterNodeTest.sql(url, "UPDATE owners SET heartbeat = now() - interval '2 hours',"
                + " stale_after_ms = 100 WHERE owner IN (SELECT owner FROM trials WHERE number = " + trial.number() + ")");

        recoverOnTheNewNode().get(10, TimeUnit.SECONDS);

        FrozenTrial lost = study.storage().trial("s", trial.number());
        assertThat(lost.reason()).isEqualTo(ClusterNode.REASON_WORKER_LOST);
        assertThat(study.trials(TrialState.COMPLETE)).singleElement().satisfies(retry -> {
            assertThat(retry.params()).isEqualTo(lost.params());
            assertThat(retry.systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, lost.number());
        });
        assertThat(evaluations).hasValue(1);
    }
}
