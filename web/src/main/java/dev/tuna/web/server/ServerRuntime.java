package dev.tuna.web.server;

import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.web.spec.ObjectiveFactory;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything {@code tuna serve} runs, started and closed together: the storage of a data folder, a trial scheduler
 * on the devices, the study service (which resumes the unfinished studies) and the HTTP server.
 */
public final class ServerRuntime implements AutoCloseable {
    /** The database file in the data folder (the demo's too). */
    public static final String DB_FILE = "tuna.db";

    private final Storage storage;
    private final TrialScheduler scheduler;
    private final StudyService studies;
    private final TunaServer server;
    private final ApiToken token;
    private final int resumed;

    private ServerRuntime(Path data, String host, int port, Devices devices, ObjectiveFactory trainables) {
        boolean loopback = TunaServer.isLoopback(host);
        this.token = loopback ? null : ApiToken.loadOrCreate(data);
        this.storage = MapDbStorage.open(data.resolve(DB_FILE));
        TrialScheduler s = null;
        StudyService st = null;
        try {
            s = TrialScheduler.builder(devices).shutdownGrace(Duration.ofSeconds(5)).build();
            st = new StudyService(storage, s, trainables);
            this.resumed = st.resumeUnfinished();
            this.server = TunaServer.start(st, host, port, token);
        } catch (RuntimeException e) {
            if (st != null) {
                st.close();
            }
            if (s != null) {
                s.close();
            }
            storage.close();
            throw e;
        }
        this.scheduler = s;
        this.studies = st;
    }

    /** Starts serving the studies of {@code data} on {@code host:port} (port 0: any free port). */
    public static ServerRuntime start(Path data, String host, int port, Devices devices, ObjectiveFactory trainables) {
        return new ServerRuntime(data, host, port, devices, trainables);
    }

    public int port() {
        return server.port();
    }

    public StudyService studies() {
        return studies;
    }

    /** The token mutating routes need, or null on a loopback address. */
    public ApiToken token() {
        return token;
    }

    /** How many unfinished studies it resumed at start. */
    public int resumed() {
        return resumed;
    }

    /** Stops serving, stops the runs (running trials end FAIL "interrupted: the worker shut down" and run again on resume), closes storage. */
    @Override
    public void close() {
        server.close();
        studies.close();
        scheduler.close();
        storage.close();
    }
}
