package dev.tuna.web.cli;

import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tuna serve}: the REST server over the studies of a data folder, until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves the REST API over the studies in DIR/tuna.db and runs submitted studies.",
                "Unfinished studies of an earlier run resume. Bound beyond 127.0.0.1, changes need the API token",
                "(generated at first start into DIR/api-token, printed once)."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "7070", description = "Port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "tuna-data", description = "Data folder (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "2",
            description = "Trials run at once on the CPU (default: ${DEFAULT-VALUE}).")
    int slots;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be from 0 to 65535, got " + port);
        }
        if (slots < 1 || slots > 1024) {
            throw new ParameterException(spec.commandLine(), "--slots must be from 1 to 1024, got " + slots);
        }
        PrintWriter out = spec.commandLine().getOut();
        ServerRuntime runtime = ServerRuntime.start(data.toAbsolutePath().normalize(), host, port,
                Devices.discover(slots), Trainables.builtIn());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runtime.close();
            stopped.countDown();
        }, "tuna-serve-shutdown"));
        if (runtime.token() != null && runtime.token().created()) {
            out.println("API token (printed once; also in " + data.resolve("api-token") + "): " + runtime.token().value());
        }
        out.printf("Tuna server listening on http://%s:%d (%d unfinished stud%s resumed)%n", host, runtime.port(),
                runtime.resumed(), runtime.resumed() == 1 ? "y" : "ies");
        out.flush();
        stopped.await();
        return 0;
    }
}
