package dev.tuna.core.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storage in one MapDB file with transactions: the embedded, crash-safe default.
 *
 * <p>Reads are served from an in-memory copy loaded when the file opens; every change is also written to disk.
 * Transactions are kept by a journal beside the MapDB file ({@code <file>.journal}; see {@link JournaledMapDb} for
 * why MapDB's own are not used): commits, each one forced to disk, happen when a study or a queued trial is
 * created, when a trial finishes (so a finished trial is durable when {@link #finishTrial} returns), and every
 * {@value #FLUSH_MILLIS} ms while other changes wait; a trial's start is written at once too, without waiting for the
 * disk, so that its number survives a killed process. A process killed at any moment loses only what it had not
 * committed (a running trial's latest parameters, attributes and steps). On opening, trials that were RUNNING when
 * the last process died are marked FAIL with the reason {@value FrozenTrial#REASON_INTERRUPTED}.
 *
 * <p>A file is used by one process at a time; opening it from a second one fails with a one-line
 * {@link StorageException}.
 */
public final class MapDbStorage implements Storage {

    private static final Logger LOG = LoggerFactory.getLogger(MapDbStorage.class);
    static final long FLUSH_MILLIS = 200;
    /** How often the flush marks the journal's time while the file is open, as a heartbeat. */
    private static final long ALIVE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final char SEP = '\u0000';
    private static final String STUDIES = "studies";
    private static final String TRIALS = "trials";
    private static final String STEPS = "steps";
    private static final List<String> MAPS = List.of(STUDIES, TRIALS, STEPS);

    /** Trials are written without their curves: those go, step by step, to their own map. */
    @JsonIgnoreProperties({"intermediateValues", "metrics"})
    private interface HeaderMixin {
    }

    /** What one step of a trial's curves holds: the objective's value and the other metrics. */
    record StepRecord(Double value, Map<String, Double> metrics) {
    }

    private final Path path;
    private final JournaledMapDb db;
    private final InMemoryStorage cache = new InMemoryStorage();
    private final ObjectWriter headerWriter;
    private final ObjectWriter studyWriter;
    private final ObjectWriter stepWriter;
    private final ObjectReader trialReader;
    private final ObjectMapper json;
    private final ScheduledExecutorService flusher;
    private boolean closed;
    private boolean readOnly; // set once, by openReadOnly, before the storage is shared
    private long aliveAt = System.nanoTime(); // when the flush last marked the journal's time; guarded by this
    /**
     * Trials whose parameters or attributes changed since their record was last written, by study. Their records are
     * written once, just before the next commit, rather than at each change: a record holds every parameter, so
     * writing it at each {@link #setParam} made a trial of P parameters cost O(P^2).
     */
    private final Map<String, Set<Integer>> unwritten = new LinkedHashMap<>();
    private volatile String writeFailure; // why the last commit failed, until one succeeds (read by health checks)
    private long failureLoggedAt;
    /** While commits keep failing, the error is logged at most this often (the flush tries every 200 ms). */
    private static final long FAILURE_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);

    private MapDbStorage(Path path, JournaledMapDb db) {
        this.path = path;
        this.db = db;
        this.json = StorageJson.builder().addMixIn(FrozenTrial.class, HeaderMixin.class).build();
        this.headerWriter = json.writerFor(FrozenTrial.class);
        this.studyWriter = json.writerFor(StudyInfo.class);
        this.stepWriter = json.writerFor(StepRecord.class);
        this.trialReader = json.readerFor(FrozenTrial.class);
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tuna-mapdb-flush");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates, with any missing parent folders) the database file, loads it, and marks trials left
     * RUNNING by a dead process as interrupted.
     *
     * @throws StorageException if another process has the file open, or it cannot be read
     */
    public static MapDbStorage open(Path path) {
        return open(path, JournaledMapDb.JournalOpener.READ_WRITE);
    }

    /** As {@link #open(Path)}, with the journal file opened by {@code opener} (tests: a disk that fills up). */
    static MapDbStorage open(Path path, JournaledMapDb.JournalOpener opener) {
        Instant lastWritten = lastWritten(path); // before the open folds the journal into a new snapshot
        MapDbStorage storage = loaded(path, JournaledMapDb.open(path, MAPS, JournaledMapDb.MIN_CHECKPOINT_BYTES, opener),
                false, lastWritten);
        storage.flusher.scheduleWithFixedDelay(storage::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        return storage;
    }

    /**
     * Opens the database file to read it only, as it is: nothing is written to it or beside it, so that a backup, a
     * copy or a file on a read-only disk can be read without being changed. Trials left RUNNING by a process that
     * died are shown FAIL {@value FrozenTrial#REASON_INTERRUPTED}, as {@link #open} would mark them, but stay as
     * they are in the file. Every change is refused with a {@link StorageException}. It cannot be opened while a
     * process has the file open to write, and while it is open no process can open the file to write to it (except a
     * snapshot without a journal, which no process has open to write: it is read without a lock).
     *
     * <p>A damaged file, which {@link #open} refuses, is read for what is left of it, each damage logged: a map that
     * does not match its checksum as it is, a trial whose record cannot be read (or is missing) as FAIL
     * {@code damaged: ...}, and a step or study whose record cannot be read is left out, a study with its trials.
     *
     * @throws StorageException if there is no such file, another process writes to it, or it cannot be read at all
     */
    public static MapDbStorage openReadOnly(Path path) {
        return loaded(path, JournaledMapDb.openReadOnly(path, MAPS), true, lastWritten(path));
    }

    private static Path journalPath(Path path) {
        return path.resolveSibling(path.getFileName() + ".journal");
    }

    /**
     * When the process that had the file open last wrote to it or marked it alive (its journal's or snapshot's time,
     * whichever is later; an open file's journal is marked every 2 s), or null if neither is there: as near as the
     * file tells when a process that died stopped.
     */
    private static Instant lastWritten(Path path) {
        Instant last = null;
        Path target = JournaledMapDb.linkTarget(path);
        for (Path file : List.of(target, journalPath(target))) {
            try {
                Instant written = Files.getLastModifiedTime(file).toInstant();
                last = last == null || written.isAfter(last) ? written : last;
            } catch (IOException e) {
                // Not there (a new store), or not readable: the open says so if it matters.
            }
        }
        return last;
    }

    /**
     * A storage over {@code db}, loaded, with its trials left running marked as ended when the file was
     * {@code lastWritten}; {@code db} is let go if that fails.
     */
    private static MapDbStorage loaded(Path path, JournaledMapDb db, boolean readOnly, Instant lastWritten) {
        MapDbStorage storage = new MapDbStorage(path, db);
        storage.readOnly = readOnly;
        try {
            storage.load();
        } catch (StorageException | IndexOutOfBoundsException | IllegalArgumentException e) { // NumberFormatException too
            // A record MapDB read back but Tuna cannot (a flipped byte, a step key or trial list that does not add
            // up) said only what it hit: "For input string: ...", "study 'q1' is missing trial 21".
            db.abandon();
            String cause = firstLine(e);
            throw new StorageException("cannot open " + path + ": a record in it cannot be read, it is damaged or its"
                    + " disk failed (" + cause + "); nothing was changed: restore it from a backup, or move it away to"
                    + " start an empty store", e);
        } catch (RuntimeException e) { // a fault of Tuna's own, maybe: no advice to throw the file away
            db.abandon();
            throw new StorageException("cannot read " + path + ": " + e, e);
        }
        try {
            storage.recoverInterrupted(lastWritten);
        } catch (RuntimeException e) {
            db.abandon();
            throw e instanceof StorageException se ? se : new StorageException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return storage;
    }

    /** The database file. */
    public Path path() {
        return path;
    }

    private void load() {
        Map<String, List<FrozenTrial>> trialsByStudy = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : db.map(TRIALS).entrySet()) {
            String key = e.getKey();
            String study = key.substring(0, key.indexOf(SEP));
            String numbered = key.substring(key.indexOf(SEP) + 1);
            FrozenTrial trial = salvaged("trial " + numbered + " of study '" + study + "'", () -> {
                FrozenTrial read = read(trialReader, e.getValue());
                if (read.number() != Integer.parseInt(numbered)) { // a flipped digit that still reads
                    throw new StorageException("its record says trial " + read.number());
                }
                return read;
            }, why -> numbered.matches("\\d+") ? damagedTrial(Integer.parseInt(numbered), why) : null);
            if (trial != null) {
                trialsByStudy.computeIfAbsent(study, k -> new ArrayList<>()).add(trial);
            }
        }
        Map<String, Map<Integer, TreeMap<Integer, StepRecord>>> steps = new LinkedHashMap<>();
        ObjectReader stepReader = json.readerFor(StepRecord.class);
        for (Map.Entry<String, byte[]> e : db.map(STEPS).entrySet()) {
            salvaged("step " + e.getKey().replace(SEP, ' '), () -> {
                String[] parts = e.getKey().split(String.valueOf(SEP));
                return steps.computeIfAbsent(parts[0], k -> new LinkedHashMap<>())
                        .computeIfAbsent(Integer.parseInt(parts[1]), k -> new TreeMap<>())
                        .put(Integer.parseInt(parts[2]), read(stepReader, e.getValue()));
            }, why -> null);
        }
        List<StudyInfo> infos = new ArrayList<>();
        ObjectReader studyReader = json.readerFor(StudyInfo.class);
        for (Map.Entry<String, byte[]> e : db.map(STUDIES).entrySet()) {
            StudyInfo info = salvaged("study '" + e.getKey() + "'", () -> read(studyReader, e.getValue()), why -> null);
            if (info != null) {
                infos.add(info);
            }
        }
        infos.sort((a, b) -> a.created().compareTo(b.created()));
        for (StudyInfo info : infos) {
            Map<Integer, TreeMap<Integer, StepRecord>> studySteps = steps.getOrDefault(info.name(), Map.of());
            List<FrozenTrial> trials = new ArrayList<>();
            for (FrozenTrial header : trialsByStudy.getOrDefault(info.name(), List.of())) {
                // Read only, a trial whose record is gone (its key damaged) is shown as damaged in its place.
                while (readOnly && trials.size() < header.number()) {
                    trials.add(damagedTrial(trials.size(), "its record is missing"));
                }
                trials.add(withCurves(header, studySteps.getOrDefault(header.number(), new TreeMap<>())));
            }
            cache.restore(info, trials);
        }
        trialsByStudy.keySet().removeAll(infos.stream().map(StudyInfo::name).toList());
        if (!trialsByStudy.isEmpty()) { // a study's record lost, or a flipped byte in the study part of a key
            LOG.error("{}: trials of no study stored in it are left out: of {}", path, trialsByStudy.keySet());
        }
    }

    /**
     * A record as {@code reading} reads it. Opened to write, a record that cannot be read fails the open (see
     * {@link #loaded}); opened read-only, it is logged and {@code instead} stands for it, so that what is left of a
     * damaged file can be read and exported.
     */
    private <T> T salvaged(String what, java.util.function.Supplier<T> reading,
                           java.util.function.Function<String, T> instead) {
        if (!readOnly) {
            return reading.get();
        }
        try {
            return reading.get();
        } catch (StorageException | IndexOutOfBoundsException | IllegalArgumentException e) {
            String why = firstLine(e);
            LOG.error("{}: {} cannot be read, its record is damaged ({}); read-only, the rest is read", path, what, why);
            return instead.apply(why);
        }
    }

    /** The first line of a failure's message (a parser's goes on with an excerpt of the input), or its kind. */
    private static String firstLine(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().split("\\n", 2)[0];
    }

    /** What a read-only open shows for a trial whose record cannot be read: a failed trial that says so. */
    private static FrozenTrial damagedTrial(int number, String why) {
        return new FrozenTrial(number, TrialState.FAIL, null, null, null, null, null, null, null, null, null,
                "damaged: its record in the data file cannot be read (" + why + ")");
    }

    private static FrozenTrial withCurves(FrozenTrial header, NavigableMap<Integer, StepRecord> steps) {
        TreeMap<Integer, Double> values = new TreeMap<>();
        Map<String, NavigableMap<Integer, Double>> metrics = new LinkedHashMap<>();
        steps.forEach((step, rec) -> {
            if (rec.value() != null) {
                values.put(step, rec.value());
            }
            if (rec.metrics() != null) {
                rec.metrics().forEach((name, v) -> metrics.computeIfAbsent(name, k -> new TreeMap<>()).put(step, v));
            }
        });
        return new FrozenTrial(header.number(), header.state(), header.params(), header.distributions(), header.value(),
                values, metrics, header.userAttrs(), header.systemAttrs(), header.start(), header.end(), header.reason());
    }

    /**
     * Ends the trials a dead process left running as interrupted, at {@code lastWritten} (null: now): the next open
     * may come days later, and a trial's duration should not run until then.
     */
    private synchronized void recoverInterrupted(Instant lastWritten) {
        Map<String, List<Integer>> running = new LinkedHashMap<>();
        for (StudyInfo info : cache.studies()) {
            for (FrozenTrial t : cache.trials(info.name(), Set.of(TrialState.RUNNING))) {
                running.computeIfAbsent(info.name(), k -> new ArrayList<>()).add(t.number());
            }
        }
        int recovered = running.values().stream().mapToInt(List::size).sum();
        if (recovered == 0) {
            return;
        }
        if (readOnly) { // shown as an open to write would mark them, but not written
            running.forEach((study, numbers) -> numbers.forEach(n -> cache.finishInterrupted(study, n, lastWritten)));
            return;
        }
        try {
            durably(() -> {
                running.forEach((study, numbers) -> numbers.forEach(n -> writeTrial(study,
                        cache.finishInterrupted(study, n, lastWritten))));
                return null;
            }, () -> running.forEach((study, numbers) -> numbers.forEach(n -> cache.unfinish(study, n))));
            LOG.warn("{}: marked {} trial(s) left running by a stopped process as FAIL ({})", path, recovered,
                    FrozenTrial.REASON_INTERRUPTED);
        } catch (StorageException e) {
            // A full disk: the file can still be read, and the next open marks them.
            LOG.warn("{}: {} trial(s) left running by a stopped process stay RUNNING: {}", path, recovered,
                    e.getMessage());
        }
    }

    private <T> T read(ObjectReader reader, byte[] bytes) {
        try {
            return reader.readValue(bytes);
        } catch (IOException e) {
            throw new StorageException("a record is not what Tuna wrote: " + firstLine(e), e);
        }
    }

    private byte[] write(ObjectWriter writer, Object value) {
        try {
            return writer.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new StorageException("cannot encode " + value + ": " + e.getMessage(), e);
        }
    }

    private static String trialKey(String study, int number) {
        return study + SEP + String.format("%010d", number);
    }

    private static String stepKey(String study, int number, int step) {
        return trialKey(study, number) + SEP + String.format("%010d", step);
    }

    private void writeTrial(String study, FrozenTrial trial) {
        db.put(TRIALS, trialKey(study, trial.number()), write(headerWriter, trial));
    }

    /** Whether changes wait for the next commit (tests: a child process tells when the periodic one has run). */
    synchronized boolean waitingForCommit() {
        return !unwritten.isEmpty() || db.dirty();
    }

    private void markUnwritten(String study, int number) {
        unwritten.computeIfAbsent(study, k -> new LinkedHashSet<>()).add(number);
    }

    /**
     * Writes the records that {@link #markUnwritten} deferred; those of trials deleted since are gone already. One that
     * cannot be written is logged and left out, so that it does not stop every later commit.
     */
    private void writeUnwritten() {
        try {
            unwritten.forEach((study, numbers) -> {
                if (cache.findStudy(study).isPresent()) {
                    for (int n : numbers) {
                        try {
                            writeTrial(study, cache.trial(study, n));
                        } catch (RuntimeException e) {
                            LOG.error("{}: trial {} of study '{}' cannot be saved: {}", path, n, study, e.getMessage());
                        }
                    }
                }
            });
        } finally {
            unwritten.clear();
        }
    }

    private void writeStudy(StudyInfo info) {
        db.put(STUDIES, info.name(), write(studyWriter, info));
    }

    /** Before every change: the storage is open, and not read-only. */
    private void checkOpen() {
        if (closed) {
            throw new StorageException(path + " is closed");
        }
        if (readOnly) {
            throw new StorageException(path + " is open read-only: it cannot be changed");
        }
    }

    private void commit() {
        trackingFailure(db::commit);
    }

    /** Runs a commit (or a probe), keeping {@link #writeFailure} up to date. */
    private void trackingFailure(Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            if (writeFailure == null || System.nanoTime() - failureLoggedAt > FAILURE_LOG_NANOS) {
                LOG.error("{}: changes cannot be saved: {}", path, e.getMessage());
                failureLoggedAt = System.nanoTime();
            }
            writeFailure = e.getMessage();
            throw e;
        }
        if (writeFailure != null) {
            LOG.warn("{}: changes are saved again", path);
            writeFailure = null;
        }
    }

    /**
     * A change that is durable when it returns, with the changes that waited for the periodic commit. If the commit
     * fails, this change is undone, in the file's maps and in the cache ({@code undo}), so that nothing stays shown
     * that a crash would lose; the changes that waited go on waiting. Readers, who do not wait for this storage's
     * lock, may see the change while its commit is being forced to disk.
     */
    private <T> T durably(java.util.function.Supplier<T> change, Runnable undo) {
        checkOpen();
        writeUnwritten(); // before the savepoint: they wait on if this change is undone
        JournaledMapDb.Savepoint before = db.savepoint();
        T result = change.get();
        try {
            commit();
        } catch (RuntimeException e) {
            db.rollback(before);
            undo.run();
            throw e;
        }
        return result;
    }

    private synchronized void flush() {
        if (closed) {
            return;
        }
        writeUnwritten();
        if (db.dirty() || writeFailure != null) {
            try {
                // After a failure, a probe tells when the disk takes writes again (what waits may fit where a
                // trial's end does not); otherwise what waits is committed.
                trackingFailure(writeFailure != null ? db::probe : db::commit);
            } catch (RuntimeException e) {
                // Logged by commit; the changes wait for the next try.
            }
        }
        long now = System.nanoTime();
        if (now - aliveAt >= ALIVE_NANOS) {
            aliveAt = now;
            try {
                // Its time says when this process was last alive, should it die: see lastWritten.
                db.markAlive();
            } catch (IOException e) {
                // A disk that takes no writes now: the last write tells instead.
            }
        }
    }

    @Override
    public Optional<String> writeFailure() {
        return Optional.ofNullable(writeFailure);
    }

    @Override
    public synchronized StudyInfo createStudy(String name, Direction direction, Map<String, Object> attrs) {
        if (name.indexOf(SEP) >= 0) {
            throw new IllegalArgumentException("a study name cannot contain the NUL character");
        }
        return durably(() -> {
            StudyInfo info = cache.createStudy(name, direction, attrs);
            writeStudy(info);
            return info;
        }, () -> cache.deleteStudy(name));
    }

    // Reads go to the thread-safe cache without waiting for a commit in progress.
    @Override
    public Optional<StudyInfo> findStudy(String name) {
        return cache.findStudy(name);
    }

    @Override
    public List<StudyInfo> studies() {
        return cache.studies();
    }

    @Override
    public synchronized void deleteStudy(String name) {
        Optional<StudyInfo> before = cache.findStudy(name);
        List<FrozenTrial> trials = before.isPresent() ? cache.trials(name) : List.of();
        durably(() -> {
            cache.deleteStudy(name);
            String from = name + SEP;
            String to = name + (char) (SEP + 1);
            db.remove(STUDIES, name);
            db.removeRange(TRIALS, from, to);
            db.removeRange(STEPS, from, to);
            return null;
        }, () -> cache.restore(before.orElseThrow(), trials));
    }

    @Override
    public synchronized void setStudyAttr(String study, String key, Object value) {
        Optional<StudyInfo> before = cache.findStudy(study);
        durably(() -> {
            cache.setStudyAttr(study, key, value);
            writeStudy(cache.findStudy(study).orElseThrow());
            return null;
        }, () -> cache.restoreInfo(before.orElseThrow()));
    }

    @Override
    public synchronized FrozenTrial enqueueTrial(String study, Map<String, Object> fixedParams) {
        FrozenTrial[] queued = new FrozenTrial[1];
        return durably(() -> {
            queued[0] = cache.enqueueTrial(study, fixedParams);
            writeTrial(study, queued[0]);
            return queued[0];
        }, () -> cache.removeLast(study, queued[0].number()));
    }

    @Override
    public synchronized FrozenTrial addTrial(String study, FrozenTrial trial) {
        FrozenTrial[] added = new FrozenTrial[1];
        return durably(() -> {
            added[0] = cache.addTrial(study, trial);
            writeTrial(study, added[0]);
            java.util.SortedSet<Integer> steps = new java.util.TreeSet<>(added[0].intermediateValues().keySet());
            added[0].metrics().values().forEach(curve -> steps.addAll(curve.keySet()));
            for (int step : steps) {
                db.put(STEPS, stepKey(study, added[0].number(), step), write(stepWriter,
                        stepRecord(step, added[0].intermediateValues(), added[0].metrics())));
            }
            return added[0];
        }, () -> cache.removeLast(study, added[0].number()));
    }

    @Override
    public synchronized FrozenTrial startTrial(String study) {
        checkOpen();
        FrozenTrial t = cache.startTrial(study);
        writeTrial(study, t);
        // Its number at once, to the operating system (no wait for the disk): a process killed before the periodic
        // commit left no trace of a trial already shown running, and gave its number to the next one.
        try {
            writeUnwritten();
            trackingFailure(db::commitUnforced);
        } catch (RuntimeException e) {
            // Logged; it waits for the next commit with the other changes.
        }
        return t;
    }

    @Override
    public synchronized void setParam(String study, int number, String name, Distribution distribution, double internalValue) {
        checkOpen();
        cache.setParam(study, number, name, distribution, internalValue);
        markUnwritten(study, number);
    }

    @Override
    public synchronized void report(String study, int number, int step, Double value, Map<String, Double> metrics) {
        checkOpen();
        cache.report(study, number, step, value, metrics);
        // Only this step's values, read in place: a whole snapshot would copy every curve on each report. Written
        // outside the cache's lock, which readers wait for.
        StepRecord atStep = cache.read(study, number, r -> stepRecord(step, r.intermediateValues, r.metrics));
        db.put(STEPS, stepKey(study, number, step), write(stepWriter, atStep));
    }

    /** A trial's values at one step: its intermediate value and each metric's. */
    private static StepRecord stepRecord(int step, Map<Integer, Double> values,
                                         Map<String, ? extends Map<Integer, Double>> metrics) {
        Map<String, Double> atStep = new LinkedHashMap<>();
        metrics.forEach((name, curve) -> {
            Double v = curve.get(step);
            if (v != null) {
                atStep.put(name, v);
            }
        });
        return new StepRecord(values.get(step), atStep);
    }

    @Override
    public synchronized void setUserAttr(String study, int number, String key, Object value) {
        checkOpen();
        cache.setUserAttr(study, number, key, value);
        markUnwritten(study, number);
    }

    @Override
    public synchronized void setSystemAttr(String study, int number, String key, Object value) {
        checkOpen();
        cache.setSystemAttr(study, number, key, value);
        markUnwritten(study, number);
    }

    @Override
    public synchronized FrozenTrial finishTrial(String study, int number, TrialState state, Double value, String reason) {
        return durably(() -> {
            FrozenTrial t = cache.finishTrial(study, number, state, value, reason);
            writeTrial(study, t);
            return t;
        }, () -> cache.unfinish(study, number));
    }

    @Override
    public FrozenTrial trial(String study, int number) {
        return cache.trial(study, number);
    }

    @Override
    public List<FrozenTrial> trials(String study) {
        return cache.trials(study);
    }

    @Override
    public List<FrozenTrial> trialsFrom(String study, int from) {
        return cache.trialsFrom(study, from);
    }

    @Override
    public void close() {
        // No interrupt: a periodic commit in progress finishes before the final one below.
        flusher.shutdown();
        synchronized (this) {
            if (closed) {
                return;
            }
            writeUnwritten();
            closed = true;
            db.close();
        }
    }
}
