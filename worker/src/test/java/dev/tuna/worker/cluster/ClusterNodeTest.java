package dev.tuna.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.search.Objective;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.GridSampler;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.worker.device.Device;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.dispatch.InfrastructureException;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cluster nodes in one JVM on a real PostgreSQL: a coordinator and nodes with slots share a study. */
class ClusterNodeTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    @RegisterExtension
    static final EmbeddedPostgresServer POSTGRES = new EmbeddedPostgresServer();

    private String url;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void freshDatabase() {
        String db = "cluster_" + DATABASES.incrementAndGet();
        sql(POSTGRES.jdbcUrl("postgres"), "CREATE DATABASE " + db);
        url = POSTGRES.jdbcUrl(db);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }

    static void sql(String jdbcUrl, String statement) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    static int queryInt(String jdbcUrl, String query) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(query)) {
            assertThat(rs.next()).isTrue();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(query + ": " + e.getMessage(), e);
        }
    }

    private ClusterNode node(String name, int slots, TestStudies studies) {
        return closing(ClusterNode.builder(url, "postgres", null).optNodeName(name).optDevices(Devices.cpu(slots))
                .optStudies(studies).optCheckinInterval(Duration.ofSeconds(1)).optShutdownGrace(Duration.ofSeconds(5))
                .build());
    }

    private ClusterNode coordinator() {
        return closing(ClusterNode.builder(url, "postgres", null).optNodeName("coordinator").build());
    }

    private static GridSampler grid() {
        return new GridSampler(Map.of("x", IntStream.range(0, 40).boxed().toList()));
    }

    @Test
    @Timeout(60)
    void twoProcessesEnqueuingOnePointIfNewQueueItOnce() throws Exception {
        // Two storages on one database stand for two servers going on with one spec at once.
        List<Study> studies = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            studies.add(Study.builder("points").storage(closing(PostgresStorage.open(url, "postgres", null))).create());
        }
        for (int round = 0; round < 5; round++) {
            Map<String, Object> point = Map.of("x", round);
            List<CompletableFuture<Boolean>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Study study = studies.get(i % 2);
                calls.add(CompletableFuture.supplyAsync(() -> study.enqueueIfNew(point)));
            }
            assertThat(calls.stream().filter(CompletableFuture::join).count()).as("round %d", round).isEqualTo(1);
        }
        assertThat(studies.get(0).trials()).extracting(FrozenTrial::fixedParams)
                .containsExactlyElementsOf(IntStream.range(0, 5).mapToObj(x -> Map.<String, Object>of("x", x)).toList());
    }

    @Test
    @Timeout(120)
    void aCoordinatorAndTwoNodesRunAStudyTogether() {
        Objective objective = trial -> {
            int x = trial.suggestInt("x", 0, 39);
            Thread.sleep(100);
            return x * x;
        };
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        Study study = Study.builder("grid").sampler(grid()).storage(storage).create();
        ClusterNode coordinator = coordinator();
        node("node-a", 2, closing(new TestStudies(url, ClusterNodeTest::grid, objective)));
        node("node-b", 2, closing(new TestStudies(url, ClusterNodeTest::grid, objective)));
        int n = 24;

        coordinator.runStudy(study, n, 4, () -> false);

        List<FrozenTrial> trials = study.trials();
        assertThat(study.countedTrials()).isEqualTo(n);
        assertThat(trials).hasSize(n).allSatisfy(t -> assertThat(t.state()).isEqualTo(TrialState.COMPLETE));
        assertThat(trials).extracting(FrozenTrial::number).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
        assertThat(trials).extracting(t -> t.systemAttrs().get(ClusterNode.ATTR_NODE)).containsOnly("node-a", "node-b")
                .contains("node-a", "node-b");
        assertThat(trials).extracting(t -> t.systemAttrs().get(Device.ATTR_DEVICE)).containsOnly("cpu");
        assertThat(trials).extracting(t -> t.systemAttrs().get(ClusterNode.ATTR_CLUSTER_JOB)).doesNotContainNull()
                .doesNotHaveDuplicates();
        // Two samplers on two nodes, one grid: no point runs twice.
        assertThat(trials).extracting(t -> t.params().get("x")).doesNotHaveDuplicates();
        assertThat(coordinator.outstanding("grid")).isZero();
        assertThat(queryInt(url, "SELECT count(*) FROM qrtz_job_details")).isZero();
    }

    @Test
    @Timeout(60)
    void theWorkersAreTheNodesWithSlotsWhoseCheckInsAreCurrent() {
        ClusterNode coordinator = coordinator();
        assertThat(coordinator.workers()).isEmpty();
        TestStudies studies = closing(new TestStudies(url, () -> new RandomSampler(1), trial -> 0));
        ClusterNode a = node("node-a", 1, studies);
        node("node-b", 2, studies);
        assertThat(coordinator.workers()).containsExactly("node-a", "node-b");
        assertThat(a.workers()).containsExactly("node-a", "node-b");

        // A node that stopped checking in (its machine lost) is no worker once the interval and Quartz's grace pass.
        sql(url, "UPDATE qrtz_scheduler_state SET last_checkin_time = last_checkin_time - 60000 WHERE instance_name = 'node-b'");
        assertThat(coordinator.workers()).containsExactly("node-a");
    }

    @Test
    @Timeout(120)
    void aNodeThatCannotBuildAStudyPassesItsJobsOnToOneThatCan() {
        Objective objective = trial -> trial.suggestFloat("x", 0, 1);
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        Study study = Study.builder("picky").storage(storage).create();
        ClusterNode coordinator = coordinator();
        ClusterStudies cannot = new ClusterStudies() {
            @Override
            public Optional<ClusterStudy> resolve(String name) {
                return Optional.empty(); // e.g. its objective is not installed on this node
            }

            @Override
            public boolean stopped(String name) {
                return false;
            }
        };
        closing(ClusterNode.builder(url, "postgres", null).optNodeName("node-a").optDevices(Devices.cpu(2))
                .optStudies(cannot).build());
        node("node-b", 1, closing(new TestStudies(url, () -> new RandomSampler(7), objective)));

        coordinator.runStudy(study, 4, 4, () -> false);

        assertThat(study.trials()).hasSize(4).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            assertThat(t.systemAttrs()).containsEntry(ClusterNode.ATTR_NODE, "node-b");
        });
        assertThat(coordinator.outstanding("picky")).isZero();
    }

    @Test
    @Timeout(120)
    void nodesSamplingAtOnceNeverRunAGridPointTwice() {
        // No sleep: the nodes start trials as fast as they can, so their samplers would race without the
        // cluster-wide ask lock (each node has its own sampler and storage, as separate processes would).
        Objective objective = trial -> trial.suggestInt("x", 0, 39);
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        Study study = Study.builder("race").sampler(grid()).storage(storage).create();
        ClusterNode coordinator = coordinator();
        node("node-a", 3, closing(new TestStudies(url, ClusterNodeTest::grid, objective)));
        node("node-b", 3, closing(new TestStudies(url, ClusterNodeTest::grid, objective)));

        coordinator.runStudy(study, 40, 12, () -> false);

        assertThat(study.trials()).hasSize(40).extracting(t -> t.params().get("x")).doesNotHaveDuplicates();
    }

    @Test
    @Timeout(120)
    void stoppingAStudyDeletesItsQueuedJobsAndAbortsItsRunningTrials() throws Exception {
        Objective slow = trial -> {
            trial.suggestFloat("x", 0, 1);
            Thread.sleep(60_000);
            return 0;
        };
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        Study study = Study.builder("slow").storage(storage).create();
        ClusterNode coordinator = coordinator();
        TestStudies studies = closing(new TestStudies(url, () -> new RandomSampler(7), slow));
        node("node-a", 1, studies);

        CompletableFuture<Void> run = CompletableFuture.runAsync(
                () -> coordinator.runStudy(study, 10, 5, () -> studies.stopped("slow")));
        while (study.trials(TrialState.RUNNING).isEmpty()) {
            Thread.sleep(50);
        }
        assertThat(coordinator.outstanding("slow")).isEqualTo(5); // one running, four queued
        storage.setStudyAttr("slow", TestStudies.ATTR_STOPPED, true);
        run.get(30, TimeUnit.SECONDS);
        assertThat(coordinator.outstanding("slow")).isZero();
        while (!study.trials(TrialState.RUNNING).isEmpty()) {
            Thread.sleep(50);
        }
        // The running trial was aborted; the queued ones never started.
        assertThat(study.trials()).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TrialState.FAIL);
            assertThat(t.reason()).isEqualTo(TrialScheduler.REASON_STOPPED);
        });
    }

    @Test
    @Timeout(120)
    void aStudyWhoseGridIsUsedUpEndsWithFewerTrials() {
        Objective objective = trial -> trial.suggestInt("x", 0, 2);
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        GridSampler small = new GridSampler(Map.of("x", List.of(0, 1, 2)));
        Study study = Study.builder("small").sampler(small).storage(storage).create();
        ClusterNode coordinator = coordinator();
        node("node-a", 2, closing(new TestStudies(url, () -> new GridSampler(Map.of("x", List.of(0, 1, 2))), objective)));

        coordinator.runStudy(study, 10, 2, () -> false);

        assertThat(study.trials(TrialState.COMPLETE)).extracting(t -> t.params().get("x")).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(coordinator.outstanding("small")).isZero();
    }

    @Test
    @Timeout(120)
    void aTrialFailedForAnInfrastructureReasonIsRetriedOnTheClusterEvenPastTheTotal() {
        AtomicInteger calls = new AtomicInteger();
        Objective objective = trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            if (calls.incrementAndGet() == 1) {
                throw new InfrastructureException("CUDA out of memory");
            }
            return x;
        };
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        Study study = Study.builder("oom").storage(storage).create();
        ClusterNode coordinator = coordinator();
        node("node-a", 1, closing(new TestStudies(url, () -> new RandomSampler(7), objective)));

        // The failed trial counts, and makes the total; its retry waits, and still gets a job.
        coordinator.runStudy(study, 1, 1, () -> false);

        List<FrozenTrial> trials = study.trials();
        assertThat(trials).extracting(FrozenTrial::state).containsExactly(TrialState.FAIL, TrialState.COMPLETE);
        assertThat(trials.get(1).systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, 0);
        assertThat(trials.get(1).params()).isEqualTo(trials.get(0).params());
        assertThat(coordinator.outstanding("oom")).isZero();
    }

    @Test
    @Timeout(60)
    void runStudyStopsTheStudyWhenAskedTo() throws Exception {
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        Study study = Study.builder("idle").storage(storage).create();
        ClusterNode coordinator = coordinator(); // no node runs its trials: they stay queued
        AtomicInteger polls = new AtomicInteger();
        AtomicInteger queuedBeforeStop = new AtomicInteger(-1);
        coordinator.runStudy(study, 10, 3, () -> {
            if (polls.incrementAndGet() <= 5) {
                return false;
            }
            queuedBeforeStop.set(coordinator.outstanding("idle"));
            return true;
        });
        assertThat(queuedBeforeStop.get()).isEqualTo(3);
        assertThat(coordinator.outstanding("idle")).isZero();
        assertThat(study.trials()).isEmpty();
    }

    @Test
    @Timeout(120)
    void closingANodeWaitsItsGraceThenAbortsItsRunningTrials() throws Exception {
        Objective slow = trial -> {
            trial.suggestFloat("x", 0, 1);
            Thread.sleep(60_000);
            return 0;
        };
        PostgresStorage storage = closing(PostgresStorage.open(url, "postgres", null));
        Study study = Study.builder("closing").storage(storage).create();
        ClusterNode coordinator = coordinator();
        ClusterNode node = closing(ClusterNode.builder(url, "postgres", null).optNodeName("node-a").optDevices(Devices.cpu(1))
                .optStudies(closing(new TestStudies(url, () -> new RandomSampler(7), slow)))
                .optShutdownGrace(Duration.ofMillis(300)).build());
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> coordinator.runStudy(study, 1, 1, stop::get));
        try {
            while (study.trials(TrialState.RUNNING).isEmpty()) {
                Thread.sleep(50);
            }
            node.close();
            FrozenTrial aborted = study.storage().trial(study.name(), 0);
            assertThat(aborted.state()).isEqualTo(TrialState.FAIL);
            assertThat(aborted.reason()).isEqualTo(TrialScheduler.REASON_SHUTDOWN);
            assertThat(aborted.wasInterrupted()).isTrue(); // so it does not count: the study still wants its trial
            // Its parameters run again, on a node that stays, as a lost node's do (they never ran again: an enqueued
            // point was never evaluated).
            assertThat(study.trials()).hasSize(2).last().satisfies(retry -> {
                assertThat(retry.state()).isEqualTo(TrialState.WAITING);
                assertThat(retry.systemAttrs()).containsEntry(TrialScheduler.ATTR_RETRY_OF, 0);
                assertThat(retry.systemAttrs()).containsEntry(FrozenTrial.ATTR_FIXED_PARAMS, aborted.params());
            });
            // Quartz recorded the job's end before the node left: no job of it is left executing. (The coordinator
            // queues the interrupted trial again at once; Quartz may acquire that trigger while going to standby and
            // leave it ACQUIRED on shutdown: other nodes' check-ins release such triggers, so they may stay here.)
            assertThat(queryInt(url, "SELECT count(*) FROM qrtz_fired_triggers WHERE state <> 'ACQUIRED'")).isZero();
        } finally {
            stop.set(true);
            run.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(60)
    void nodesStartingAtOnceCreateTheQuartzTablesOnceWithoutDroppingAnything() throws Exception {
        assertThat(QuartzTables.statements()).isNotEmpty()
                .noneMatch(st -> st.toUpperCase(java.util.Locale.ROOT).startsWith("DROP"))
                .anyMatch(st -> st.startsWith("CREATE TABLE QRTZ_FIRED_TRIGGERS"));
        List<CompletableFuture<Boolean>> starts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            starts.add(CompletableFuture.supplyAsync(() -> {
                try (Connection c = DriverManager.getConnection(url)) {
                    return QuartzTables.createIfMissing(c);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<Boolean> created = new ArrayList<>();
        for (CompletableFuture<Boolean> start : starts) {
            created.add(start.get(30, TimeUnit.SECONDS));
        }
        assertThat(created).containsOnlyOnce(true);
        // A node joining later keeps what is there.
        sql(url, "INSERT INTO qrtz_locks(sched_name, lock_name) VALUES ('other', 'KEEP')");
        coordinator();
        assertThat(queryInt(url, "SELECT count(*) FROM qrtz_locks WHERE lock_name = 'KEEP'")).isOne();
    }

    @Test
    void anUnreachableDatabaseFailsInOneLineNamingIt() {
        assertThatThrownBy(() -> ClusterNode.builder("jdbc:postgresql://127.0.0.1:1/nowhere", "u", "p").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("jdbc:postgresql://127.0.0.1:1/nowhere")
                .extracting(Throwable::getMessage).asString().doesNotContain("\n");
    }

    @Test
    void aNodeNamedByDefaultCarriesItsHostItsProcessAndARandomTag() {
        // Host and process id alone: two containers sharing a host name, each with its java as process 1, were one
        // node to Quartz, which then never recovered the jobs of the one that died.
        ClusterNode node = closing(ClusterNode.builder(url, "postgres", null).build());
        assertThat(node.nodeName()).matches(".+:" + ProcessHandle.current().pid() + "-[0-9a-f]{4}(-\\d+)?");
    }

    @Test
    void badInputIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ClusterNode.builder(null, "u", "p")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("jdbcUrl:");
        assertThatThrownBy(() -> ClusterNode.builder(" ", "u", "p")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("jdbcUrl:");
        assertThatThrownBy(() -> ClusterNode.builder("jdbc:mysql://h/db", "u", "p"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("jdbcUrl:");
        ClusterNode.Builder b = ClusterNode.builder(url, "postgres", null);
        assertThatThrownBy(() -> b.optCheckinInterval(Duration.ZERO)).hasMessageStartingWith("checkinInterval:");
        assertThatThrownBy(() -> b.optNodeName("")).hasMessageStartingWith("nodeName:");
        assertThatThrownBy(() -> b.optTrialTimeout(Duration.ofSeconds(-1))).hasMessageStartingWith("trialTimeout:");
        assertThatThrownBy(() -> b.optShutdownGrace(null)).hasMessageStartingWith("shutdownGrace:");
        assertThatThrownBy(() -> b.optDevices(Devices.cpu(1)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("studies:");

        ClusterNode coordinator = coordinator();
        assertThatThrownBy(() -> ClusterNode.builder(url, "postgres", null).optNodeName("coordinator").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("nodeName:");
        Study study = Study.builder("s").create();
        assertThatThrownBy(() -> coordinator.runStudy(study, -1, 1, () -> false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("totalTrials:");
        assertThatThrownBy(() -> coordinator.runStudy(study, 1, 0, () -> false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxConcurrent:");
        assertThatThrownBy(() -> coordinator.runStudy(null, 1, 1, () -> false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("study:");
        assertThatThrownBy(() -> coordinator.runStudy(study, 1, 1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("stopped:");
        assertThatThrownBy(() -> coordinator.stopStudy(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("study:");
    }
}
