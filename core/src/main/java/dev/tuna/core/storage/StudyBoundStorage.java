package dev.tuna.core.storage;

import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A storage seen by the trials of one study, as it was when they started: its writes to that study are refused
 * ({@link StudyNotFoundException}) once the study is deleted, also when a new study has taken its name since.
 * Trials are addressed by study name and number, so without this a trial of a deleted study that was still running
 * in another process (on a cluster's node, or a program sharing a database) wrote its result into the new study's
 * trial of the same number. Every {@code Study} works through one.
 *
 * <p>Each write to the study first reads the study's creation time: a deletion between that read and the write
 * still slips through, so a study deleted while its trials run should also have them stopped (a cluster node
 * checks every second). Reads and writes to other studies pass straight through.
 */
public final class StudyBoundStorage implements Storage {
    private final Storage delegate;
    private final String study;
    private final Instant created;

    /** Binds writes to {@code study} to the study of that name created at {@code created}. */
    public StudyBoundStorage(Storage delegate, String study, Instant created) {
        this.delegate = delegate;
        this.study = study;
        this.created = created;
    }

    /** The storage underneath, as its owner opened it. */
    public Storage delegate() {
        return delegate;
    }

    /** Whether this binds writes to {@code name} to the study of that name created at {@code created}. */
    public boolean bindsTo(String name, Instant created) {
        return study.equals(name) && this.created.equals(created);
    }

    /** Whether the study these writes are bound to is still stored (not deleted, not replaced). */
    public boolean current() {
        return delegate.findStudy(study).map(info -> info.created().equals(created)).orElse(false);
    }

    private void check(String name) {
        if (study.equals(name) && !current()) {
            throw delegate.findStudy(name).isPresent() ? StudyNotFoundException.replaced(name)
                    : new StudyNotFoundException(name);
        }
    }

    @Override
    public FrozenTrial addTrial(String name, FrozenTrial trial) {
        check(name);
        return delegate.addTrial(name, trial);
    }

    @Override
    public StudyInfo createStudy(String name, Direction direction, Map<String, Object> attrs) {
        return delegate.createStudy(name, direction, attrs);
    }

    @Override
    public Optional<StudyInfo> findStudy(String name) {
        return delegate.findStudy(name);
    }

    @Override
    public List<StudyInfo> studies() {
        return delegate.studies();
    }

    @Override
    public void deleteStudy(String name) {
        delegate.deleteStudy(name);
    }

    @Override
    public void setStudyAttr(String name, String key, Object value) {
        check(name);
        delegate.setStudyAttr(name, key, value);
    }

    @Override
    public FrozenTrial enqueueTrial(String name, Map<String, Object> fixedParams) {
        check(name);
        return delegate.enqueueTrial(name, fixedParams);
    }

    @Override
    public FrozenTrial startTrial(String name) {
        check(name);
        return delegate.startTrial(name);
    }

    @Override
    public void setParam(String name, int number, String param, Distribution distribution, double internalValue) {
        check(name);
        delegate.setParam(name, number, param, distribution, internalValue);
    }

    @Override
    public void report(String name, int number, int step, Double value, Map<String, Double> metrics) {
        check(name);
        delegate.report(name, number, step, value, metrics);
    }

    @Override
    public void setUserAttr(String name, int number, String key, Object value) {
        check(name);
        delegate.setUserAttr(name, number, key, value);
    }

    @Override
    public void setSystemAttr(String name, int number, String key, Object value) {
        check(name);
        delegate.setSystemAttr(name, number, key, value);
    }

    @Override
    public void setSystemAttrs(String name, int number, Map<String, ?> attrs) {
        check(name);
        delegate.setSystemAttrs(name, number, attrs);
    }

    @Override
    public FrozenTrial finishTrial(String name, int number, TrialState state, Double value, String reason) {
        check(name);
        return delegate.finishTrial(name, number, state, value, reason);
    }

    @Override
    public FrozenTrial trial(String name, int number) {
        return delegate.trial(name, number);
    }

    @Override
    public List<FrozenTrial> trials(String name) {
        return delegate.trials(name);
    }

    @Override
    public List<FrozenTrial> trialsFrom(String name, int from) {
        return delegate.trialsFrom(name, from);
    }

    @Override
    public List<FrozenTrial> trials(String name, Set<TrialState> states) {
        return delegate.trials(name, states);
    }

    @Override
    public <T> T exclusively(String name, java.util.function.Supplier<T> action) {
        return delegate.exclusively(name, action);
    }

    @Override
    public boolean runningInLiveProcess(String name, int number) {
        return delegate.runningInLiveProcess(name, number);
    }

    @Override
    public Optional<String> writeFailure() {
        return delegate.writeFailure();
    }

    /** Closes nothing: the storage it wraps belongs to its owner. */
    @Override
    public void close() {
    }
}
