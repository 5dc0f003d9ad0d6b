package dev.tuna.web.server;

import dev.tuna.core.storage.MapDbStorage;
import dev.tuna.core.storage.Storage;
import dev.tuna.web.spec.ObjectiveFactory;
import dev.tuna.worker.cluster.ClusterNode;
import dev.tuna.worker.device.Devices;
import dev.tuna.worker.dispatch.TrialScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything {@code tuna serve} runs, started and closed together: the storage (a data folder's MapDB, or a
 * cluster's PostgreSQL database), what runs the trials (a trial scheduler on this machine's devices, or a node of
 * the cluster), the study service (which resumes the unfinished studies) and the HTTP server. Or, for a program that
 * runs its own study, the same over a storage it keeps ({@link #startOn}).
 */
public final class ServerRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRuntime.class);
    /** The database file in the data folder (the demo's too). */
    public static final String DB_FILE = "tuna.db";

    private final List<AutoCloseable> closeInOrder;
    private final StudyService studies;
    private final TunaServer server;
    private final ApiToken token;
    private final int resumed;
    private final ClusterNode node;

    private ServerRuntime(List<AutoCloseable> closeInOrder, StudyService studies, TunaServer server, ApiToken token,
                          int resumed, ClusterNode node) {
        this.closeInOrder = closeInOrder;
        this.studies = studies;
        this.server = server;
        this.token = token;
        this.resumed = resumed;
        this.node = node;
    }

    /**
     * Undoes a start that failed: closes what it opened and deletes the token it made (never printed). Returns the
     * failure, for the caller to throw.
     */
    private static RuntimeException failedStart(List<AutoCloseable> opened, ApiToken token, Path data,
                                                RuntimeException e) {
        closeAll(opened);
        if (token != null) {
            token.forgetIfCreated(data);
        }
        return e;
    }

    /** How long a stopping server lets the trials running on its own slots finish before it fails them. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    /**
     * Starts serving the studies of {@code data} on {@code host:port} (port 0: any free port). The trainables check the
     * specs it takes: give them {@code Trainables.forServer}, as {@code tuna serve} does, where whoever may submit is
     * not trusted with every file this process can read ({@code Trainables.builtIn()} reads any dataset file).
     */
    public static ServerRuntime start(Path data, String host, int port, Devices devices, ObjectiveFactory trainables) {
        return start(data, host, port, devices, trainables, false);
    }

    /**
     * As {@link #start(Path, String, int, Devices, ObjectiveFactory)}; with {@code privateReads}, reads need the API
     * token too, on any host ({@code tuna serve --token-for-reads}).
     */
    public static ServerRuntime start(Path data, String host, int port, Devices devices, ObjectiveFactory trainables,
                                      boolean privateReads) {
        ApiToken token = token(data, host, privateReads);
        // Closed in reverse order of opening (the server first, the storage last).
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Storage storage = opened(opened, MapDbStorage.open(data.resolve(DB_FILE)));
            TrialScheduler scheduler = opened(opened, TrialScheduler.builder(devices).shutdownGrace(SHUTDOWN_GRACE).build());
            return serve(opened, new StudyService(storage, StudyDispatch.local(scheduler), trainables), host, port, token,
                    privateReads, null);
        } catch (RuntimeException e) {
            throw failedStart(opened, token, data, e);
        }
    }

    /**
     * Starts serving the studies of a cluster's database on {@code host:port}, as a node of that cluster: submitted
     * studies' trials run on whichever node has a free slot.
     *
     * @param data    where the API token lives (only used when {@code host} is not a loopback address)
     * @param devices this node's own slots, or null for none (a coordinator: it only queues the trials)
     */
    public static ServerRuntime startCluster(ClusterDatabase db, Path data, String host, int port, Devices devices,
                                             ObjectiveFactory trainables) {
        return startCluster(db, data, host, port, devices, trainables, false);
    }

    /** As {@link #startCluster(ClusterDatabase, Path, String, int, Devices, ObjectiveFactory)}, reads private or not. */
    public static ServerRuntime startCluster(ClusterDatabase db, Path data, String host, int port, Devices devices,
                                             ObjectiveFactory trainables, boolean privateReads) {
        ApiToken token = token(data, host, privateReads);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Storage storage = opened(opened, db.openStorage());
            CoordinatorLock lock = opened(opened, CoordinatorLock.take(db));
            // The same grace as a server without a database: a server's Ctrl-C gives its own trials 5 s.
            ClusterNode.Builder builder = db.node().optShutdownGrace(SHUTDOWN_GRACE).optMayQueue(lock::held);
            if (devices != null) {
                builder.optDevices(devices).optStudies(new SpecStudies(storage, trainables));
            }
            ClusterNode node = opened(opened, builder.build());
            LOG.info("joined the cluster at {} as node {} ({})", db.shownUrl(), node.nodeName(),
                    devices == null ? "coordinator, no slots" : devices);
            return serve(opened, new StudyService(storage, StudyDispatch.cluster(node, lock::lost), trainables), host, port, token,
                    privateReads, node);
        } catch (RuntimeException e) {
            throw failedStart(opened, token, data, e);
        }
    }

    /**
     * Serves the REST API and the dashboard on 127.0.0.1:{@code port} (0 for any free one) over a storage this program
     * opened and goes on using: to watch a study that {@code study.optimize} runs on a MapDB file, which no other
     * process can open meanwhile. Closing the runtime stops the server and what it runs, and leaves the storage open.
     * Studies submitted through it run here on {@code devices}; unfinished ones found in the storage are not resumed
     * (the program may be running them).
     */
    public static ServerRuntime startOn(Storage storage, int port, Devices devices, ObjectiveFactory trainables) {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            TrialScheduler scheduler = opened(opened, TrialScheduler.builder(devices).shutdownGrace(SHUTDOWN_GRACE).build());
            StudyService studies = opened(opened, new StudyService(storage, StudyDispatch.local(scheduler), trainables));
            TunaServer server = opened(opened, TunaServer.start(studies, "127.0.0.1", port, null, false));
            return new ServerRuntime(opened, studies, server, null, 0, null);
        } catch (RuntimeException e) {
            throw failedStart(opened, null, null, e);
        }
    }

    /** The API token, where one is needed: beyond loopback, or when reads need it too. */
    private static ApiToken token(Path data, String host, boolean privateReads) {
        return TunaServer.isLoopback(host) && !privateReads ? null : ApiToken.loadOrCreate(data);
    }

    private static ServerRuntime serve(List<AutoCloseable> opened, StudyService studies, String host, int port,
                                       ApiToken token, boolean privateReads, ClusterNode node) {
        opened(opened, studies);
        int resumed = studies.resumeUnfinished();
        TunaServer server = opened(opened, TunaServer.start(studies, host, port, token, privateReads));
        return new ServerRuntime(opened, studies, server, token, resumed, node);
    }

    private static <T extends AutoCloseable> T opened(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", opened.get(i).getClass().getSimpleName(),
                        e.getMessage() != null ? e.getMessage() : e.toString());
            }
        }
    }

    public int port() {
        return server.port();
    }

    /** Its HTTP server, for tests. */
    TunaServer server() {
        return server;
    }

    public StudyService studies() {
        return studies;
    }

    /** The API token mutating routes need (and reads, when private), or null on a loopback address. */
    public ApiToken token() {
        return token;
    }

    /** How many unfinished studies it resumed at start. */
    public int resumed() {
        return resumed;
    }

    /** This server's node name in its cluster, or null when it serves a data folder. */
    public String nodeName() {
        return node == null ? null : node.nodeName();
    }

    /**
     * Stops serving, stops the runs, leaves the cluster if it is in one, closes storage. Trials running here end FAIL
     * "interrupted: the worker shut down" and do not count: on resume, they run again first. On a cluster,
     * the studies' queued trial jobs are deleted, trials already running on other nodes finish there, and the next
     * start resumes the studies.
     */
    @Override
    public void close() {
        closeAll(closeInOrder);
    }
}
