package dev.tuna.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 7's test: a coordinator (this JVM) and 3 worker JVMs run a study on a real PostgreSQL; one worker is
 * SIGKILLed mid-trial; the study still completes its N trials with none lost or duplicated.
 */
class ClusterRecoveryTest {
    private static final int WORKERS = 3;
    private static final int SLOTS = 2;
    private static final int TRIALS = 24;
    private static final long CHECKIN_MILLIS = 1000;
    private static final long STALE_AFTER_MILLIS = 15_000;

    @RegisterExtension
    static final EmbeddedPostgresServer POSTGRES = new EmbeddedPostgresServer();

    @Test
    @Timeout(180)
    void aStudySurvivesAWorkerKilledMidTrialWithNoTrialLostOrDuplicated() throws Exception {
        String url = POSTGRES.jdbcUrl("postgres");
        List<Process> workers = new ArrayList<>();
        try (PostgresStorage storage = PostgresStorage.open(url, "postgres", null, Duration.ofMillis(STALE_AFTER_MILLIS));
             ClusterNode coordinator = ClusterNode.builder(url, "postgres", null).optNodeName("coordinator")
                     .optCheckinInterval(Duration.ofMillis(CHECKIN_MILLIS)).build()) {
            for (int i = 0; i < WORKERS; i++) {
                workers.add(startWorker(url, "worker-" + i));
            }
            for (Process worker : workers) {
                awaitReady(worker);
            }
            Study study = Study.builder("recover").sampler(new RandomSampler(5)).storage(storage).create();
            CompletableFuture<Void> run = CompletableFuture.runAsync(
                    () -> coordinator.runStudy(study, TRIALS, WORKERS * SLOTS, () -> false));

            // SIGKILL worker-1 while it runs a trial (its objective sleeping, its parameter suggested).
            FrozenTrial killed = null;
            while (killed == null) {
                killed = study.trials(TrialState.RUNNING).stream()
                        .filter(t -> "worker-1".equals(t.systemAttrs().get(ClusterNode.ATTR_NODE)) && t.params().containsKey("x"))
                        .findFirst().orElse(null);
                Thread.sleep(20);
            }
            workers.get(1).destroyForcibly();
            assertThat(workers.get(1).waitFor(30, TimeUnit.SECONDS)).isTrue();

            run.get(150, TimeUnit.SECONDS);
            // A trial the killed worker had started but not yet labelled (a window of a few ms) is not found by the
            // recovery; the stale-owner sweep ends it.
            while (!study.trials(TrialState.RUNNING).isEmpty()) {
                Thread.sleep(100);
            }

            List<FrozenTrial> trials = study.trials();
            List<FrozenTrial> complete = study.trials(TrialState.COMPLETE);
            assertThat(study.countedTrials()).isEqualTo(TRIALS);
            assertThat(complete).hasSize(TRIALS);
            assertThat(trials).extracting(FrozenTrial::state).doesNotContain(TrialState.RUNNING, TrialState.WAITING);
            // Every failure is an interruption by the kill: nothing else failed, nothing ran twice.
            assertThat(trials).filteredOn(t -> t.state() == TrialState.FAIL).allSatisfy(t -> assertThat(t.wasInterrupted()).isTrue());
            assertThat(complete).extracting(t -> t.systemAttrs().get(ClusterNode.ATTR_CLUSTER_JOB)).doesNotHaveDuplicates();
            assertThat(complete).extracting(t -> t.systemAttrs().get(TrialScheduler.ATTR_RETRY_OF)).filteredOn(Objects::nonNull)
                    .doesNotHaveDuplicates();

            FrozenTrial lost = study.storage().trial("recover", killed.number());
            assertThat(lost.state()).isEqualTo(TrialState.FAIL);
            assertThat(lost.reason()).startsWith(FrozenTrial.REASON_INTERRUPTED);
            assertThat(complete).filteredOn(t -> Objects.equals(t.systemAttrs().get(TrialScheduler.ATTR_RETRY_OF), lost.number()))
                    .singleElement().satisfies(retry -> {
                        assertThat(retry.params()).isEqualTo(lost.params());
                        assertThat(retry.systemAttrs().get(ClusterNode.ATTR_NODE)).isNotEqualTo("worker-1");
                    });
            // The surviving workers shared the work.
            assertThat(complete).extracting(t -> t.systemAttrs().get(ClusterNode.ATTR_NODE)).contains("worker-0", "worker-2");

            assertThat(coordinator.outstanding("recover")).isZero();
            assertThat(ClusterNodeTest.queryInt(url, "SELECT count(*) FROM qrtz_job_details")).isZero();
            assertThat(ClusterNodeTest.queryInt(url, "SELECT count(*) FROM qrtz_triggers")).isZero();
            assertThat(ClusterNodeTest.queryInt(url, "SELECT count(*) FROM qrtz_fired_triggers")).isZero();
        } finally {
            workers.forEach(Process::destroyForcibly);
            for (Process worker : workers) {
                worker.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Process startWorker(String url, String name) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = Files.createTempFile("tuna-" + name + "-", ".log");
        return new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"),
                ClusterWorkerMain.class.getName(), url, name, String.valueOf(SLOTS), String.valueOf(CHECKIN_MILLIS),
                String.valueOf(STALE_AFTER_MILLIS))
                .redirectError(log.toFile())
                .start();
    }

    private static void awaitReady(Process worker) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(line).as("the worker's first line").startsWith("ready");
    }
}
