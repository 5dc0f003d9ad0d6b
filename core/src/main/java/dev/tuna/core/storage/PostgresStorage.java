package dev.tuna.core.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storage in a PostgreSQL database, shared by any number of processes on any number of machines.
 *
 * <p>Every call is one transaction through a HikariCP connection pool, so every process sees the others' changes at
 * once; the only thing kept is what cannot change: the finished trials read so far, from each study's first trial up
 * to its first unfinished one (as much memory as a MapDB storage, which keeps every trial). The schema is created and
 * migrated by {@link #open} ({@link PostgresSchema}).
 * A trial is one row holding its number, state, owner and its whole snapshot as JSON text (text rather than
 * {@code jsonb}, which would reorder the parameters). Trial numbers come from a counter on the study's row,
 * updated under that row's lock, so they are unique and committed in order; {@link #startTrial} claims the oldest
 * WAITING trial with {@code FOR UPDATE SKIP LOCKED}.
 *
 * <p>Running trials and dead processes: each open storage registers itself as an owner with a heartbeat that it
 * renews every third of {@code staleAfter}; a trial it starts carries its owner id. Closing a storage marks its
 * own RUNNING trials FAIL with the reason {@value FrozenTrial#REASON_INTERRUPTED} (nobody will finish them).
 * A process that dies without closing stops its heartbeat: {@link #failStaleRunningTrials()}, called on open,
 * every {@code staleAfter} on the heartbeat thread, and callable at any time, marks the RUNNING trials of owners
 * silent for longer than {@code staleAfter} as interrupted ({@value #REASON_STALE_OWNER}). So, unlike {@link MapDbStorage}, opening never touches the trials of another live process.
 */
public final class PostgresStorage implements Storage {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStorage.class);
    /** How long an owner may go without a heartbeat before its running trials count as interrupted. */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(30);

    /** The reason of a trial whose process stopped beating: one judged dead by {@link #failStaleRunningTrials()}. */
    public static final String REASON_STALE_OWNER = FrozenTrial.REASON_INTERRUPTED
            + ": its process stopped (no heartbeat within its interval)";
    private static final int POOL_SIZE = 8;
    /**
     * An owner (a row of {@code owners}) silent for longer than its own interval ({@code stale_after_ms}; the second
     * parameter for an owner registered by an older version) on a database that has run at least that long since it
     * last started (a restart silenced every heartbeat), taking every heartbeat older than the first parameter
     * (milliseconds: how long the asking storage has seen the database) for one then.
     */
    private static final String OWNER_STALE = "GREATEST(heartbeat, pg_postmaster_start_time(),"
            + " now() - make_interval(secs => ? / 1000.0))"
            + " < now() - make_interval(secs => COALESCE(stale_after_ms, ?) / 1000.0)";
    /** The first key of the studies' ask locks ({@link #exclusively}), "tusa" in ASCII: no other lock of Tuna's. */
    private static final int ASK_LOCK_NAMESPACE = 0x74757361;
    /** The most connections of the pool ({@value #POOL_SIZE}) that hold or wait for study locks at once. */
    private static final int LOCK_CONNECTIONS = 4;
    private final java.util.concurrent.Semaphore lockConnections = new java.util.concurrent.Semaphore(LOCK_CONNECTIONS);
    private final Map<String, java.util.concurrent.locks.ReentrantLock> localAskLocks =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final HikariDataSource pool;
    private final String owner = UUID.randomUUID().toString();
    private final Duration staleAfter;
    private final ObjectMapper json;
    private final ScheduledExecutorService heartbeat;
    private volatile boolean closed;
    /** Since when this storage's heartbeats get through (System.nanoTime), or -1 while they fail. */
    private volatile long beatingSince = System.nanoTime();
    /**
     * Per study name, its id and its trials from the first up to the first one not finished, as last read. A
     * finished trial never changes (every storage refuses changes to it), so these are not read again: samplers,
     * pruners and the server read a study's trials over and over, and a study of 5,000 trials of 20 steps took
     * 170-340 ms a read. A study deleted and made again (here or elsewhere) has another id, which replaces it.
     */
    private final Map<String, FinishedTrials> finished = new ConcurrentHashMap<>();

    private record FinishedTrials(long studyId, List<FrozenTrial> trials) {
    }

    private PostgresStorage(HikariDataSource pool, Duration staleAfter) {
        this.pool = pool;
        this.staleAfter = staleAfter;
        this.json = StorageJson.builder().build();
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tuna-postgres-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the database at {@code jdbcUrl} with {@link #DEFAULT_STALE_AFTER}; see {@link #open(String, String, String, Duration)}. */
    public static PostgresStorage open(String jdbcUrl, String user, String password) {
        return open(jdbcUrl, user, password, DEFAULT_STALE_AFTER);
    }

    /**
     * Opens a database ({@code jdbc:postgresql://host:port/db}), creates or migrates Tuna's tables, registers this
     * storage as an owner of running trials and fails the running trials of owners silent for {@code staleAfter}.
     *
     * @throws StorageException if the database cannot be reached or its schema is newer than this program's
     */
    public static PostgresStorage open(String jdbcUrl, String user, String password, Duration staleAfter) {
        return open(jdbcUrl, user, password, staleAfter, true);
    }

    /**
     * As {@link #open(String, String, String)}, for a program that reads studies: a schema the URL names with
     * {@code ?currentSchema=NAME} that does not exist is refused rather than created, since it holds no studies (a
     * misspelt name made an empty schema and listed none).
     *
     * @throws StorageException also if the URL's schema does not exist
     */
    public static PostgresStorage openToRead(String jdbcUrl, String user, String password) {
        return open(jdbcUrl, user, password, DEFAULT_STALE_AFTER, false);
    }

    private static PostgresStorage open(String jdbcUrl, String user, String password, Duration staleAfter,
            boolean createSchema) {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("jdbcUrl: expected jdbc:postgresql://host:port/database, got " + jdbcUrl);
        }
        if (staleAfter == null || staleAfter.isNegative() || staleAfter.isZero()) {
            throw new IllegalArgumentException("staleAfter: must be positive, got " + staleAfter);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(1);
        config.setPoolName("tuna-postgres");
        config.setConnectionTimeout(10_000);
        // One attempt: a wrong URL, user or database should fail at once with its own message.
        config.setInitializationFailTimeout(1);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StorageException("cannot connect to " + jdbcUrl + ": " + connectProblem(e), e);
        }
        PostgresStorage storage = new PostgresStorage(pool, staleAfter);
        try {
            storage.tx(c -> {
                PostgresSchema.migrate(c, createSchema);
                return null;
            });
            storage.tx(c -> {
                storage.register(c);
                return null;
            });
            storage.failStaleRunningTrials();
        } catch (RuntimeException e) {
            pool.close();
            if (String.valueOf(e.getMessage()).contains("already exists")) {
                // Optuna's RDB storage, for one, has tables named studies and trials too.
                throw new StorageException("cannot open " + jdbcUrl + ": " + oneLine(e) + " (another program's table of"
                        + " that name? keep Tuna's tables apart with ?currentSchema=NAME at the end of the URL)", e);
            }
            throw e instanceof StorageException se ? se : new StorageException("cannot open " + jdbcUrl + ": " + oneLine(e), e);
        }
        long beat = Math.max(1, staleAfter.toMillis() / 3);
        storage.heartbeat.scheduleWithFixedDelay(storage::beat, beat, beat, TimeUnit.MILLISECONDS);
        // A process that dies leaves its running trials to the others: end them even if nobody opens again.
        long sweep = staleAfter.toMillis();
        storage.heartbeat.scheduleWithFixedDelay(storage::sweepStale, sweep, sweep, TimeUnit.MILLISECONDS);
        return storage;
    }

    /**
     * Why a connection failed, in one line: the pool's message ("The connection attempt failed.") with its root
     * cause (an unknown host, a refused port), and where a missing password goes.
     */
    static String connectProblem(Throwable e) {
        String said = oneLine(e);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !said.contains(oneLine(root))) {
            said += " (" + root.getClass().getSimpleName() + ": " + oneLine(root) + ")";
        }
        if (said.contains("no password was provided")) {
            said += "; give the password in TUNA_DB_PASSWORD or PGPASSWORD";
        }
        return said;
    }

    private static String oneLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    // ------------------------------------------------------------------------------------------ owners

    void beat() {
        try {
            tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE owners SET heartbeat = now() WHERE owner = ?")) {
                    ps.setString(1, owner);
                    if (ps.executeUpdate() == 0) {
                        // Another process judged us dead and failed our trials; register again for new ones.
                        LOG.warn("this storage's heartbeat row was gone (declared stale); registering again");
                        register(c);
                    }
                }
                return null;
            });
            if (beatingSince < 0) {
                beatingSince = System.nanoTime();
            }
        } catch (RuntimeException e) {
            beatFailed();
            LOG.warn("heartbeat failed: {}", oneLine(e));
        }
    }

    /** How long this storage's heartbeats have got through; empty while they fail. */
    private Optional<Duration> seen() {
        long since = beatingSince;
        return since < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(System.nanoTime() - since));
    }

    /** Notes that a heartbeat did not get through (the database away). */
    void beatFailed() {
        beatingSince = -1;
    }

    /** Registers this storage as an owner, with how long it may go without a heartbeat before it counts as dead. */
    private void register(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO owners(owner, heartbeat, stale_after_ms) VALUES (?, now(), ?)")) {
            ps.setString(1, owner);
            ps.setLong(2, staleAfter.toMillis());
            ps.executeUpdate();
        }
    }

    /**
     * The periodic sweep: {@link #failStaleRunningTrials()}, judging each owner only once this storage's heartbeats have
     * got through for longer than that owner's interval. After the database was away (a restart, a failover), every
     * owner's heartbeat is old: judged at once, live processes looked dead, and their running trials were failed under
     * them (their results then refused). They get their own interval to beat again first. Returns whether it swept.
     */
    boolean sweepStale() {
        Optional<Duration> seen = seen();
        if (seen.isEmpty()) {
            return false;
        }
        try {
            failStaleRunningTrials(seen.get());
            return true;
        } catch (RuntimeException e) {
            LOG.warn("failing the trials of stopped processes failed: {}", oneLine(e));
            return false;
        }
    }

    /**
     * Marks FAIL ({@value #REASON_STALE_OWNER}) every RUNNING trial whose owner has not renewed its
     * heartbeat for longer than the owner's own {@code staleAfter} (by the database's clock; this storage's for an
     * owner registered by an older version), or is no longer registered. Each owner is judged by the interval it
     * beats at, so storages opened with different {@code staleAfter} never fail each other's live trials; and not
     * before the database has run that long since it last started (a restart silenced every heartbeat, and a process
     * opening a storage right after one failed the running trials of live ones).
     *
     * @return how many trials it failed
     */
    public int failStaleRunningTrials() {
        return failStaleRunningTrials(Duration.ofDays(36_500));
    }

    /**
     * As {@link #failStaleRunningTrials()}, taking every heartbeat older than {@code seen} ago for one then: an owner
     * is judged dead only once this storage has seen the database for longer than that owner's own interval.
     */
    private int failStaleRunningTrials(Duration seen) {
        int failed = tx(c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM owners WHERE " + OWNER_STALE)) {
                del.setLong(1, seen.toMillis());
                del.setLong(2, staleAfter.toMillis());
                del.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT t.study_id, t.doc FROM trials t WHERE t.state = 'RUNNING'"
                            + " AND NOT EXISTS (SELECT 1 FROM owners o WHERE o.owner = t.owner) FOR UPDATE SKIP LOCKED")) {
                return interruptAll(c, ps, REASON_STALE_OWNER);
            }
        });
        if (failed > 0) {
            LOG.warn("marked {} trial(s) left running by a stopped process as FAIL ({})", failed, REASON_STALE_OWNER);
        }
        return failed;
    }

    /**
     * Whether a trial is RUNNING and its owner alive: registered, and not silent for long enough that
     * {@link #sweepStale} would judge it dead now (this storage's own heartbeats getting through for less than the
     * owner's interval, the owner is given that interval: see there).
     */
    @Override
    public boolean runningInLiveProcess(String study, int number) {
        long seenMillis = seen().orElse(Duration.ZERO).toMillis(); // none while beats fail: every owner lives
        return tx(c -> {
            long id = studyId(c, study, false);
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM trials t JOIN owners o ON o.owner = t.owner"
                    + " WHERE t.study_id = ? AND t.number = ? AND t.state = 'RUNNING' AND NOT " + OWNER_STALE)) {
                ps.setLong(1, id);
                ps.setInt(2, number);
                ps.setLong(3, seenMillis);
                ps.setLong(4, staleAfter.toMillis());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /**
     * Marks FAIL with {@code reason} (an interruption) the RUNNING trials that {@code select} returns, as
     * {@code (study_id, doc)} rows it locks; returns how many.
     */
    private int interruptAll(Connection c, PreparedStatement select, String reason) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                // The study's name only shows in error messages; these rows are RUNNING, so none comes.
                rows.add(new Row(rs.getLong(1), recordOf("?", rs.getString(2))));
            }
        }
        for (Row row : rows) {
            row.record().finish(TrialState.FAIL, null, reason);
            save(c, row.studyId(), row.record());
        }
        return rows.size();
    }

    // ------------------------------------------------------------------------------------------ studies

    @Override
    public StudyInfo createStudy(String name, Direction direction, Map<String, Object> attrs) {
        checkName(name);
        StudyInfo info = new StudyInfo(name, direction, Instant.now(), Map.of()).withAttrs(attrs);
        return tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO studies(name, info) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
                ps.setString(1, name);
                ps.setString(2, write(info));
                if (ps.executeUpdate() == 0) {
                    throw new StudyExistsException(name);
                }
            }
            return info;
        });
    }

    private static void checkName(String name) {
        if (name == null || name.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("a study name cannot be null or contain the NUL character");
        }
    }

    @Override
    public Optional<StudyInfo> findStudy(String name) {
        if (name == null || name.indexOf('\u0000') >= 0) {
            return Optional.empty();
        }
        return tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT info FROM studies WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(readInfo(rs.getString(1))) : Optional.<StudyInfo>empty();
                }
            }
        });
    }

    @Override
    public List<StudyInfo> studies() {
        return tx(c -> {
            List<StudyInfo> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT info FROM studies ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(readInfo(rs.getString(1)));
                }
            }
            return List.copyOf(out);
        });
    }

    @Override
    public void deleteStudy(String name) {
        tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM studies WHERE name = ?")) {
                ps.setString(1, name);
                if (ps.executeUpdate() == 0) {
                    throw new StudyNotFoundException(name);
                }
            }
            finished.remove(name);
            return null;
        });
    }

    @Override
    public void setStudyAttr(String study, String key, Object value) {
        tx(c -> {
            long id;
            StudyInfo info;
            try (PreparedStatement ps = c.prepareStatement("SELECT id, info FROM studies WHERE name = ? FOR UPDATE")) {
                ps.setString(1, study);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new StudyNotFoundException(study);
                    }
                    id = rs.getLong(1);
                    info = readInfo(rs.getString(2));
                }
            }
            StudyInfo updated = info.withAttr(key, value);
            try (PreparedStatement ps = c.prepareStatement("UPDATE studies SET info = ? WHERE id = ?")) {
                ps.setString(1, write(updated));
                ps.setLong(2, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private StudyInfo readInfo(String text) {
        // Values read back are mutable: copy them like values handed in.
        return read(text, StudyInfo.class).withImmutableAttrs();
    }

    /** The study's id, optionally locking its row (which serialises the allocation of trial numbers). */
    private static long studyId(Connection c, String study, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM studies WHERE name = ?" + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, study);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StudyNotFoundException(study);
                }
                return rs.getLong(1);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ trials

    /** Allocates the study's next trial number; the caller holds the study's row lock. */
    private static int nextNumber(Connection c, long studyId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE studies SET next_number = next_number + 1 WHERE id = ? RETURNING next_number - 1")) {
            ps.setLong(1, studyId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public FrozenTrial enqueueTrial(String study, Map<String, Object> fixedParams) {
        Map<String, Object> fixed = ImmutableValues.copyOfMap(fixedParams);
        return tx(c -> {
            long id = studyId(c, study, true);
            TrialRecord r = new TrialRecord(study, nextNumber(c, id), TrialState.WAITING);
            r.systemAttrs.put(FrozenTrial.ATTR_FIXED_PARAMS, fixed);
            insert(c, id, r);
            return r.snapshot();
        });
    }

    @Override
    public FrozenTrial addTrial(String study, FrozenTrial trial) {
        return tx(c -> {
            long id = studyId(c, study, true);
            TrialRecord r = TrialRecord.added(study, nextNumber(c, id), trial);
            insert(c, id, r);
            return r.snapshot();
        });
    }

    @Override
    public FrozenTrial startTrial(String study) {
        return tx(c -> {
            long id = studyId(c, study, false);
            TrialRecord r = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT doc FROM trials WHERE study_id = ? AND state = 'WAITING' ORDER BY number LIMIT 1"
                            + " FOR UPDATE SKIP LOCKED")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        r = recordOf(study, rs.getString(1));
                    }
                }
            }
            if (r != null) {
                r.start();
                save(c, id, r);
            } else {
                // Lock the study's row: it holds the number counter (and the study may have been re-created).
                id = studyId(c, study, true);
                r = new TrialRecord(study, nextNumber(c, id), TrialState.RUNNING);
                r.start();
                insert(c, id, r);
            }
            return r.snapshot();
        });
    }

    @Override
    public void setParam(String study, int number, String name, Distribution distribution, double internalValue) {
        mutate(study, number, r -> r.setParam(name, distribution, internalValue));
    }

    @Override
    public void report(String study, int number, int step, Double value, Map<String, Double> metrics) {
        Map<String, Double> copy = new LinkedHashMap<>(metrics);
        mutate(study, number, r -> r.report(step, value, copy));
    }

    @Override
    public void setUserAttr(String study, int number, String key, Object value) {
        mutate(study, number, r -> r.setUserAttr(key, value));
    }

    @Override
    public void setSystemAttr(String study, int number, String key, Object value) {
        mutate(study, number, r -> r.setSystemAttr(key, value));
    }

    /** Sets them in one transaction (one row lock, one read and one write of the trial's document). */
    @Override
    public void setSystemAttrs(String study, int number, Map<String, ?> attrs) {
        mutate(study, number, r -> attrs.forEach(r::setSystemAttr));
    }

    @Override
    public FrozenTrial finishTrial(String study, int number, TrialState state, Double value, String reason) {
        TrialRecord.checkFinish(state, value);
        return mutate(study, number, r -> r.finish(state, value, reason));
    }

    /** Loads a trial under its row lock, applies {@code change} (which checks that it may change) and writes it back. */
    private FrozenTrial mutate(String study, int number, Consumer<TrialRecord> change) {
        return tx(c -> {
            Row row = load(c, study, number, true);
            change.accept(row.record());
            save(c, row.studyId(), row.record());
            return row.record().snapshot();
        });
    }

    /** A trial's row: its study's id and its state. */
    private record Row(long studyId, TrialRecord record) {
    }

    /**
     * Reads a trial and its study's id in one query, optionally locking the trial's row.
     *
     * @throws StudyNotFoundException if there is no such study
     * @throws TrialNotFoundException if the study has no such trial
     */
    private Row load(Connection c, String study, int number, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT t.study_id, t.doc FROM trials t JOIN studies s ON s.id = t.study_id"
                        + " WHERE s.name = ? AND t.number = ?" + (lock ? " FOR UPDATE OF t" : ""))) {
            ps.setString(1, study);
            ps.setInt(2, number);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return new Row(rs.getLong(1), recordOf(study, rs.getString(2)));
                }
            }
        }
        studyId(c, study, false); // tells a missing study from a missing trial
        throw new TrialNotFoundException(study, number);
    }

    /** Writes a trial's changes to its row. */
    private void save(Connection c, long studyId, TrialRecord r) throws SQLException {
        writeRow(c, "UPDATE trials SET state = ?, owner = ?, doc = ? WHERE study_id = ? AND number = ?", studyId, r);
    }

    /** Writes a new trial's row. */
    private void insert(Connection c, long studyId, TrialRecord r) throws SQLException {
        writeRow(c, "INSERT INTO trials(state, owner, doc, study_id, number) VALUES (?, ?, ?, ?, ?)", studyId, r);
    }

    /** Runs {@code sql}, which binds a trial's state, owner, document, study id and number in that order. */
    private void writeRow(Connection c, String sql, long studyId, TrialRecord r) throws SQLException {
        FrozenTrial t = r.snapshot();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, t.state().name());
            ps.setString(2, t.state() == TrialState.RUNNING ? owner : null);
            ps.setString(3, write(t));
            ps.setLong(4, studyId);
            ps.setInt(5, t.number());
            ps.executeUpdate();
        }
    }

    @Override
    public FrozenTrial trial(String study, int number) {
        return tx(c -> load(c, study, number, false).record().snapshot());
    }

    @Override
    public List<FrozenTrial> trials(String study) {
        return trialsFrom(study, 0);
    }

    @Override
    public List<FrozenTrial> trials(String study, Set<TrialState> states) {
        if (states.stream().noneMatch(TrialState::isFinished)) {
            // Running or waiting ones only (what the dispatcher asks): the database picks them (index trials_state).
            return tx(c -> select(c, study, studyId(c, study, false), states, 0));
        }
        return trialsFrom(study, 0).stream().filter(t -> states.contains(t.state())).toList();
    }

    @Override
    public List<FrozenTrial> trialsFrom(String study, int from) {
        if (from < 0) {
            throw new IllegalArgumentException("from must be at least 0, got " + from);
        }
        return tx(c -> {
            long id;
            try {
                id = studyId(c, study, false);
            } catch (StudyNotFoundException e) {
                finished.remove(study); // deleted elsewhere: what was kept of it goes
                throw e;
            }
            FinishedTrials known = finished.get(study);
            List<FrozenTrial> kept = known != null && known.studyId() == id ? known.trials() : List.of();
            List<FrozenTrial> rest = select(c, study, id, null, Math.max(from, kept.size()));
            if (from > kept.size()) {
                return rest;
            }
            // The finished trials that now follow the kept ones are kept too.
            int newlyFinished = 0;
            while (newlyFinished < rest.size() && rest.get(newlyFinished).isFinished()) {
                newlyFinished++;
            }
            if (newlyFinished > 0) {
                List<FrozenTrial> longer = new ArrayList<>(kept.size() + newlyFinished);
                longer.addAll(kept);
                longer.addAll(rest.subList(0, newlyFinished));
                // Another reader may have kept more meanwhile: the longer list stays.
                finished.merge(study, new FinishedTrials(id, Collections.unmodifiableList(longer)),
                        (was, now) -> was.studyId() == now.studyId() && was.trials().size() >= now.trials().size() ? was : now);
            }
            List<FrozenTrial> out = new ArrayList<>(kept.size() - from + rest.size());
            out.addAll(kept.subList(from, kept.size()));
            out.addAll(rest);
            return Collections.unmodifiableList(out);
        });
    }

    /** The trials in {@code states} (null: all) numbered {@code from} and up, in the order of their numbers. */
    private List<FrozenTrial> select(Connection c, String study, long id, Set<TrialState> states, int from)
            throws SQLException {
        List<FrozenTrial> out = new ArrayList<>();
        // The database picks the states and numbers (indexes trials_state and the primary key): other trials'
        // documents never travel.
        try (PreparedStatement ps = c.prepareStatement("SELECT doc FROM trials WHERE study_id = ? AND number >= ?"
                + (states == null ? "" : " AND state = ANY(?)") + " ORDER BY number")) {
            ps.setLong(1, id);
            ps.setInt(2, from);
            if (states != null) {
                ps.setArray(3, c.createArrayOf("text", states.stream().map(TrialState::name).toArray()));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(recordOf(study, rs.getString(1)).snapshot());
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Stops the heartbeat, marks this storage's own RUNNING trials as interrupted (no one will finish them) and
     * closes the connection pool.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.shutdownNow();
        try {
            tx(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT study_id, doc FROM trials WHERE state = 'RUNNING' AND owner = ? FOR UPDATE")) {
                    ps.setString(1, owner);
                    interruptAll(c, ps, FrozenTrial.REASON_INTERRUPTED);
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM owners WHERE owner = ?")) {
                    ps.setString(1, owner);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("closing: could not mark this storage's running trials as interrupted: {}", oneLine(e));
        } finally {
            pool.close();
        }
    }

    // ------------------------------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Holds a transaction-level advisory lock of the study (keys: "tusa" in ASCII and the name's hash; a collision
     * only serialises two studies' asks) on a connection of its own while {@code action} runs on others; the lock
     * ends with that transaction, so a process that dies holding it frees it. In this process, callers of one study
     * queue on a lock of the JVM first, and at most {@link #LOCK_CONNECTIONS} connections hold or wait for study
     * locks, so the pool always has connections left for the actions themselves; a nested call for the same study
     * runs at once (it already holds the lock).
     */
    @Override
    public <T> T exclusively(String study, java.util.function.Supplier<T> action) {
        java.util.concurrent.locks.ReentrantLock local = localAskLocks.computeIfAbsent(study,
                name -> new java.util.concurrent.locks.ReentrantLock());
        if (local.isHeldByCurrentThread()) {
            return action.get();
        }
        local.lock();
        try {
            lockConnections.acquireUninterruptibly();
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                    ps.setInt(1, ASK_LOCK_NAMESPACE);
                    ps.setInt(2, study.hashCode());
                    ps.execute();
                } catch (SQLException e) {
                    throw databaseError("cannot take the ask lock of study '" + study + "': " + oneLine(e), e);
                }
                try {
                    return action.get();
                } finally {
                    try {
                        c.rollback(); // nothing was written here: ending the transaction frees the lock
                    } catch (SQLException e) {
                        // The action's own outcome stands; closing the connection frees the lock anyway.
                        LOG.warn("could not release the ask lock of study '{}' at once: {}", study, oneLine(e));
                    }
                }
            } catch (SQLException e) {
                throw databaseError("no connection for the ask lock of study '" + study + "': " + oneLine(e), e);
            } finally {
                lockConnections.release();
            }
        } finally {
            local.unlock();
        }
    }

    /**
     * A database error as a {@link StorageException}: a {@link StorageUnavailableException} where the database could not
     * be reached, dropped the connection, ran out of resources or turned read-only in a failover (SQL states 08, 57P, 53
     * and 25006, the pool's timeout), which a later try may get past.
     */
    static StorageException databaseError(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean outage = e instanceof java.sql.SQLTransientConnectionException || e instanceof java.sql.SQLRecoverableException
                || e instanceof java.sql.SQLNonTransientConnectionException || state.startsWith("08") || state.startsWith("57P")
                || state.startsWith("53") || state.equals("25006");
        return outage ? new StorageUnavailableException("database error: " + what, e)
                : new StorageException("database error: " + what, e);
    }

    /** Runs {@code work} in one transaction, retrying on a serialisation failure or deadlock. */
    private <T> T tx(SqlWork<T> work) {
        // A caller cancelled by a timeout may arrive interrupted: finish the call, then give the flag back.
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(false);
                    try {
                        T result = work.run(c);
                        c.commit();
                        return result;
                    } catch (SQLException | RuntimeException e) {
                        c.rollback();
                        throw e;
                    }
                } catch (SQLException e) {
                    String state = e.getSQLState();
                    if (attempt < 5 && ("40001".equals(state) || "40P01".equals(state))) {
                        continue;
                    }
                    throw databaseError(oneLine(e), e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StorageException("cannot encode " + value + ": " + e.getMessage(), e);
        }
    }

    /** A trial read from its row's document. */
    private TrialRecord recordOf(String study, String doc) {
        return TrialRecord.of(study, read(doc, FrozenTrial.class));
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new StorageException("corrupt record in the database: " + e.getMessage(), e);
        }
    }
}
