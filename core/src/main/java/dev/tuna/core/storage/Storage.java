package dev.tuna.core.storage;

import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where studies and their trials live: the single source of truth for samplers, pruners and the web layer.
 *
 * <p>Contract, checked for every implementation by one test suite:
 * <ul>
 *   <li>Thread-safe: any method may be called from any thread.</li>
 *   <li>Snapshots ({@link FrozenTrial}, {@link StudyInfo}, lists) never change once returned.</li>
 *   <li>A finished trial is read-only: changing it throws {@link IllegalStateException}.</li>
 *   <li>Durable implementations have made a finished trial durable when {@link #finishTrial} returns.</li>
 * </ul>
 * Trials are numbered from 0 in each study, in the order they are created.
 */
public interface Storage extends AutoCloseable {

    /** Creates a study; throws {@link StudyExistsException} if the name is taken. */
    default StudyInfo createStudy(String name, Direction direction) {
        return createStudy(name, direction, Map.of());
    }

    /**
     * Creates a study with its first attributes in one step (a durable store writes them together, so that no crash
     * leaves the study without them); throws {@link StudyExistsException} if the name is taken.
     */
    StudyInfo createStudy(String name, Direction direction, Map<String, Object> attrs);

    /** The study of that name, if stored. */
    Optional<StudyInfo> findStudy(String name);

    /** Every stored study, in the order they were created. */
    List<StudyInfo> studies();

    /** Deletes a study and all its trials; throws {@link StudyNotFoundException} if there is none. */
    void deleteStudy(String name);

    /** Sets an attribute of a study. */
    void setStudyAttr(String study, String key, Object value);

    /**
     * Adds a trial that ran elsewhere (Optuna's {@code add_trial}): a finished one, as given, numbered after the
     * study's last trial (its own number is ignored); a start or end not given is the other one, else the present.
     *
     * @throws IllegalArgumentException if it is not finished, its value does not fit its state (a COMPLETE one needs
     *                                  one that is not NaN, a FAIL one has none), it ends before it starts, or its
     *                                  parameters do not fit their distributions
     */
    FrozenTrial addTrial(String study, FrozenTrial trial);

    /** Adds a WAITING trial whose parameters are given rather than sampled. */
    FrozenTrial enqueueTrial(String study, Map<String, Object> fixedParams);

    /**
     * Starts a trial: the oldest WAITING trial if there is one, otherwise a new one; either way it is RUNNING
     * with its start time set when this returns, and no other caller gets the same trial.
     */
    FrozenTrial startTrial(String study);

    /**
     * Records a suggested parameter of a running trial, in its internal form.
     *
     * @throws IllegalStateException if the trial is not running or the parameter is already set
     */
    void setParam(String study, int number, String name, Distribution distribution, double internalValue);

    /**
     * Records what a running trial reported at a step: the objective's intermediate value (may be {@code null})
     * and other named metrics (may be empty). A value reported again at the same step replaces the old one.
     */
    void report(String study, int number, int step, Double value, Map<String, Double> metrics);

    /** Sets a user attribute of a running trial. */
    void setUserAttr(String study, int number, String key, Object value);

    /** Sets a system attribute of a running or waiting trial. */
    void setSystemAttr(String study, int number, String key, Object value);

    /**
     * Sets several system attributes of a running or waiting trial, in {@code attrs}' order. A storage that pays
     * per call (a database round trip) sets them in one; by default, one {@link #setSystemAttr} each.
     */
    default void setSystemAttrs(String study, int number, Map<String, ?> attrs) {
        attrs.forEach((key, value) -> setSystemAttr(study, number, key, value));
    }

    /**
     * Finishes a running trial. After this returns the trial is read-only and, for a durable storage, survives
     * the death of the process.
     *
     * @param state  COMPLETE, PRUNED or FAIL
     * @param value  the final value (COMPLETE), the last intermediate value (PRUNED), or {@code null}
     * @param reason why it was pruned or failed, or {@code null}
     * @return the finished trial
     */
    FrozenTrial finishTrial(String study, int number, TrialState state, Double value, String reason);

    /** One trial; throws {@link TrialNotFoundException} if there is none of that number. */
    FrozenTrial trial(String study, int number);

    /** Every trial of the study, in the order of their numbers. */
    List<FrozenTrial> trials(String study);

    /**
     * The trials numbered {@code from} and up, in the order of their numbers (a study's trials are numbered from 0
     * with no gaps): a reader that keeps the finished trials it has seen (they never change) reads only the rest.
     *
     * @throws IllegalArgumentException if {@code from} is negative
     */
    default List<FrozenTrial> trialsFrom(String study, int from) {
        if (from < 0) {
            throw new IllegalArgumentException("from must be at least 0, got " + from);
        }
        List<FrozenTrial> all = trials(study);
        return all.subList(Math.min(from, all.size()), all.size());
    }

    /** The trials in the given states, in the order of their numbers. */
    default List<FrozenTrial> trials(String study, Set<TrialState> states) {
        return trials(study).stream().filter(t -> states.contains(t.state())).toList();
    }

    /**
     * Runs {@code action} while no other caller of this method for the same study runs it, in any process that
     * shares this storage: a study's asks (sampling and starting a trial) go one at a time across processes, so a
     * grid's point is not handed out twice. A storage that only one process can open needs nothing beyond the
     * study's own lock in that process, which is the default.
     */
    default <T> T exclusively(String study, java.util.function.Supplier<T> action) {
        return action.get();
    }

    /**
     * Whether trial {@code number} of the study is RUNNING in a process that is still alive as far as this storage
     * can tell: one that shares the storage and still renews its heartbeat ({@link PostgresStorage}). A cluster node
     * that recovers the job of a node Quartz took for dead asks this first, since after a database outage Quartz can
     * take live nodes for dead, and failing their trials would throw their work away. Storages without heartbeats
     * answer false: they cannot tell.
     */
    default boolean runningInLiveProcess(String study, int number) {
        return false;
    }

    /**
     * Why changes cannot be saved right now (a full disk), while that lasts; empty when they can, or when this
     * storage does not know (a database server reports its failures on each call).
     */
    default Optional<String> writeFailure() {
        return Optional.empty();
    }

    /** Releases the storage's resources; a durable storage flushes what it holds. */
    @Override
    void close();
}
