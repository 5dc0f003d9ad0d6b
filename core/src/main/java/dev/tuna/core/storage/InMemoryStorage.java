package dev.tuna.core.storage;

import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A storage that keeps everything in this JVM's memory: fast, and gone when the process ends. */
public class InMemoryStorage implements Storage {

    private static final class StudyRecord {
        StudyInfo info;
        final List<TrialRecord> trials = new ArrayList<>();
        final ArrayDeque<TrialRecord> waiting = new ArrayDeque<>();

        StudyRecord(StudyInfo info) {
            this.info = info;
        }
    }

    private final Map<String, StudyRecord> studies = new LinkedHashMap<>();

    private StudyRecord study(String name) {
        StudyRecord s = studies.get(name);
        if (s == null) {
            throw new StudyNotFoundException(name);
        }
        return s;
    }

    private TrialRecord record(String study, int number) {
        List<TrialRecord> trials = study(study).trials;
        if (number < 0 || number >= trials.size()) {
            throw new TrialNotFoundException(study, number);
        }
        return trials.get(number);
    }

    @Override
    public synchronized StudyInfo createStudy(String name, Direction direction, Map<String, Object> attrs) {
        if (studies.containsKey(name)) {
            throw new StudyExistsException(name);
        }
        StudyInfo info = new StudyInfo(name, direction, Instant.now(), Map.of()).withAttrs(attrs);
        studies.put(name, new StudyRecord(info));
        return info;
    }

    /** Puts back a study read from a durable store, with its trials. */
    synchronized void restore(StudyInfo info, List<FrozenTrial> trials) {
        // Values read back from a file are mutable: copy them like values handed in.
        StudyRecord s = new StudyRecord(info.withImmutableAttrs());
        for (FrozenTrial t : trials) {
            if (t.number() != s.trials.size()) {
                throw new StorageException("study '" + info.name() + "' is missing trial " + s.trials.size());
            }
            TrialRecord r = TrialRecord.of(info.name(), t);
            s.trials.add(r);
            if (r.state == TrialState.WAITING) {
                s.waiting.add(r);
            }
        }
        studies.put(info.name(), s);
    }

    @Override
    public synchronized Optional<StudyInfo> findStudy(String name) {
        StudyRecord s = studies.get(name);
        return s == null ? Optional.empty() : Optional.of(s.info);
    }

    @Override
    public synchronized List<StudyInfo> studies() {
        return studies.values().stream().map(s -> s.info).toList();
    }

    @Override
    public synchronized void deleteStudy(String name) {
        if (studies.remove(name) == null) {
            throw new StudyNotFoundException(name);
        }
    }

    @Override
    public synchronized void setStudyAttr(String study, String key, Object value) {
        StudyRecord s = study(study);
        s.info = s.info.withAttr(key, value);
    }

    @Override
    public synchronized FrozenTrial enqueueTrial(String study, Map<String, Object> fixedParams) {
        StudyRecord s = study(study);
        TrialRecord r = new TrialRecord(study, s.trials.size(), TrialState.WAITING);
        r.systemAttrs.put(FrozenTrial.ATTR_FIXED_PARAMS, ImmutableValues.copyOfMap(fixedParams));
        s.trials.add(r);
        s.waiting.add(r);
        return r.snapshot();
    }

    @Override
    public synchronized FrozenTrial addTrial(String study, FrozenTrial trial) {
        StudyRecord s = study(study);
        TrialRecord r = TrialRecord.added(study, s.trials.size(), trial);
        s.trials.add(r);
        return r.snapshot();
    }

    @Override
    public synchronized FrozenTrial startTrial(String study) {
        StudyRecord s = study(study);
        TrialRecord r = s.waiting.poll();
        if (r == null) {
            r = new TrialRecord(study, s.trials.size(), TrialState.RUNNING);
            s.trials.add(r);
        }
        r.start();
        return r.snapshot();
    }

    @Override
    public synchronized void setParam(String study, int number, String name, Distribution distribution, double internalValue) {
        record(study, number).setParam(name, distribution, internalValue);
    }

    @Override
    public synchronized void report(String study, int number, int step, Double value, Map<String, Double> metrics) {
        record(study, number).report(step, value, metrics);
    }

    @Override
    public synchronized void setUserAttr(String study, int number, String key, Object value) {
        record(study, number).setUserAttr(key, value);
    }

    @Override
    public synchronized void setSystemAttr(String study, int number, String key, Object value) {
        record(study, number).setSystemAttr(key, value);
    }

    @Override
    public synchronized FrozenTrial finishTrial(String study, int number, TrialState state, Double value, String reason) {
        TrialRecord.checkFinish(state, value);
        TrialRecord r = record(study, number);
        r.finish(state, value, reason);
        return r.snapshot();
    }

    /**
     * Ends a trial a dead process left running: FAIL {@value FrozenTrial#REASON_INTERRUPTED}, at {@code lastSeen} (when
     * that process was last seen alive, never before the trial's start) if that is before now.
     */
    synchronized FrozenTrial finishInterrupted(String study, int number, Instant lastSeen) {
        TrialRecord r = record(study, number);
        r.finish(TrialState.FAIL, null, FrozenTrial.REASON_INTERRUPTED);
        if (lastSeen != null && lastSeen.isBefore(r.end)) {
            r.end = r.start != null && lastSeen.isBefore(r.start) ? r.start : lastSeen;
        }
        return r.snapshot();
    }

    /** Reads a trial's state in place under this storage's lock, without building a snapshot. */
    synchronized <T> T read(String study, int number, java.util.function.Function<TrialRecord, T> reader) {
        return reader.apply(record(study, number));
    }

    // Undoing one change, for a durable storage whose write of it failed.

    /** Puts back a study's info as it was. */
    synchronized void restoreInfo(StudyInfo info) {
        study(info.name()).info = info;
    }

    /** Takes back the last trial queued (which has not started) or added. */
    synchronized void removeLast(String study, int number) {
        StudyRecord s = study(study);
        TrialRecord last = s.trials.get(s.trials.size() - 1);
        if (last.number != number || last.state == TrialState.RUNNING) {
            throw new IllegalStateException("trial " + number + " of study '" + study
                    + "' is not the last one queued or added");
        }
        s.trials.remove(s.trials.size() - 1);
        s.waiting.remove(last);
    }

    /** Makes a trial that has just finished running again. */
    synchronized void unfinish(String study, int number) {
        record(study, number).unfinish();
    }

    @Override
    public synchronized FrozenTrial trial(String study, int number) {
        return record(study, number).snapshot();
    }

    @Override
    public List<FrozenTrial> trials(String study) {
        return trialsFrom(study, 0);
    }

    @Override
    public synchronized List<FrozenTrial> trialsFrom(String study, int from) {
        if (from < 0) {
            throw new IllegalArgumentException("from must be at least 0, got " + from);
        }
        List<TrialRecord> records = study(study).trials;
        FrozenTrial[] out = new FrozenTrial[Math.max(0, records.size() - from)];
        for (int i = 0; i < out.length; i++) {
            out[i] = records.get(from + i).snapshot();
        }
        return List.of(out);
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
