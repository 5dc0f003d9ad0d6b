package dev.tuna.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the durable storage contract against {@link PostgresStorage} on a real PostgreSQL server (one per class,
 * a fresh database per test), and checks what only a shared database can do: several storages at once, stale
 * owners, schema versions.
 */
class PostgresStorageTest extends DurableStorageContractTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private String url;

    @BeforeAll
    static void startServer() throws IOException {
        server = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Storage newStorage() {
        String db = "tuna_" + DATABASES.incrementAndGet();
        sql(server.getJdbcUrl("postgres", "postgres"), "CREATE DATABASE " + db);
        url = server.getJdbcUrl("postgres", db);
        return PostgresStorage.open(url, "postgres", null);
    }

    @Override
    protected Storage reopen(Storage closed) {
        return PostgresStorage.open(url, "postgres", null);
    }

    private static void sql(String jdbcUrl, String statement) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    /** Sets the heartbeat of the owner of trial {@code number} to the SQL expression {@code heartbeat}. */
    private void setHeartbeatOfOwnerOf(int number, String heartbeat) {
        sql(url, "UPDATE owners SET heartbeat = " + heartbeat
                + " WHERE owner IN (SELECT owner FROM trials WHERE number = " + number + ")");
    }

    private static int queryInt(String jdbcUrl, String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(query)) {
            assertThat(rs.next()).isTrue();
            return rs.getInt(1);
        }
    }

    @Test
    void asksOfOneStudyGoOneAtATimeAcrossProcesses() throws Exception {
        // Two storages on one database, as two processes: the second's action starts only once the first's ended.
        try (PostgresStorage other = PostgresStorage.open(url, "postgres", null)) {
            List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
            Thread first = new Thread(() -> storage.exclusively("grid", () -> {
                events.add("first in");
                inside.countDown();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                events.add("first out");
                return null;
            }));
            first.start();
            inside.await();
            other.exclusively("another study", () -> events.add("unrelated")); // not held up by the first
            other.exclusively("grid", () -> events.add("second in"));
            first.join();
            assertThat(events).containsExactly("first in", "unrelated", "first out", "second in");
        }
    }

    @Test
    void theSchemaIsVersionedAndOpeningAgainDoesNotMigrateTwice() throws SQLException {
        assertThat(queryInt(url, "SELECT max(version) FROM schema_version")).isEqualTo(PostgresSchema.latest());
        try (PostgresStorage second = PostgresStorage.open(url, "postgres", null)) {
            assertThat(second.studies()).isEmpty();
        }
        assertThat(queryInt(url, "SELECT count(*) FROM schema_version")).isEqualTo(PostgresSchema.latest());
    }

    @Test
    void aSchemaNewerThanTheProgramIsRefusedInOneLine() {
        sql(url, "INSERT INTO schema_version(version) VALUES (" + (PostgresSchema.latest() + 1) + ")");
        assertThatThrownBy(() -> PostgresStorage.open(url, "postgres", null))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("newer than this program's")
                .extracting(Throwable::getMessage).asString().doesNotContain("\n");
    }

    @Test
    void aSchemaTheUrlNamesIsCreatedWhenThereIsNone() throws SQLException {
        newStorage().close();
        String inSchema = url + (url.contains("?") ? "&" : "?") + "currentSchema=Tuna_Space";
        try (Storage storage = PostgresStorage.open(inSchema, "postgres", null)) {
            storage.createStudy("kept", Direction.MINIMIZE);
        }
        try (Storage again = PostgresStorage.open(inSchema, "postgres", null)) {
            assertThat(again.findStudy("kept")).isPresent();
        }
        try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT table_schema FROM information_schema.tables"
                     + " WHERE table_name = 'studies' ORDER BY table_schema")) {
            List<String> schemas = new ArrayList<>();
            while (rs.next()) {
                schemas.add(rs.getString(1));
            }
            assertThat(schemas).containsExactly("public", "tuna_space"); // the URL's name, folded as PostgreSQL does
        }
        // Named before a schema that exists: its own, not the next one's.
        try (Storage storage = PostgresStorage.open(url + (url.contains("?") ? "&" : "?") + "currentSchema=later,public",
                "postgres", null)) {
            storage.createStudy("in-later", Direction.MINIMIZE);
        }
        try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM later.studies WHERE name = 'in-later'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
        // Opened to read, a schema that does not exist is refused, not made (a misspelt one listed no studies).
        String misspelt = url + (url.contains("?") ? "&" : "?") + "currentSchema=Tuna_Spaec";
        assertThatThrownBy(() -> PostgresStorage.openToRead(misspelt, "postgres", null))
                .isInstanceOf(StorageException.class).hasMessage("the schema 'tuna_spaec'"
                        + " (the URL's currentSchema) does not exist, so it holds no studies; a server or program that"
                        + " writes studies there creates it");
        try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname = 'tuna_spaec'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
        try (Storage read = PostgresStorage.openToRead(inSchema, "postgres", null)) {
            assertThat(read.findStudy("kept")).isPresent();
        }
        assertThat(PostgresSchema.firstSchema("\"My \"\"S\"\"\", public")).isEqualTo("My \"S\"");
        assertThat(PostgresSchema.firstSchema(" Tuna , public")).isEqualTo("tuna");
    }

    @Test
    void anUnreachableDatabaseGivesAOneLineError() {
        String missing = server.getJdbcUrl("postgres", "no_such_database");
        assertThatThrownBy(() -> PostgresStorage.open(missing, "postgres", null))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("no_such_database")
                .extracting(Throwable::getMessage).asString().doesNotContain("\n");
        assertThatThrownBy(() -> PostgresStorage.open("jdbc:mysql://x/y", "u", "p"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbcUrl");
        // The pool says only "The connection attempt failed."; the cause names the host.
        assertThatThrownBy(() -> PostgresStorage.open("jdbc:postgresql://no-such-host.invalid:5432/x", "u", "p"))
                .isInstanceOf(StorageException.class).hasMessageContaining("UnknownHostException")
                .hasMessageContaining("no-such-host.invalid")
                .extracting(Throwable::getMessage).asString().doesNotContain("\n");
        // A password the server wants but was not given: where it goes.
        assertThat(PostgresStorage.connectProblem(new RuntimeException("Failed to initialize pool: The server requested"
                + " SCRAM-based authentication, but no password was provided.")))
                .endsWith("; give the password in TUNA_DB_PASSWORD or PGPASSWORD");
    }

    @Test
    void twoStoragesOnOneDatabaseSeeEachOthersTrialsAndLeaveLiveTrialsAlone() {
        study("s");
        int mine = storage.startTrial("s").number();
        try (PostgresStorage other = PostgresStorage.open(url, "postgres", null)) {
            // Opening a second storage does not touch the first one's running trial.
            assertThat(other.trial("s", mine).state()).isEqualTo(TrialState.RUNNING);
            assertThat(other.failStaleRunningTrials()).isZero();
            int theirs = other.startTrial("s").number();
            assertThat(theirs).isEqualTo(mine + 1);
            other.finishTrial("s", theirs, TrialState.COMPLETE, 2.0, null);
            storage.finishTrial("s", mine, TrialState.COMPLETE, 1.0, null);
            assertThat(other.trials("s")).extracting(FrozenTrial::value).containsExactly(1.0, 2.0);
        }
        assertThat(storage.trials("s")).extracting(FrozenTrial::state).containsOnly(TrialState.COMPLETE);
    }

    @Test
    void finishedTrialsKeptFromAnEarlierReadGoWithTheirStudy() {
        // This storage keeps the finished trials it has read (they never change): what another process does after
        // is still seen, and a study deleted and made again elsewhere is read as the new one.
        study("s");
        storage.finishTrial("s", storage.startTrial("s").number(), TrialState.COMPLETE, 1.0, null);
        int running = storage.startTrial("s").number();
        assertThat(storage.trials("s")).extracting(FrozenTrial::state).containsExactly(TrialState.COMPLETE, TrialState.RUNNING);
        try (PostgresStorage other = PostgresStorage.open(url, "postgres", null)) {
            other.report("s", running, 1, 0.5, Map.of());
            other.finishTrial("s", running, TrialState.PRUNED, 0.5, "below the median");
            other.finishTrial("s", other.startTrial("s").number(), TrialState.COMPLETE, 3.0, null);
            assertThat(storage.trials("s")).extracting(FrozenTrial::value).containsExactly(1.0, 0.5, 3.0);
            assertThat(storage.trials("s", Set.of(TrialState.PRUNED))).extracting(FrozenTrial::number).containsExactly(running);
            assertThat(storage.trialsFrom("s", 1)).isEqualTo(other.trials("s").subList(1, 3));

            other.deleteStudy("s");
            other.createStudy("s", Direction.MINIMIZE);
            other.finishTrial("s", other.startTrial("s").number(), TrialState.FAIL, null, "boom");
            assertThat(storage.trials("s")).extracting(FrozenTrial::state).containsExactly(TrialState.FAIL);
            assertThat(storage.trialsFrom("s", 1)).isEmpty();
        }
    }

    @Test
    void theRunningTrialsOfAnOwnerWhoseHeartbeatStoppedAreInterrupted() {
        study("s");
        try (PostgresStorage dead = PostgresStorage.open(url, "postgres", null, Duration.ofSeconds(1))) {
            int lost = dead.startTrial("s").number();
            dead.report("s", lost, 1, 0.5, Map.of());
            int alive = storage.startTrial("s").number();
            // The other process died: its heartbeat is old (as the database's clock sees it), and it beats no more.
            sql(url, "UPDATE owners SET heartbeat = now() - interval '2 hours', owner = 'died' WHERE stale_after_ms = 1000");
            sql(url, "UPDATE trials SET owner = 'died' WHERE number = " + lost);
            setHeartbeatOfOwnerOf(alive, "now()");

            assertThat(((PostgresStorage) storage).failStaleRunningTrials()).isEqualTo(1);

            FrozenTrial t = storage.trial("s", lost);
            assertThat(t.wasInterrupted()).isTrue();
            assertThat(t.reason()).isEqualTo(PostgresStorage.REASON_STALE_OWNER);
            assertThat(t.intermediateValues()).isEqualTo(Map.of(1, 0.5));
            assertThat(storage.trial("s", alive).state()).isEqualTo(TrialState.RUNNING);
            assertThatThrownBy(() -> dead.report("s", lost, 2, 0.4, Map.of())).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    @Timeout(60)
    void anOpenStorageEndsTheRunningTrialsOfADeadOwnerWithoutBeingAsked() throws InterruptedException {
        study("s");
        try (PostgresStorage watcher = PostgresStorage.open(url, "postgres", null, Duration.ofMillis(500))) {
            // Another process, beating every second, died: its heartbeat is old, and nobody calls
            // failStaleRunningTrials or opens again.
            int lost = storage.startTrial("s").number();
            sql(url, "INSERT INTO owners(owner, heartbeat, stale_after_ms) VALUES ('died', now() - interval '2 hours', 1000)");
            sql(url, "UPDATE trials SET owner = 'died' WHERE number = " + lost);
            while (watcher.trial("s", lost).state() == TrialState.RUNNING) {
                Thread.sleep(50);
            }
            assertThat(watcher.trial("s", lost).wasInterrupted()).isTrue();
        }
    }

    @Test
    @Timeout(60)
    void afterItsHeartbeatsFailedAStorageGivesEachOtherOwnerItsOwnIntervalToBeatAgainBeforeJudgingItDead()
            throws InterruptedException {
        study("s");
        try (PostgresStorage watcher = PostgresStorage.open(url, "postgres", null, Duration.ofMillis(500))) {
            // Another process, beating every 2 s: its last heartbeat got through long ago, the database being away.
            int running = storage.startTrial("s").number();
            sql(url, "INSERT INTO owners(owner, heartbeat, stale_after_ms) VALUES ('away', now() - interval '2 hours', 2000)");
            sql(url, "UPDATE trials SET owner = 'away' WHERE number = " + running);
            watcher.beatFailed();
            watcher.beat(); // back

            // Four times the watcher's own interval would have judged it: not the 2 s it beats in.
            assertThat(watcher.sweepStale()).isTrue();
            assertThat(watcher.trial("s", running).state()).isEqualTo(TrialState.RUNNING);

            // Still silent 2 s after: dead.
            Thread.sleep(2_100);
            watcher.sweepStale(); // (unless its periodic sweep got there first)
            assertThat(watcher.trial("s", running).wasInterrupted()).isTrue();
        }
    }

    @Test
    void anOwnerSilentSinceBeforeTheDatabaseStartedIsNotJudgedBeforeTheDatabaseRanItsInterval() {
        // A restart silenced every heartbeat: a process opening a storage right after one (a worker restarted, a
        // `tuna studies --db`) failed the running trials of processes that had not beaten again yet.
        study("s");
        int running = storage.startTrial("s").number();
        sql(url, "INSERT INTO owners(owner, heartbeat, stale_after_ms) VALUES ('before-restart',"
                + " pg_postmaster_start_time() - interval '2 hours', 3600000)"); // beats every 20 minutes
        sql(url, "UPDATE trials SET owner = 'before-restart' WHERE number = " + running);

        assertThat(((PostgresStorage) storage).failStaleRunningTrials()).isZero();
        assertThat(storage.trial("s", running).state()).isEqualTo(TrialState.RUNNING);
    }

    @Test
    void aTrialRunsInALiveProcessUntilItEndsOrItsOwnerWouldBeJudgedDead() throws InterruptedException, SQLException {
        study("s");
        try (PostgresStorage watcher = PostgresStorage.open(url, "postgres", null, Duration.ofMillis(500))) {
            int live = storage.startTrial("s").number();
            int dead = storage.startTrial("s").number();
            int away = storage.startTrial("s").number();
            int ended = storage.startTrial("s").number();
            storage.finishTrial("s", ended, TrialState.COMPLETE, 1.0, null);
            // The database started 3 s ago at least, so that no heartbeat counts as newer than the start (see
            // anOwnerSilentSinceBeforeTheDatabase...). 'away' is alive for now: the watcher sweeps every 500 ms, and
            // would fail its trial before the test gets to it if it were already silent.
            while (queryInt(url, "SELECT extract(epoch FROM now() - pg_postmaster_start_time())::int") < 3) {
                Thread.sleep(200);
            }
            sql(url, "INSERT INTO owners(owner, heartbeat, stale_after_ms) VALUES ('died', now() - interval '2 hours', 1),"
                    + " ('away', now(), 3600000)");
            sql(url, "UPDATE trials SET owner = 'died' WHERE number = " + dead);
            sql(url, "UPDATE trials SET owner = 'away' WHERE number = " + away);

            assertThat(watcher.runningInLiveProcess("s", live)).isTrue();
            assertThat(watcher.runningInLiveProcess("s", dead)).isFalse();
            assertThat(watcher.runningInLiveProcess("s", ended)).isFalse();
            // The watcher's heartbeats just came back after an outage: 'away' gets its second to beat again, as in the
            // sweep; silent past it, it is dead.
            watcher.beatFailed();
            watcher.beat();
            // 'away' beats every second; its last beat got through 2 s ago, after the database started.
            sql(url, "UPDATE owners SET heartbeat = now() - interval '2 seconds', stale_after_ms = 1000 WHERE owner = 'away'");
            assertThat(watcher.runningInLiveProcess("s", away)).isTrue();
            Thread.sleep(1_100);
            assertThat(watcher.runningInLiveProcess("s", away)).isFalse();
            // One that was never registered, or closed.
            sql(url, "UPDATE trials SET owner = 'closed' WHERE number = " + live);
            assertThat(watcher.runningInLiveProcess("s", live)).isFalse();
            assertThatThrownBy(() -> watcher.runningInLiveProcess("nope", 0)).isInstanceOf(StudyNotFoundException.class);
        }
    }

    @Test
    void aDatabaseOutOfReachIsUnavailableAndOtherDatabaseErrorsAreNot() {
        for (java.sql.SQLException outage : List.of(new java.sql.SQLException("Connection refused", "08001"),
                new java.sql.SQLException("An I/O error occurred while sending to the backend", "08006"),
                new java.sql.SQLException("terminating connection due to administrator command", "57P01"),
                new java.sql.SQLTransientConnectionException("Connection is not available, request timed out"))) {
            assertThat(PostgresStorage.databaseError("x", outage)).as(outage.getMessage())
                    .isInstanceOf(StorageUnavailableException.class).hasMessage("database error: x");
        }
        for (java.sql.SQLException other : List.of(new java.sql.SQLException("duplicate key value", "23505"),
                new java.sql.SQLException("permission denied for table trials", "42501"))) {
            assertThat(PostgresStorage.databaseError("x", other)).as(other.getMessage())
                    .isNotInstanceOf(StorageUnavailableException.class);
        }
    }

    @Test
    void eachOwnerIsJudgedByItsOwnStaleAfter() {
        study("s");
        try (PostgresStorage slow = PostgresStorage.open(url, "postgres", null, Duration.ofHours(1));
             PostgresStorage quick = PostgresStorage.open(url, "postgres", null, Duration.ofMillis(500))) {
            int alive = slow.startTrial("s").number();
            // The slow one beats every 20 minutes: 5 s of silence is nothing for it, though ten times quick's limit.
            setHeartbeatOfOwnerOf(alive, "now() - interval '5 seconds'");
            assertThat(quick.failStaleRunningTrials()).isZero();
            assertThat(quick.trial("s", alive).state()).isEqualTo(TrialState.RUNNING);

            // An owner registered without its own limit (an older version) is judged by the sweeper's.
            int old = slow.startTrial("s").number();
            sql(url, "INSERT INTO owners(owner, heartbeat) VALUES ('old-version', now() - interval '5 seconds')");
            sql(url, "UPDATE trials SET owner = 'old-version' WHERE number = " + old);
            quick.failStaleRunningTrials(); // (unless quick's own periodic sweep got there first)
            assertThat(quick.trial("s", old).wasInterrupted()).isTrue();
            assertThat(quick.trial("s", alive).state()).isEqualTo(TrialState.RUNNING);
        }
    }

    @Test
    @Timeout(60)
    void storagesInSeveralProcessesClaimEachWaitingTrialOnce() throws Exception {
        study("s");
        int waiting = 40;
        for (int i = 0; i < waiting; i++) {
            storage.enqueueTrial("s", Map.of("i", i));
        }
        List<PostgresStorage> nodes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 2; i++) {
                nodes.add(PostgresStorage.open(url, "postgres", null));
            }
            List<Future<List<Integer>>> claims = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                PostgresStorage node = nodes.get(w % 2);
                claims.add(pool.submit(() -> {
                    List<Integer> got = new ArrayList<>();
                    for (int i = 0; i < 15; i++) {
                        got.add(node.startTrial("s").number());
                    }
                    return got;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (Future<List<Integer>> f : claims) {
                all.addAll(f.get());
            }
            assertThat(all).hasSize(60).doesNotHaveDuplicates();
            assertThat(new HashSet<>(all)).containsAll(java.util.stream.IntStream.range(0, 60).boxed().toList());
            assertThat(storage.trials("s", Set.of(TrialState.WAITING))).isEmpty();
        } finally {
            pool.shutdownNow();
            nodes.forEach(PostgresStorage::close);
        }
        assertThat(storage.trials("s")).hasSize(60).allSatisfy(t -> assertThat(t.wasInterrupted()).isTrue());
    }
}
