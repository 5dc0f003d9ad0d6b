package dev.tuna.web.cli;

import static dev.tuna.web.cli.TunaRun.tuna;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.PostgresStorage;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.web.server.ClusterDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's cluster options: read commands on a cluster's database, and bad {@code --db} input. */
class ClusterCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Nothing listens on port 1: connecting is refused at once. */
    private static final String UNREACHABLE = "jdbc:postgresql://127.0.0.1:1/tuna";

    private static EmbeddedPostgres server;
    private static String url;

    @TempDir
    Path dir;

    @BeforeAll
    static void startDatabase() throws Exception {
        server = EmbeddedPostgres.builder().start();
        try (Connection c = DriverManager.getConnection(server.getJdbcUrl("postgres", "postgres"));
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE tuna_cli");
        }
        url = server.getJdbcUrl("postgres", "tuna_cli");
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void readCommandsReadAClustersDatabase() throws Exception {
        List<FrozenTrial> trials;
        try (PostgresStorage storage = PostgresStorage.open(url, "postgres", null)) {
            Study study = Study.builder("pg-study").sampler(new RandomSampler(5)).storage(storage).create();
            study.optimize(t -> {
                double x = t.suggestFloat("x", -3, 3);
                return (x - 1) * (x - 1);
            }, 5);
            trials = storage.trials("pg-study");
        }
        FrozenTrial best = trials.stream().min(Comparator.comparingDouble(FrozenTrial::value)).orElseThrow();

        TunaRun studies = tuna("studies", "--db", url, "--db-user", "postgres");
        assertThat(studies.code()).as(studies.err()).isZero();
        assertThat(studies.out()).contains("pg-study").contains("complete");

        TunaRun json = tuna("best", "pg-study", "--json", "--db", url, "--db-user", "postgres");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode b = JSON.readTree(json.out());
        assertThat(b.get("number").asInt()).isEqualTo(best.number());
        assertThat(b.get("value").asDouble()).isEqualTo(best.value());

        assertThat(tuna("trials", "pg-study", "--db", url, "--db-user", "postgres").out().lines().count()).isEqualTo(6);
        TunaRun csv = tuna("export", "pg-study", "--format", "csv", "--db", url, "--db-user", "postgres");
        assertThat(csv.out().lines().toList()).hasSize(6).first().asString().startsWith("number,state,value");

        TunaRun missing = tuna("best", "nope", "--db", url, "--db-user", "postgres");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).contains("nope").doesNotContain("\n");
    }

    @Test
    void badDatabaseInputEndsWithOneLineNamingTheOption() {
        // Options of the wrong form or that do not go together are usage errors: exit 2, with the help's hint.
        TunaRun notPostgres = tuna("worker", "--db", "jdbc:mysql://127.0.0.1/tuna");
        assertThat(notPostgres.code()).isEqualTo(2);
        assertThat(notPostgres.err().strip()).isEqualTo("tuna worker: --db: expected jdbc:postgresql://HOST:PORT/DB, got"
                + " 'jdbc:mysql://127.0.0.1/tuna' (see 'tuna worker --help')");

        TunaRun unreachable = tuna("worker", "--db", UNREACHABLE, "--db-user", "postgres");
        assertThat(unreachable.code()).isEqualTo(1);
        assertThat(unreachable.err().strip()).startsWith("tuna worker: --db: cannot connect to " + UNREACHABLE)
                .doesNotContain("\n");

        TunaRun serveUnreachable = tuna("serve", "--db", UNREACHABLE, "--db-user", "postgres", "--slots", "0", "--port", "0",
                "--data", dir.toString());
        assertThat(serveUnreachable.code()).isEqualTo(1);
        assertThat(serveUnreachable.err().strip()).startsWith("tuna serve: --db: cannot connect to").doesNotContain("\n");

        TunaRun readUnreachable = tuna("studies", "--db", UNREACHABLE, "--db-user", "postgres");
        assertThat(readUnreachable.code()).isEqualTo(1);
        assertThat(readUnreachable.err().strip()).startsWith("tuna studies: --db: cannot connect to").doesNotContain("\n");

        TunaRun noDb = tuna("worker", "--slots", "2");
        assertThat(noDb.code()).isEqualTo(2);
        assertThat(noDb.err()).contains("--db is required");

        TunaRun zeroSlots = tuna("serve", "--slots", "0", "--data", dir.toString());
        assertThat(zeroSlots.code()).isEqualTo(2);
        assertThat(zeroSlots.err()).contains("--slots must be from 1 to 1024 (0 only with --db), got 0");

        TunaRun checkinAlone = tuna("serve", "--checkin", "2", "--data", dir.toString());
        assertThat(checkinAlone.code()).isEqualTo(2);
        assertThat(checkinAlone.err()).contains("--checkin: only with --db");

        TunaRun workerSlots = tuna("worker", "--db", url, "--slots", "0");
        assertThat(workerSlots.code()).isEqualTo(2);
        assertThat(workerSlots.err()).contains("--slots must be from 1 to 1024, got 0");

        TunaRun checkin = tuna("worker", "--db", url, "--db-user", "postgres", "--checkin", "0");
        assertThat(checkin.code()).isEqualTo(2); // a bad option, as --slots 0 is, with the help's hint
        assertThat(checkin.err()).contains("--checkin must be from 0.1 to 3600 seconds, got 0.0");
        assertThat(checkin.err()).isEqualTo(workerSlots.err().replace("--slots must be from 1 to 1024, got 0",
                "--checkin must be from 0.1 to 3600 seconds, got 0.0"));

        TunaRun userAlone = tuna("studies", "--db-user", "postgres", "--data", dir.toString());
        assertThat(userAlone.code()).isEqualTo(2);
        assertThat(userAlone.err().strip()).isEqualTo("tuna studies: --db-user: only with --db (see 'tuna studies --help')");
        TunaRun serveUser = tuna("serve", "--db-user", "postgres", "--data", dir.toString(), "--port", "0");
        assertThat(serveUser.code()).isEqualTo(2);
        assertThat(serveUser.err().strip()).isEqualTo("tuna serve: --db-user: only with --db (see 'tuna serve --help')");

        TunaRun two = tuna("studies", "--db", url, "--server", "http://127.0.0.1:1");
        assertThat(two.code()).isEqualTo(2);
        assertThat(two.err()).contains("one of --data, --server or --db");
        TunaRun emptyData = tuna("run", "x.json", "--data", "");
        assertThat(emptyData.code()).isEqualTo(2);
        assertThat(emptyData.err()).contains("--data").contains("an empty path");

        // The password is never a command line option (it would show in ps and the shell's history).
        TunaRun password = tuna("worker", "--db", url, "--db-password", "secret");
        assertThat(password.code()).isEqualTo(2);
        assertThat(password.err()).contains("Unknown options: '--db-password'");
    }

    @Test
    void theUserDefaultsToPgUserAndThePasswordComesOnlyFromTheEnvironment() {
        DatabaseOptions options = new DatabaseOptions();
        options.url = url;
        Duration checkin = Duration.ofSeconds(2);

        ClusterDatabase fromEnv = options.database(Map.of("PGUSER", "alice", "TUNA_DB_PASSWORD", "s1", "PGPASSWORD", "s2"), checkin);
        assertThat(fromEnv.user()).isEqualTo("alice");
        assertThat(fromEnv.password()).isEqualTo("s1");
        assertThat(fromEnv.checkinInterval()).isEqualTo(checkin);
        assertThat(fromEnv.toString()).doesNotContain("s1");

        ClusterDatabase libpq = options.database(Map.of("PGPASSWORD", "s2"), checkin);
        assertThat(libpq.user()).isEqualTo(System.getProperty("user.name"));
        assertThat(libpq.password()).isEqualTo("s2");
        assertThat(options.database(Map.of(), checkin).password()).isNull();

        options.user = "bob";
        assertThat(options.database(Map.of("PGUSER", "alice"), checkin).user()).isEqualTo("bob");

        options.url = "postgres://host/db";
        assertThatThrownBy(() -> options.database(Map.of(), checkin)).hasMessageStartingWith("--db: expected jdbc:postgresql://");
        assertThat(DatabaseOptions.shown("jdbc:postgresql://h:5432/db?password=x")).isEqualTo("jdbc:postgresql://h:5432/db");
        // Which cluster of the database it is (a worker said only the database).
        assertThat(DatabaseOptions.shown("jdbc:postgresql://h:5432/db?password=x&currentSchema=fresh"))
                .isEqualTo("jdbc:postgresql://h:5432/db?currentSchema=fresh");
        // The server's log lines and messages show it so too (they showed the URL whole, a password written in it too).
        assertThat(new dev.tuna.web.server.ClusterDatabase("jdbc:postgresql://h:5432/db?password=secret", "u", null))
                .hasToString("ClusterDatabase[jdbc:postgresql://h:5432/db, user u, check-in PT5S]");
    }
}
