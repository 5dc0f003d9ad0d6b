package dev.tuna.web.cli;

import static dev.tuna.web.cli.OptionChecks.check;
import static dev.tuna.web.cli.OptionChecks.checkPort;

import dev.tuna.core.storage.StorageInUseException;
import dev.tuna.web.server.ClusterDatabase;
import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tuna serve}: the REST server over the studies of a data folder, or of a cluster's PostgreSQL database
 * ({@code --db}), until the process is stopped.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Serves the REST API and the dashboard, and runs the studies.",
        description = "Serves the REST API over the studies in DIR/tuna.db and runs submitted studies. With --db,"
                + " serves a cluster's studies from PostgreSQL and joins the cluster: trials run on whichever node"
                + " has a free slot ('tuna worker' adds nodes; --slots 0 runs none here). Unfinished studies of an"
                + " earlier run resume. Bound beyond 127.0.0.1, changes need the API token (generated at first"
                + " start into DIR/api-token, printed once).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "7070", description = "Port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "tuna-data",
            description = "Data folder (default: ${DEFAULT-VALUE}); with --db it only holds the API token.")
    Path data;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "2",
            description = "Trials run at once on the CPU (default: ${DEFAULT-VALUE}); with --db, 0 runs none here.")
    int slots;

    @Mixin
    DatabaseOptions db;

    @Option(names = "--token-for-reads",
            description = "Reads need the API token too, not only changes: the studies, trials and event streams of a"
                    + " server others can reach (the dashboard asks for the token once; the health check stays open, with its status only).")
    boolean tokenForReads;

    @Option(names = "--datasets", paramLabel = "FOLDER",
            description = "A folder the datasets of submitted specs may read files from (csv:PATH, idx:IMAGES,LABELS);"
                    + " repeat it for more. Default: DATA/datasets. No other file is read: whoever may submit a spec"
                    + " could otherwise have the server read any file it can.")
    List<Path> datasets = new java.util.ArrayList<>();

    @Option(names = "--checkin", paramLabel = "SECONDS", defaultValue = "5",
            description = "With --db: the cluster check-in interval; a dead node's trials are recovered after about "
                    + "this long (default: ${DEFAULT-VALUE}).")
    double checkin;

    /** The dataset folder under the data folder, where submitted specs' dataset files go unless --datasets says. */
    static final String DATASETS = "datasets";

    @Override
    public Integer call() throws InterruptedException {
        checkPort(spec, port);
        boolean cluster = db.given();
        check(spec, cluster || !spec.commandLine().getParseResult().hasMatchedOption("--checkin"),
                "--checkin: only with --db");
        int minSlots = cluster ? 0 : 1;
        check(spec, slots >= minSlots && slots <= 1024, "--slots must be from " + minSlots + " to 1024"
                + (cluster ? "" : " (0 only with --db)") + ", got " + slots);
        PrintWriter out = spec.commandLine().getOut();
        Path folder = data.toAbsolutePath().normalize();
        List<Path> datasetFolders = datasets.isEmpty() ? List.of(folder.resolve(DATASETS)) : datasets;
        ServerRuntime runtime;
        if (cluster) {
            ClusterDatabase database = db.database(DatabaseOptions.checkin(spec, checkin));
            runtime = ServerRuntime.startCluster(database, folder, host, port,
                    slots == 0 ? null : Devices.discover(slots), Trainables.forServer(true, datasetFolders), tokenForReads);
            out.printf("Cluster node %s on %s (%s)%n", runtime.nodeName(), DatabaseOptions.shown(database.jdbcUrl()),
                    slots == 0 ? "coordinator: runs no trial itself" : slots + " slot" + (slots == 1 ? "" : "s"));
        } else {
            try {
                runtime = ServerRuntime.start(folder, host, port, Devices.discover(slots),
                        Trainables.forServer(false, datasetFolders), tokenForReads);
            } catch (StorageInUseException e) {
                // As tuna run's and the read commands' refusals say what to do instead.
                throw new StorageInUseException(e.getMessage() + "; if that is another server, use it (its dashboard,"
                        + " or 'tuna submit SPEC --server URL'), or serve another --data folder");
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runtime.close();
            stopped.countDown();
        }, "tuna-serve-shutdown"));
        if (runtime.token() != null && runtime.token().created()) {
            out.println("API token (printed once; also in " + data.resolve("api-token") + "): " + runtime.token().value());
        }
        // An IPv6 address goes in brackets in a URL (RFC 3986): http://[::1]:7070.
        String shown = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        out.printf("Tuna server listening on http://%s:%d (%d unfinished stud%s resumed)%n", shown, runtime.port(),
                runtime.resumed(), runtime.resumed() == 1 ? "y" : "ies");
        out.flush();
        stopped.await();
        return 0;
    }
}
