package dev.tuna.examples.bench;

import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StudyInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A storage that passes every call to another one and adds up the time each kind of call takes: where the
 * overhead benchmark's time goes, without touching the storage itself.
 */
final class TimedStorage implements Storage {

    /** Calls of one kind: how many and how long in all. */
    record Calls(long count, long nanos) {
    }

    private final Storage delegate;
    private final Map<String, LongAdder[]> timers = new ConcurrentHashMap<>();

    TimedStorage(Storage delegate) {
        this.delegate = delegate;
    }

    private <T> T timed(String name, Supplier<T> call) {
        long start = System.nanoTime();
        try {
            return call.get();
        } finally {
            LongAdder[] t = timers.computeIfAbsent(name, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
            t[0].increment();
            t[1].add(System.nanoTime() - start);
        }
    }

    private void timed(String name, Runnable call) {
        timed(name, () -> {
            call.run();
            return null;
        });
    }

    /** Forgets the calls made so far. */
    void reset() {
        timers.clear();
    }

    /** The calls made so far by method name, the most time-consuming first. */
    Map<String, Calls> calls() {
        Map<String, Calls> result = new LinkedHashMap<>();
        timers.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), new Calls(e.getValue()[0].sum(), e.getValue()[1].sum())))
                .sorted((a, b) -> Long.compare(b.getValue().nanos(), a.getValue().nanos()))
                .forEach(e -> result.put(e.getKey(), e.getValue()));
        return result;
    }

    @Override
    public StudyInfo createStudy(String name, Direction direction, Map<String, Object> attrs) {
        return timed("createStudy", () -> delegate.createStudy(name, direction, attrs));
    }

    @Override
    public Optional<StudyInfo> findStudy(String name) {
        return timed("findStudy", () -> delegate.findStudy(name));
    }

    @Override
    public List<StudyInfo> studies() {
        return timed("studies", delegate::studies);
    }

    @Override
    public void deleteStudy(String name) {
        timed("deleteStudy", () -> delegate.deleteStudy(name));
    }

    @Override
    public void setStudyAttr(String study, String key, Object value) {
        timed("setStudyAttr", () -> delegate.setStudyAttr(study, key, value));
    }

    @Override
    public FrozenTrial enqueueTrial(String study, Map<String, Object> fixedParams) {
        return timed("enqueueTrial", () -> delegate.enqueueTrial(study, fixedParams));
    }

    @Override
    public FrozenTrial addTrial(String study, FrozenTrial trial) {
        return timed("addTrial", () -> delegate.addTrial(study, trial));
    }

    @Override
    public FrozenTrial startTrial(String study) {
        return timed("startTrial", () -> delegate.startTrial(study));
    }

    @Override
    public void setParam(String study, int number, String name, Distribution distribution, double internalValue) {
        timed("setParam", () -> delegate.setParam(study, number, name, distribution, internalValue));
    }

    @Override
    public void report(String study, int number, int step, Double value, Map<String, Double> metrics) {
        timed("report", () -> delegate.report(study, number, step, value, metrics));
    }

    @Override
    public void setUserAttr(String study, int number, String key, Object value) {
        timed("setUserAttr", () -> delegate.setUserAttr(study, number, key, value));
    }

    @Override
    public void setSystemAttr(String study, int number, String key, Object value) {
        timed("setSystemAttr", () -> delegate.setSystemAttr(study, number, key, value));
    }

    @Override
    public FrozenTrial finishTrial(String study, int number, TrialState state, Double value, String reason) {
        return timed("finishTrial", () -> delegate.finishTrial(study, number, state, value, reason));
    }

    @Override
    public FrozenTrial trial(String study, int number) {
        return timed("trial", () -> delegate.trial(study, number));
    }

    @Override
    public List<FrozenTrial> trials(String study) {
        return timed("trials", () -> delegate.trials(study));
    }

    @Override
    public List<FrozenTrial> trialsFrom(String study, int from) {
        return timed("trials", () -> delegate.trialsFrom(study, from));
    }

    @Override
    public List<FrozenTrial> trials(String study, Set<TrialState> states) {
        return timed("trials", () -> delegate.trials(study, states));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
