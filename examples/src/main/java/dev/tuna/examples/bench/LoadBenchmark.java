package dev.tuna.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.web.server.ServerRuntime;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The server under read load: a server started in-process (loopback, MapDB in a temporary folder) runs a study
 * of the {@code branin} trainable that sleeps each epoch so it keeps running, while a fixed pool of clients
 * (each with its own {@link HttpClient}) reads the API in a loop (studies list, study, trials page, best, a
 * trial's detail) and some of them also hold the study's event stream open. Records requests per second,
 * latency percentiles per route and overall, errors, and the events the streams received.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Concurrent clients reading the REST API and the event stream of a running study.")
final class LoadBenchmark implements Callable<Integer> {
    static final double TARGET_P99_MS = 50;
    static final String STUDY = "load-branin";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ROUTES = List.of("studies", "study", "trials", "best", "trial");

    @Spec
    CommandSpec spec;

    @Option(names = "--clients", defaultValue = "50", description = "Concurrent API clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--sse-clients", defaultValue = "10",
            description = "How many of the clients also hold the study's event stream open (default: ${DEFAULT-VALUE}).")
    int sseClients;

    @Option(names = "--seconds", defaultValue = "30", description = "Measured duration (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3",
            description = "Load before the measurement, not counted (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--think-millis", defaultValue = "20",
            description = "Pause of a client between its requests, 0 for none (default: ${DEFAULT-VALUE}).")
    int thinkMillis;

    @Option(names = "--sleep-millis", defaultValue = "40",
            description = "Pause per epoch of the study's trials (default: ${DEFAULT-VALUE}).")
    int sleepMillis;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "examples/results/load.json",
            description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out;

    static final int EPOCHS = 5;
    static final int PARALLELISM = 2;

    /** Latencies of one route. */
    record RouteResult(long requests, long errors, double p50Ms, double p99Ms, double maxMs) {
    }

    /** What the event streams saw. */
    record SseResult(int streams, long events, long errors, double meanConnectMs) {
    }

    /** What the JSON file holds. */
    record Report(String benchmark, String date, Map<String, Object> machine, int clients, int sseClients,
                  double seconds, int warmupSeconds, int thinkMillis, Map<String, Object> study, long requests,
                  long errors, List<String> errorSamples, double requestsPerSecond, double p50Ms, double p90Ms,
                  double p99Ms, double maxMs, Map<String, RouteResult> routes, SseResult sse,
                  double targetP99Ms, boolean meetsTarget) {
    }

    /** What one client measured; written by its own thread only. */
    private static final class ClientLog {
        final Map<String, long[]> nanos = new LinkedHashMap<>();
        final Map<String, Integer> counts = new LinkedHashMap<>();
        final Map<String, Integer> errors = new LinkedHashMap<>();
        final List<String> errorSamples = new ArrayList<>();

        void record(String route, long ns, boolean ok, String why) {
            long[] a = nanos.computeIfAbsent(route, k -> new long[1024]);
            int n = counts.getOrDefault(route, 0);
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
                nanos.put(route, a);
            }
            a[n] = ns;
            counts.put(route, n + 1);
            if (!ok) {
                errors.merge(route, 1, Integer::sum);
                if (errorSamples.size() < 5) {
                    errorSamples.add(route + ": " + why);
                }
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        check(clients >= 1 && clients <= 1000, "--clients must be from 1 to 1000, got " + clients);
        check(sseClients >= 0 && sseClients <= clients, "--sse-clients must be from 0 to --clients, got " + sseClients);
        check(seconds >= 1 && seconds <= 600, "--seconds must be from 1 to 600, got " + seconds);
        check(warmupSeconds >= 0 && warmupSeconds <= 60, "--warmup-seconds must be from 0 to 60, got " + warmupSeconds);
        check(thinkMillis >= 0 && thinkMillis <= 10_000, "--think-millis must be from 0 to 10000, got " + thinkMillis);
        check(sleepMillis >= 1 && sleepMillis <= 10_000, "--sleep-millis must be from 1 to 10000, got " + sleepMillis);
        PrintWriter console = spec.commandLine().getOut();
        Path data = Files.createTempDirectory("tuna-load-");
        // Enough trials that the study still runs when the measurement ends (twice the time it needs).
        int trials = (int) Math.max(10, 2L * (warmupSeconds + seconds) * 1000 * PARALLELISM / ((long) EPOCHS * sleepMillis));
        ServerRuntime runtime = ServerRuntime.start(data, "127.0.0.1", 0, Devices.cpu(PARALLELISM), Trainables.builtIn());
        Report report;
        try {
            String base = "http://127.0.0.1:" + runtime.port();
            submit(base, trials);
            console.printf(Locale.ROOT, "Load: %d clients (%d with an event stream), %d s after %d s warm-up, think %d ms; "
                    + "study of %d branin trials (%d epochs x %d ms, %d at once)%n", clients, sseClients, seconds,
                    warmupSeconds, thinkMillis, trials, EPOCHS, sleepMillis, PARALLELISM);
            console.flush();
            report = measure(base, runtime, trials);
        } finally {
            runtime.close();
            BenchFiles.deleteTree(data);
        }
        print(report, console);
        BenchResults.write(out, report);
        console.println("Wrote " + out);
        return 0;
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    private void submit(String base, int trials) throws IOException, InterruptedException {
        String body = """
                {"name": "%s", "direction": "minimize", "trials": %d, "parallelism": %d,
                 "sampler": {"type": "random", "seed": 7}, "pruner": {"type": "none"},
                 "trainable": {"type": "branin", "epochs": %d, "fixed": {"sleepMillis": %d}},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """.formatted(STUDY, trials, PARALLELISM, EPOCHS, sleepMillis);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/studies"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("submitting the study failed: HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private Report measure(String base, ServerRuntime runtime, int trials) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients + sseClients);
        List<HttpClient> https = new ArrayList<>();
        AtomicInteger finished = new AtomicInteger();
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong events = new AtomicLong();
        AtomicLong sseErrors = new AtomicLong();
        AtomicLong connectNanos = new AtomicLong();
        List<InputStream> streams = new ArrayList<>();
        List<Future<ClientLog>> logs = new ArrayList<>();
        List<Future<?>> sse = new ArrayList<>();
        int finishedBefore;
        try {
            for (int c = 0; c < clients; c++) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                https.add(http);
                if (c < sseClients) {
                    sse.add(pool.submit(() -> stream(http, base, end, events, sseErrors, connectNanos, streams)));
                }
                logs.add(pool.submit(() -> client(http, base, measureFrom, end, finished)));
            }
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(measureFrom - System.nanoTime())));
            finishedBefore = counted(runtime);
            for (Future<ClientLog> f : logs) {
                f.get(seconds + warmupSeconds + 60L, TimeUnit.SECONDS);
            }
        } finally {
            // Ends the streams: the readers see their input close after the deadline.
            synchronized (streams) {
                for (InputStream in : streams) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            pool.shutdownNow();
        }
        double measured = (double) (end - measureFrom) / 1e9;
        int finishedAfter = counted(runtime);
        String stateAtEnd = JSON.readTree(get(HttpClient.newHttpClient(), base + "/api/studies/" + STUDY).body())
                .get("state").asText();
        // Merge the clients' logs.
        Map<String, List<long[]>> byRoute = new LinkedHashMap<>();
        Map<String, Long> errorsByRoute = new LinkedHashMap<>();
        List<String> samples = new ArrayList<>();
        for (Future<ClientLog> f : logs) {
            ClientLog log = f.get();
            log.counts.forEach((route, n) -> byRoute.computeIfAbsent(route, k -> new ArrayList<>())
                    .add(Arrays.copyOf(log.nanos.get(route), n)));
            log.errors.forEach((route, n) -> errorsByRoute.merge(route, (long) n, Long::sum));
            log.errorSamples.stream().limit(Math.max(0, 10 - samples.size())).forEach(samples::add);
        }
        Map<String, RouteResult> routes = new LinkedHashMap<>();
        List<long[]> all = new ArrayList<>();
        for (String route : ROUTES) {
            long[] ns = concat(byRoute.getOrDefault(route, List.of()));
            all.add(ns);
            Arrays.sort(ns);
            routes.put(route, new RouteResult(ns.length, errorsByRoute.getOrDefault(route, 0L),
                    ms(percentile(ns, 0.50)), ms(percentile(ns, 0.99)), ms(ns.length == 0 ? 0 : ns[ns.length - 1])));
        }
        long[] ns = concat(all);
        Arrays.sort(ns);
        long errors = errorsByRoute.values().stream().mapToLong(Long::longValue).sum() + sseErrors.get();
        Map<String, Object> study = new LinkedHashMap<>();
        study.put("trainable", "branin");
        study.put("epochs", EPOCHS);
        study.put("sleepMillisPerEpoch", sleepMillis);
        study.put("parallelism", PARALLELISM);
        study.put("trials", trials);
        study.put("trialsFinishedDuringMeasurement", finishedAfter - finishedBefore);
        study.put("stateAtEnd", stateAtEnd);
        Map<String, Object> machine = BenchResults.machine();
        double p99 = ms(percentile(ns, 0.99));
        SseResult sseResult = new SseResult(sseClients, events.get(), sseErrors.get(),
                sseClients == 0 ? 0 : ms(connectNanos.get() / sseClients));
        return new Report("load", Instant.now().toString(), machine, clients, sseClients, measured, warmupSeconds,
                thinkMillis, study, ns.length, errors, samples, ns.length / measured, ms(percentile(ns, 0.50)),
                ms(percentile(ns, 0.90)), p99, ms(ns.length == 0 ? 0 : ns[ns.length - 1]), routes, sseResult,
                TARGET_P99_MS, errors == 0 && p99 < TARGET_P99_MS && "running".equals(stateAtEnd));
    }

    /** One client: the five reads in turn, timed from {@code measureFrom} to {@code end}. */
    private ClientLog client(HttpClient http, String base, long measureFrom, long end, AtomicInteger finished) {
        ClientLog log = new ClientLog();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int i = random.nextInt(ROUTES.size());
        while (true) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
                return log;
            }
            String route = ROUTES.get(i++ % ROUTES.size());
            String path = switch (route) {
                case "studies" -> "/api/studies";
                case "study" -> "/api/studies/" + STUDY;
                case "trials" -> "/api/studies/" + STUDY + "/trials?limit=50&sort=value";
                case "best" -> "/api/studies/" + STUDY + "/best";
                default -> "/api/studies/" + STUDY + "/trials/" + random.nextInt(Math.max(1, finished.get()));
            };
            boolean ok;
            String why = null;
            try {
                HttpResponse<String> r = get(http, base + path);
                // Before the first trial completes there is no best trial yet: a 404 is the right answer then.
                ok = r.statusCode() == 200 || (r.statusCode() == 404 && finished.get() == 0 && !route.equals("studies")
                        && !route.equals("study") && !route.equals("trials"));
                if (!ok) {
                    why = "HTTP " + r.statusCode() + " " + r.body().lines().findFirst().orElse("");
                } else if (route.equals("study")) {
                    JsonNode n = JSON.readTree(r.body());
                    finished.accumulateAndGet(n.path("counts").path("complete").asInt(), Math::max);
                }
            } catch (IOException e) {
                ok = false;
                why = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return log;
            }
            long t1 = System.nanoTime();
            if (t0 >= measureFrom && t1 <= end) {
                log.record(route, t1 - t0, ok, why);
            }
            if (thinkMillis > 0) {
                try {
                    Thread.sleep(thinkMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return log;
                }
            }
        }
    }

    /** Holds the study's event stream open until {@code end}, counting its events. */
    private static Void stream(HttpClient http, String base, long end, AtomicLong events, AtomicLong errors,
                               AtomicLong connectNanos, List<InputStream> streams) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/studies/" + STUDY + "/events"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            connectNanos.addAndGet(System.nanoTime() - t0);
            if (r.statusCode() != 200) {
                errors.incrementAndGet();
                r.body().close();
                return null;
            }
            synchronized (streams) {
                streams.add(r.body());
            }
            try (Stream<String> lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(),
                    StandardCharsets.UTF_8)).lines()) {
                lines.filter(l -> l.startsWith("data:")).forEach(l -> events.incrementAndGet());
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // Closed by us after the deadline is the normal end.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (System.nanoTime() < end) {
            errors.incrementAndGet(); // the server ended the stream early
        }
        return null;
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int counted(ServerRuntime runtime) {
        return (int) runtime.studies().storage().trials(STUDY).stream().filter(t -> t.isFinished()).count();
    }

    private static long[] concat(List<long[]> parts) {
        long[] all = new long[parts.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (long[] a : parts) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }

    /** The nearest-rank percentile of sorted values (0 for none). */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void print(Report r, PrintWriter console) {
        console.printf(Locale.ROOT, "%-8s %9s %7s %9s %9s %9s%n", "route", "requests", "errors", "p50 ms", "p99 ms", "max ms");
        r.routes().forEach((route, x) -> console.printf(Locale.ROOT, "%-8s %9d %7d %9.2f %9.2f %9.2f%n",
                route, x.requests(), x.errors(), x.p50Ms(), x.p99Ms(), x.maxMs()));
        console.printf(Locale.ROOT, "%-8s %9d %7d %9.2f %9.2f %9.2f%n", "all", r.requests(), r.errors(), r.p50Ms(),
                r.p99Ms(), r.maxMs());
        console.printf(Locale.ROOT, "%.1f requests/s; %d event streams got %d events (%d errors); study %s, %s trials "
                        + "finished meanwhile%n", r.requestsPerSecond(), r.sse().streams(), r.sse().events(),
                r.sse().errors(), r.study().get("stateAtEnd"), r.study().get("trialsFinishedDuringMeasurement"));
        console.printf(Locale.ROOT, "Target (0 errors, p99 < %.0f ms, study running throughout): %s%n", r.targetP99Ms(),
                r.meetsTarget() ? "met" : "NOT met");
        r.errorSamples().forEach(e -> console.println("  error: " + e));
        console.flush();
    }
}
