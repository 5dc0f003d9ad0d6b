package dev.tuna.web.cli;

import static dev.tuna.web.cli.OptionChecks.check;

import dev.tuna.web.server.ClusterDatabase;
import dev.tuna.web.server.WorkerRuntime;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tuna worker}: a node of a cluster with device slots and no web server. It runs trials of the studies
 * submitted to {@code tuna serve --db} until the process is stopped (SIGTERM, Ctrl-C), then leaves gracefully.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        header = "Joins a cluster and runs its trials on this machine.",
        description = "Joins a cluster on its PostgreSQL database and runs trials of its studies on this machine's"
                + " slots (the CPU's --slots and one per GPU) until stopped. A worker that dies has its trials"
                + " recovered by another node after about the check-in interval.")
final class WorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOptions db;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "2",
            description = "Trials run at once on the CPU (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--checkin", paramLabel = "SECONDS", defaultValue = "5",
            description = "Cluster check-in interval; a dead node's trials are recovered after about this long "
                    + "(default: ${DEFAULT-VALUE}).")
    double checkin;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "On stop, how long running trials may go on before they are aborted (default: ${DEFAULT-VALUE}).")
    int grace;

    @Override
    public Integer call() throws InterruptedException {
        check(spec, db.given(), "--db is required, e.g. --db jdbc:postgresql://HOST:5432/tuna");
        check(spec, slots >= 1 && slots <= 1024, "--slots must be from 1 to 1024, got " + slots);
        check(spec, grace >= 0 && grace <= 3600, "--grace must be from 0 to 3600 seconds, got " + grace);
        ClusterDatabase database = db.database(DatabaseOptions.checkin(spec, checkin));
        Devices devices = Devices.discover(slots);
        WorkerRuntime worker = WorkerRuntime.start(database, devices, Trainables.builtInForCluster(), Duration.ofSeconds(grace));
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch left = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            out.printf("Tuna worker %s left the cluster%n", worker.nodeName());
            out.flush();
            left.countDown();
        }, "tuna-worker-shutdown"));
        out.printf("Tuna worker %s joined the cluster at %s with %s; Ctrl-C leaves%n", worker.nodeName(),
                DatabaseOptions.shown(database.jdbcUrl()), devices);
        if (worker.serverRuns().equals(java.util.Optional.of(false))) {
            // Else it idles without a word: started before the server, or on another database or schema than it.
            out.printf("No `tuna serve --db` runs on this cluster yet (this database and schema): this worker runs"
                    + " trials once one does%n");
        }
        out.flush();
        left.await();
        return 0;
    }
}
