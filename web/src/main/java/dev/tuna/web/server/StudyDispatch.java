package dev.tuna.web.server;

import dev.tuna.search.Objective;
import dev.tuna.search.OptimizeOptions;
import dev.tuna.search.Study;
import dev.tuna.web.spec.StudySpec;
import dev.tuna.worker.cluster.ClusterNode;
import dev.tuna.worker.dispatch.ScheduledStudy;
import dev.tuna.worker.dispatch.StudyRun;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How a {@link StudyService} runs a submitted study's trials: on this process's {@link TrialScheduler}
 * ({@link #local}) or across a cluster of nodes sharing a PostgreSQL database ({@link #cluster}). Everything else
 * (specs, storage, stop and resume, resuming unfinished studies) is the service's and the same for both.
 */
public interface StudyDispatch {

    /**
     * Refuses a spec this dispatch cannot run.
     *
     * @throws ApiException (422, naming the field) if it cannot
     */
    void check(StudySpec spec);

    /**
     * Runs the study until it has {@code spec.trials()} counted trials, or until {@code stopped} turns true; blocks
     * (the service calls it on a runner thread of its own).
     */
    void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped);

    /**
     * Whether every trial of this dispatch's studies runs in this process, so that, once {@link #run} has returned,
     * a trial still RUNNING was left so by it (its end could not be saved). False for a cluster, whose other machines
     * may be running trials.
     */
    default boolean runsHereOnly() {
        return false;
    }

    /**
     * How many nodes can run trials now, where they may run in other processes (a cluster's live workers, this node
     * among them if it has slots); empty where this process runs them all, or where the count cannot be read now.
     */
    default OptionalInt workers() {
        return OptionalInt.empty();
    }

    /** Runs the study on its cron expression ({@code spec.cron()} is set; {@link #check} accepted it). */
    ScheduledStudy schedule(StudySpec spec, Study study, Objective objective);

    /**
     * A user stopped the study: no more trials start and running ones end FAIL "interrupted: the study was
     * stopped" (not counted).
     *
     * @param study the study of this process's run, or null when this process runs none of it
     */
    void stop(String name, Study study);

    /**
     * This process is stopping: no more trials start here, and the ones running here end as a crash would end them
     * (FAIL "interrupted: ...": not counted, replaced when the study resumes), not as a user's stop. Called before
     * the runs are stopped.
     */
    void shutdown();

    /** Trials run by this process's {@link TrialScheduler}, at most {@code spec.parallelism()} at once. */
    static StudyDispatch local(TrialScheduler scheduler) {
        return new Local(scheduler);
    }

    /**
     * Trials run by whichever node of the cluster has a free slot; this node queues them, unless it lost the
     * cluster's coordinator lock to another server ({@code lostCoordination}).
     */
    static StudyDispatch cluster(ClusterNode node, BooleanSupplier lostCoordination) {
        return new Cluster(node, lostCoordination);
    }

    /**
     * Why this dispatch can run no study now, if so: a cluster's server whose coordinator lock another server took
     * (submits and resumes are refused, and its health says so). Empty by default.
     */
    default java.util.Optional<String> failure() {
        return java.util.Optional.empty();
    }

    /** {@link #local}. */
    final class Local implements StudyDispatch {
        private final TrialScheduler scheduler;

        Local(TrialScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void check(StudySpec spec) {
            // The local scheduler runs every spec the parser accepts.
        }

        @Override
        public boolean runsHereOnly() {
            return true;
        }

        private OptimizeOptions.Builder options(StudySpec spec, BooleanSupplier stopped) {
            OptimizeOptions.Builder options = OptimizeOptions.builder().optParallelism(spec.parallelism())
                    .optExecutor(scheduler.executor().withMaxConcurrent(spec.parallelism()))
                    // A stop that came before the loop began still stops it, at its first finished trial.
                    .optCallback((s, t) -> {
                        if (stopped.getAsBoolean()) {
                            s.stop();
                        }
                    });
            spec.timeout().ifPresent(options::optTimeout);
            spec.trialTimeout().ifPresent(options::optTrialTimeout);
            return options;
        }

        @Override
        public void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped) {
            OptimizeOptions total = options(spec, stopped).optTotalTrials(spec.trials()).build();
            if (!stopped.getAsBoolean()) {
                study.optimize(objective, total);
            }
        }

        @Override
        public ScheduledStudy schedule(StudySpec spec, Study study, Objective objective) {
            // Each firing runs the spec's number of trials; "stopped" only matters to a user's stop, which cancels it.
            return scheduler.schedule(new StudyRun(study, objective, options(spec, () -> false)
                    .optTrials(spec.trials()).build()), spec.cron());
        }

        @Override
        public void stop(String name, Study study) {
            if (study != null) {
                study.stop();
            }
        }

        @Override
        public void shutdown() {
            // Running trials get the scheduler's grace period to finish, then end FAIL "interrupted: the worker
            // shut down".
            scheduler.close();
        }
    }

    /** {@link #cluster}. */
    final class Cluster implements StudyDispatch {
        /** How long a count of the workers is used: a studies list asks once per study. */
        private static final long WORKERS_FRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
        private final ClusterNode node;
        private final BooleanSupplier lostCoordination;
        private volatile long workersAt;
        private volatile OptionalInt workers = OptionalInt.empty();

        Cluster(ClusterNode node, BooleanSupplier lostCoordination) {
            this.node = node;
            this.lostCoordination = lostCoordination;
        }

        @Override
        public java.util.Optional<String> failure() {
            return lostCoordination.getAsBoolean() ? java.util.Optional.of("another `tuna serve` took this cluster's"
                    + " coordinator lock while this server's database session was down (a database restart, or its"
                    + " session ended): this server queues no trials; stop one of"
                    + " them, and submit to the other") : java.util.Optional.empty();
        }

        @Override
        public OptionalInt workers() {
            long now = System.nanoTime();
            if (workersAt == 0 || now - workersAt > WORKERS_FRESH_NANOS) {
                try {
                    workers = OptionalInt.of(node.workers().size());
                } catch (RuntimeException e) {
                    workers = OptionalInt.empty(); // the database away: the health check says so
                }
                workersAt = now;
            }
            return workers;
        }

        @Override
        public void check(StudySpec spec) {
            failure().ifPresent(why -> {
                throw new ApiException(503, "", why);
            });
            if (spec.cron() != null) {
                throw new ApiException(422, "cron", "cron: a scheduled study cannot run on a cluster (--db); "
                        + "submit it without cron, or to a server without --db");
            }
        }

        @Override
        public void run(StudySpec spec, Study study, Objective objective, BooleanSupplier stopped) {
            // The spec's timeout ends the run as it does locally: no new trials are queued, running ones finish.
            long deadline = spec.timeout().map(Duration::toNanos).map(t -> System.nanoTime() + t).orElse(Long.MAX_VALUE);
            BooleanSupplier done = spec.timeout().isPresent()
                    ? () -> stopped.getAsBoolean() || System.nanoTime() - deadline >= 0
                    : stopped;
            if (!done.getAsBoolean()) {
                node.runStudy(study, spec.trials(), spec.parallelism(), done);
            }
        }

        @Override
        public ScheduledStudy schedule(StudySpec spec, Study study, Objective objective) {
            check(spec);
            throw new IllegalStateException("unreachable: check refuses cron on a cluster");
        }

        @Override
        public void stop(String name, Study study) {
            if (study != null) {
                study.stop();
            }
            // Also when this process runs none of it: other nodes may still hold its queued or running trials.
            node.stopStudy(name);
        }

        @Override
        public void shutdown() {
            // Nothing before the runs stop: the node's own close, later, gives this node's trials their grace and
            // then ends them FAIL "interrupted: the worker shut down".
        }
    }
}
