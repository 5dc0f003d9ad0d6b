package dev.tuna.web.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.StorageException;
import dev.tuna.core.storage.StudyExistsException;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.core.storage.StudyNotFoundException;
import dev.tuna.core.storage.TrialNotFoundException;
import dev.tuna.search.Study;
import dev.tuna.web.spec.SpecException;
import dev.tuna.web.spec.StudySpec;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.util.JavalinBindException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST server of {@code tuna serve}: Javalin on Jetty, JSON through Jackson, every route in {@link #routes}.
 * Errors are {@code application/problem+json} ({@code type}, {@code title}, {@code status}, {@code detail},
 * {@code field}); bad input is always a 4xx. Bound to a loopback address it trusts the programs of this machine, but
 * not the web pages its browser shows: a request must name a loopback host, and a change must not come from a page
 * of another origin. Bound to any other address, every mutating route needs {@code Authorization: Bearer TOKEN}
 * (see {@link ApiToken}). No CORS.
 */
public final class TunaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunaServer.class);
    /** The largest request body accepted. */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    /**
     * The slowest a request body may arrive, in bytes a second: a client that trickles a byte now and then (which
     * resets the idle timeout) would hold a server thread for as long as it likes, and a few hundred such clients
     * held them all.
     */
    static final long MIN_BODY_BYTES_PER_SECOND = 1024;
    /** The content type of errors (RFC 9457). */
    public static final String PROBLEM_JSON = "application/problem+json";
    static final int MAX_PAGE = 1000;
    /**
     * Headers of every answer: scripts only from this server (no inline script can run, whatever a study or
     * parameter name holds), no framing, no MIME sniffing.
     */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer");

    private final StudyService studies;
    private final ApiToken token;
    /** Whether reads need the token too ({@code tuna serve --token-for-reads}). */
    private final boolean privateReads;
    /** How long the health check waits for the storage to list its studies. */
    static final int HEALTH_WAIT_SECONDS = 2;
    /** The health check's read in flight, if any ({@link #healthRead}). */
    private CompletableFuture<Integer> healthRead; // guarded by this
    /** Where the health check reads: a read left waiting for a database past the check's answer ends there. */
    private static final ExecutorService HEALTH_READS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tuna-health-read");
        t.setDaemon(true);
        return t;
    });

    /**
     * The prefix of the cookie in which the dashboard keeps the token's {@link ApiToken#readKey} for reads (event streams
     * cannot send a header); the port it was reached on follows, so that two servers of one host keep one each.
     */
    static final String READ_COOKIE = "tuna-read-";
    /** A running study's {@code waiting} note while no node of its cluster can run trials. */
    static final String NO_WORKER = "no worker is up: its queued trials wait until one joins (tuna worker --db URL)";
    /** A trial number in a path: ASCII digits, no leading zero (Integer.parseInt also takes "+5", "05", "٥"). */
    private static final Pattern TRIAL_NUMBER = Pattern.compile("0|[1-9][0-9]*");
    /** An integer query parameter: ASCII digits, as trial numbers. */
    private static final Pattern ASCII_INTEGER = Pattern.compile("-?[0-9]+");
    /** What is open to anyone even when reads need the token: a load balancer's health check, the API's document. */
    private static final Set<String> OPEN_READS = Set.of("/api/health", "/api/openapi.json");
    /** At most one log line per 30 s while requests fail on the storage. */
    private final LogThrottle storageFailureLog = new LogThrottle(Duration.ofSeconds(30));
    private final ObjectMapper json;
    private final EventHub events;
    private final Javalin app;
    private final byte[] openApi;
    private final ImportanceCache importance = new ImportanceCache();

    /**
     * @param studies the studies it serves
     * @param token   the token mutating routes require, or null to require none (loopback only)
     */
    private TunaServer(StudyService studies, ApiToken token, boolean privateReads) {
        this.studies = studies;
        this.token = token;
        this.privateReads = privateReads;
        this.json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        this.events = new EventHub(studies.storage(), json);
        this.openApi = resource("/dev/tuna/web/server/openapi.json");
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.http.prefer405over404 = true; // POST on a GET route is a wrong method, not a missing route
            config.jetty.modifyHttpConfiguration(http -> http.setMinRequestDataRate(MIN_BODY_BYTES_PER_SECOND));
            config.jsonMapper(new JavalinJackson(json, false));
            // The dashboard: pages and scripts from the jar, charts (uPlot) from its WebJar; nothing from a CDN.
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/dev/tuna/web/dashboard";
                files.location = Location.CLASSPATH;
                files.headers = SECURITY_HEADERS;
            });
            config.staticFiles.enableWebjars();
            config.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));
            config.jetty.modifyServletContextHandler(handler -> handler.addFilter(
                    new org.eclipse.jetty.servlet.FilterHolder(new EventStreamAccept()), "/api/studies/*",
                    java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
        });
        routes(app);
        errors(app);
    }

    /**
     * Starts a server on {@code host:port} (port 0 for any free port). A non-loopback host requires a token.
     *
     * @throws IllegalArgumentException if the host is not loopback and no token is given
     */
    public static TunaServer start(StudyService studies, String host, int port, ApiToken token) {
        return start(studies, host, port, token, false);
    }

    /**
     * As {@link #start(StudyService, String, int, ApiToken)}; with {@code privateReads}, every API request but the
     * health check and the OpenAPI document needs the token, reads too, on any host (the dashboard asks for it once
     * and keeps it in the browser).
     *
     * @throws IllegalArgumentException if no token is given where one is needed
     */
    public static TunaServer start(StudyService studies, String host, int port, ApiToken token, boolean privateReads) {
        boolean loopback = isLoopback(host);
        if ((!loopback || privateReads) && token == null) {
            throw new IllegalArgumentException(privateReads ? "--token-for-reads: an API token is required"
                    : "--host " + host + " is not a loopback address: an API token is required");
        }
        TunaServer server = new TunaServer(studies, loopback && !privateReads ? null : token, privateReads);
        try {
            server.app.start(host, port);
        } catch (JavalinBindException e) {
            throw new IllegalStateException("--port " + port + ": already in use on " + host
                    + " (another server? pick another port, or 0 for any free one)", e);
        }
        LOG.info("tuna server on http://{}:{} ({})", host, server.port(), privateReads ? "token required for reads and changes"
                : loopback ? "loopback, no token" : "token required for changes");
        return server;
    }

    /** Whether a host name or address is a loopback address. */
    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host: unknown host '" + host + "'");
        }
    }

    /** The study events' hub, for tests. */
    EventHub events() {
        return events;
    }

    /** The port it listens on. */
    public int port() {
        return app.port();
    }

    // ------------------------------------------------------------------------------------------------ routes

    /**
     * 200 "ok", or 503 "failing" with the reason while the storage cannot save changes (a full disk) or cannot be
     * read at all (a database away), or a cluster's server lost its coordinator lock to another; on a cluster, also
     * how many workers are up (the server stays "ok" with none: its studies' views say their trials wait).
     */
    /**
     * The read of the health check: one at a time, so that probes of a storage that hangs for good wait on the same
     * read rather than leave a thread each.
     */
    private synchronized CompletableFuture<Integer> healthRead() {
        if (healthRead == null || healthRead.isDone()) {
            healthRead = CompletableFuture.supplyAsync(() -> studies.storage().studies().size(), HEALTH_READS);
        }
        return healthRead;
    }

    private void health(Context ctx) {
        // Open to all, as a probe needs; on a server whose reads need the token, only its status without it: the
        // problem's text (a file's path, a database's error) and the count of studies are for the token's holders.
        boolean detailed = !privateReads || token.accepts(ctx.header("Authorization"))
                || token.isReadKey(ctx.cookie(readCookie(ctx)));
        int count;
        try {
            // A database away holds a read for its pool's 10 s wait: a probe with a timeout of a few seconds saw a hang.
            count = healthRead().get(HEALTH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            ctx.status(503).json(failing(detailed, "the storage did not answer within " + HEALTH_WAIT_SECONDS + " s"));
            return;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof StorageException failed)) {
                throw new IllegalStateException(e.getCause());
            }
            ctx.status(503).json(failing(detailed, "the storage cannot be read: " + failed.getMessage()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        Optional<String> failure = studies.storage().writeFailure().map(f -> "changes cannot be saved: " + f)
                .or(studies::dispatchFailure);
        body.put("status", failure.isPresent() ? "failing" : "ok");
        if (detailed) {
            failure.ifPresent(f -> body.put("problem", f));
            body.put("studies", count);
            studies.workers().ifPresent(n -> body.put("workers", n));
        }
        ctx.status(failure.isPresent() ? 503 : 200).json(body);
    }

    /** A failing health's body: with its problem for a caller who may read it. */
    private static Map<String, Object> failing(boolean detailed, String problem) {
        return detailed ? Map.of("status", "failing", "problem", problem) : Map.of("status", "failing");
    }

    private void routes(Javalin app) {
        app.before(this::checkRequest);
        app.get("/api/health", this::health);
        app.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
        app.post("/api/studies", this::submit);
        app.get("/api/studies", ctx -> ctx.json(studies.storage().studies().stream().map(this::listedView)
                .flatMap(Optional::stream).toList()));
        app.get("/api/studies/{name}", ctx -> {
            StudyInfo info = studies.info(name(ctx));
            List<FrozenTrial> trials = studies.storage().trials(info.name());
            Map<String, Object> view = studyView(info, trials);
            // As stored: a spec this build could no longer run is still shown.
            view.put("spec", info.attrs().get(StudyService.ATTR_SPEC));
            view.put("distributions", Views.distributions(trials));
            ctx.json(view);
        });
        app.get("/api/studies/{name}/trials", this::trials);
        app.get("/api/studies/{name}/curves", this::curves);
        app.get("/api/studies/{name}/trials/{number}", ctx -> ctx.json(Views.trialDetail(
                studies.storage().trial(studies.info(name(ctx)).name(), number(ctx)))));
        app.get("/api/studies/{name}/best", ctx -> {
            StudyInfo info = studies.info(name(ctx));
            List<FrozenTrial> trials = studies.storage().trials(info.name());
            FrozenTrial best = Views.best(trials, info.direction()).orElseThrow(() -> new ApiException(404, "",
                    Views.noBest(info.name(), trials)));
            ctx.json(Views.bestDetail(best));
        });
        app.get("/api/studies/{name}/importance", ctx -> {
            StudyInfo info = studies.info(name(ctx));
            List<FrozenTrial> trials = studies.storage().trials(info.name());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("method", ParameterImportance.METHOD);
            long completed = trials.stream().filter(t -> t.state() == TrialState.COMPLETE).count();
            body.put("completed", completed);
            // A forest per request would cost seconds on a large study that the page reloads as trials report (and
            // thirty requests at once computed thirty forests, an easy load to put on a server whose reads need no
            // token): see ImportanceCache.
            body.put("importance", importance.get(info, trials, completed));
            ctx.json(body);
        });
        app.post("/api/read-cookie", ctx -> {
            // Past checkRequest, so the request carries the token where the server has one: the cookie then holds its
            // read key, HttpOnly (no script reads it back), for this server's API paths only.
            if (token != null) {
                boolean https = ctx.scheme().equals("https") || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
                ctx.header("Set-Cookie", readCookie(ctx) + "=" + token.readKey() + "; Path=/api; HttpOnly; SameSite=Strict"
                        + (https ? "; Secure" : ""));
            }
            ctx.status(204);
        });
        app.post("/api/studies/{name}/stop", ctx -> {
            studies.stop(name(ctx));
            ctx.status(202).json(studyView(studies.info(name(ctx))));
        });
        app.post("/api/studies/{name}/resume", ctx -> {
            studies.resume(name(ctx));
            ctx.status(202).json(studyView(studies.info(name(ctx))));
        });
        app.delete("/api/studies/{name}", ctx -> {
            String name = name(ctx);
            studies.delete(name);
            importance.forget(name);
            ctx.status(204);
        });
        app.before("/api/studies/{name}/events", ctx -> {
            studies.info(name(ctx));
            if (!acceptsEventStream(ctx.header("Accept"))) {
                throw new ApiException(406, "Accept", "an event stream needs the header 'Accept: text/event-stream'"
                        + " (or text/*, */*, or none)");
            }
        });
        app.sse("/api/studies/{name}/events", client -> events.subscribe(client.ctx().pathParam("name"), client));
    }

    /** Whether an Accept header allows an event stream: absent, or naming it, all text types or all types (curl). */
    static boolean acceptsEventStream(String accept) {
        if (accept == null || accept.isBlank()) {
            return true;
        }
        for (String range : accept.split(",")) {
            String type = range.split(";")[0].strip().toLowerCase(Locale.ROOT);
            if (type.equals("text/event-stream") || type.equals("text/*") || type.equals("*/*")) {
                return true;
            }
        }
        return false;
    }

    private void submit(Context ctx) {
        // A body sent as a form (curl -d's default) or as text is no spec, however it reads: the API takes JSON.
        String type = ctx.header("Content-Type");
        if (type != null && !type.split(";", 2)[0].strip().equalsIgnoreCase("application/json")) {
            throw new ApiException(415, "Content-Type", "a spec is sent as application/json, got '" + shorten(type.strip())
                    + "' (curl: -H 'Content-Type: application/json')");
        }
        StudySpec spec = studies.parser().parse(boundedBody(ctx));
        // With loadIfExists, a study of that name goes on (200) where there is one, as Optuna's load_if_exists.
        StudyService.Submitted submitted = booleanParam(ctx, "loadIfExists") ? studies.submitOrGoOn(spec)
                : new StudyService.Submitted(studies.submit(spec), true);
        ctx.status(submitted.created() ? 201 : 200).header("Location", "/api/studies/" + submitted.info().name())
                .json(studyView(submitted.info()));
    }

    private void trials(Context ctx) {
        StudyInfo info = studies.info(name(ctx));
        Set<TrialState> states = states(String.join(",", ctx.queryParams("state")));
        Comparator<FrozenTrial> order = order(ctx.queryParam("sort"), info);
        int offset = intParam(ctx, "offset", 0, Integer.MAX_VALUE, 0);
        int limit = intParam(ctx, "limit", 1, MAX_PAGE, 100);
        // Every trial in number order from an offset (the dashboard reading on from its first unfinished trial):
        // trials are numbered from 0 with no gaps, so the ones before need not be read (from PostgreSQL, with their
        // curves). With none from there on, all are read, for the total.
        String sort = ctx.queryParam("sort");
        boolean byNumber = states.size() == TrialState.values().length
                && (sort == null || sort.isEmpty() || sort.equals("number"));
        List<FrozenTrial> rest = byNumber && offset > 0 ? studies.storage().trialsFrom(info.name(), offset) : List.of();
        int total;
        List<FrozenTrial> shown;
        if (!rest.isEmpty()) {
            total = offset + rest.size();
            shown = rest.stream().limit(limit).toList();
        } else {
            List<FrozenTrial> all = studies.storage().trials(info.name(), states).stream().sorted(order).toList();
            total = all.size();
            shown = all.stream().skip(offset).limit(limit).toList();
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("total", total);
        page.put("offset", offset);
        page.put("limit", limit);
        boolean curves = booleanParam(ctx, "curves");
        page.put("trials", shown.stream()
                .map(t -> curves ? Views.trialWithCurves(t) : Views.trialRow(t)).toList());
        ctx.json(page);
    }

    private void curves(Context ctx) {
        StudyInfo info = studies.info(name(ctx));
        String of = ctx.queryParam("of");
        LearningCurves.Of chosen = LearningCurves.Of.parse(of).orElseThrow(() -> new ApiException(400, "of",
                "unknown choice '" + shorten(of) + "' (expected latest, best or running)"));
        String metric = ctx.queryParam("metric");
        ctx.json(LearningCurves.view(studies.storage().trials(info.name()), info.direction(),
                metric == null || metric.isEmpty() ? LearningCurves.VALUE : metric, chosen));
    }

    /** A listed study's view; empty when it was deleted since the list was read (the list answered 404 then). */
    private Optional<Map<String, Object>> listedView(StudyInfo info) {
        try {
            return Optional.of(studyView(info));
        } catch (StudyNotFoundException e) {
            return Optional.empty();
        }
    }

    private Map<String, Object> studyView(StudyInfo info) {
        return studyView(info, studies.storage().trials(info.name()));
    }

    private Map<String, Object> studyView(StudyInfo info, List<FrozenTrial> trials) {
        Map<String, Object> view = Views.study(info, trials, studies.state(info, Study.counted(trials)),
                studies.lastError(info.name()));
        // A cluster's server with no worker up queues trials that nothing runs: say so, not just "running".
        if ("running".equals(view.get("state")) && studies.workers().orElse(-1) == 0) {
            view.put("waiting", NO_WORKER);
        }
        return view;
    }

    // ------------------------------------------------------------------------------------------------ input

    /**
     * The request body, read up to {@link #MAX_BODY_BYTES}: a body sent in chunks declares no length for
     * {@code checkRequest} to refuse, and was read whole (hundreds of megabytes).
     */
    private static String boundedBody(Context ctx) {
        byte[] body;
        try {
            body = ctx.req().getInputStream().readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            // Too slow (under the minimum rate), stalled past the idle timeout, or cut off: not a server error.
            throw new ApiException(408, "", "the request body did not arrive (it came slower than "
                    + MIN_BODY_BYTES_PER_SECOND + " bytes a second, stalled, or was cut off)");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw bodyTooLarge();
        }
        String declared = ctx.req().getCharacterEncoding();
        java.nio.charset.Charset charset;
        try {
            charset = declared == null ? java.nio.charset.StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(declared);
        } catch (IllegalArgumentException e) {
            throw new ApiException(415, "Content-Type", "unknown charset '" + shorten(declared) + "'");
        }
        try {
            // Refused, not mended: a stray byte would be stored as U+FFFD in a name or choice.
            return charset.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ApiException(400, "", "the body is not valid " + charset.name() + " text");
        }
    }

    /**
     * Answers a method no route takes: 405 with the methods the path's routes take (as Javalin does for a POST on a
     * GET route), or 404 when no route has the path. Dashboard files take GET only.
     */
    private void refuseMethod(Context ctx) {
        // Javalin keeps its routes to itself (its router is reached through its private config, pinned with its
        // version); the dashboard's files are the jar's.
        List<String> allowed = ctx.path().startsWith("/api/")
                ? Stream.of(HandlerType.GET, HandlerType.POST, HandlerType.DELETE)
                        .filter(type -> app.unsafeConfig().pvt.internalRouter.hasHttpHandlerEntry(type, ctx.path()))
                        .map(HandlerType::name).toList()
                : dashboardFile(ctx.path()) ? List.of("GET") : List.of();
        if (allowed.isEmpty()) {
            throw new ApiException(404, "", "no route " + ctx.method() + " " + shorten(ctx.path()));
        }
        throw methodNotAllowed(ctx, String.join(", ", allowed));
    }

    /** Whether the path names one of the dashboard's files (its pages, scripts, styles, the chart library). */
    private static boolean dashboardFile(String path) {
        String file = path.equals("/") ? "/index.html" : path;
        return !file.contains("..") && (TunaServer.class.getResource("/dev/tuna/web/dashboard" + file) != null
                || (file.startsWith("/webjars/") && TunaServer.class.getResource("/META-INF/resources" + file) != null));
    }

    /** 405 with the methods the path takes, in the Allow header and the detail. */
    private static ApiException methodNotAllowed(Context ctx, String allowed) {
        ctx.header("Allow", allowed);
        return new ApiException(405, "", "method " + ctx.method() + " not allowed on " + shorten(ctx.path())
                + "; it takes " + allowed);
    }

    private static ApiException bodyTooLarge() {
        return new ApiException(413, "", "the request body is larger than " + MAX_BODY_BYTES + " bytes");
    }

    private void checkRequest(Context ctx) {
        SECURITY_HEADERS.forEach(ctx::header);
        if (ctx.req().getContentLengthLong() > MAX_BODY_BYTES) { // a long: a length past 2^31 read as -1 (none)
            throw bodyTooLarge();
        }
        // HEAD too: Javalin answered it 200 with an empty text body on every API path, missing studies included.
        if (ctx.method() == HandlerType.PUT || ctx.method() == HandlerType.PATCH
                || (ctx.method() == HandlerType.HEAD && ctx.path().startsWith("/api/"))) {
            refuseMethod(ctx);
        }
        boolean mutating = ctx.method() == HandlerType.POST || ctx.method() == HandlerType.DELETE;
        if (!mutating && privateReads && ctx.path().startsWith("/api/") && !OPEN_READS.contains(ctx.path())
                && !token.accepts(ctx.header("Authorization")) && !token.isReadKey(ctx.cookie(readCookie(ctx)))) {
            // Reads take the token's read key from a cookie too: an event stream (EventSource) cannot send a header.
            // Changes do not, so that no other site's page can make one with the cookie the browser would send along.
            throw unauthorized(ctx, "reads too");
        }
        if (mutating && token != null && !token.accepts(ctx.header("Authorization"))) {
            throw unauthorized(ctx, "changes");
        }
        if (token == null) {
            checkLocalCaller(ctx, mutating);
        }
    }

    /** 401 for a request without the token, or with a wrong one, that needs it for {@code what}. */
    private static ApiException unauthorized(Context ctx, String what) {
        ctx.header("WWW-Authenticate", "Bearer");
        String given = ctx.header("Authorization");
        String said = given == null ? "no API token given"
                : ApiToken.bearer(given) ? "wrong API token"
                : "the Authorization header is not a Bearer token";
        return new ApiException(401, "Authorization", said + ": this server needs 'Authorization: Bearer TOKEN' for " + what + ", with the"
                + " token it printed at its first start (kept in its data folder's api-token file)");
    }

    /** The name of the read cookie of this server as the request reached it (its port). */
    private static String readCookie(Context ctx) {
        return READ_COOKIE + ctx.port();
    }

    /**
     * A loopback server takes changes without a token, so it must not take them from a web page of another site
     * that the user's browser happens to show. A page can post to 127.0.0.1 (a form, or a fetch with a "simple"
     * content type), and with DNS rebinding even read the answers under its own host name: so a request must name
     * a loopback host, and a change that comes from a page must come from this server's own pages.
     */
    private static void checkLocalCaller(Context ctx, boolean mutating) {
        String host = ctx.header("Host");
        if (host == null || !isLoopbackName(hostName(host))) {
            throw new ApiException(403, "Host", "this server answers only requests to a loopback address (127.0.0.1 or"
                    + " localhost), not to " + (host == null ? "no host" : "'" + host + "'"));
        }
        String origin = ctx.header("Origin");
        if (mutating && origin != null && !origin.equalsIgnoreCase("http://" + host)) {
            throw new ApiException(403, "Origin", "a change from a page of another site (" + origin + ") is refused");
        }
    }

    /** The host name of a Host header: without its port, and an IPv6 address without its brackets. */
    private static String hostName(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(1, end);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** Whether a host name is a loopback one, without asking DNS (whose answer a rebinding attack controls). */
    private static boolean isLoopbackName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals("localhost") || n.endsWith(".localhost") || n.equals("::1") || n.matches("127(\\.\\d{1,3}){3}");
    }

    /**
     * The study named in the path. A stored study is found under any name: one created from code may have a name
     * a spec could not (longer, other characters), and must still be shown and deleted; such a name that is not
     * stored (deleted, mistyped) is not found, like any other.
     */
    private String name(Context ctx) {
        String raw = ctx.pathParam("name");
        try {
            return StudySpec.checkName("name", raw);
        } catch (SpecException e) {
            // Only a name a spec could not have is looked up here: the routes read the study themselves.
            if (studies.storage().findStudy(raw).isPresent()) {
                return raw;
            }
            throw new ApiException(404, "name", "no study named '" + shorten(raw) + "'");
        }
    }

    private static int number(Context ctx) {
        String raw = ctx.pathParam("number");
        // Each trial has one address: parseInt alone took other spellings of its number too.
        if (!TRIAL_NUMBER.matcher(raw).matches()) {
            throw new ApiException(400, "number", "expected a trial number (0 or more), got '" + shorten(raw) + "'");
        }
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new ApiException(404, "number", "there is no trial " + shorten(raw)); // beyond any trial's number
        }
    }

    private static int intParam(Context ctx, String name, int min, int max, int fallback) {
        String raw = ctx.queryParam(name);
        if (raw == null) {
            return fallback;
        }
        if (ASCII_INTEGER.matcher(raw).matches()) {
            try {
                int v = Integer.parseInt(raw);
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // beyond an int: below
            }
        }
        throw new ApiException(400, name, "expected an integer from " + min + " to " + max + ", got '" + shorten(raw) + "'");
    }

    /** A query parameter that is true or false; absent is false. */
    private static boolean booleanParam(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.equalsIgnoreCase("false")) {
            return false;
        }
        if (raw.equalsIgnoreCase("true")) {
            return true;
        }
        throw new ApiException(400, name, "expected true or false, got '" + shorten(raw) + "'");
    }

    private static Set<TrialState> states(String raw) {
        if (raw == null || raw.isEmpty()) {
            return EnumSet.allOf(TrialState.class);
        }
        Set<TrialState> states = EnumSet.noneOf(TrialState.class);
        // split(",", -1): a trailing comma is an empty state as a leading one is (it was ignored).
        for (String s : raw.split(",", -1)) {
            try {
                states.add(TrialState.valueOf(s.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "state", "unknown trial state '" + shorten(s) + "' (expected "
                        + Arrays.toString(TrialState.values()) + ")");
            }
        }
        return states;
    }

    private static Comparator<FrozenTrial> order(String raw, StudyInfo info) {
        String sort = raw == null || raw.isEmpty() ? "number" : raw;
        boolean descending = sort.startsWith("-");
        String key = descending ? sort.substring(1) : sort;
        Comparator<FrozenTrial> c = switch (key) {
            case "number" -> Comparator.comparingInt(FrozenTrial::number);
            // Best first for "value", whatever the direction; trials without a value go last either way (below).
            case "value" -> Comparator.comparingDouble(t -> info.direction().toMinimization(t.value()));
            case "duration" -> Comparator.comparing(FrozenTrial::duration);
            default -> throw new ApiException(400, "sort", "unknown sort '" + shorten(sort)
                    + "' (expected number, value or duration, with '-' for the reverse order)");
        };
        Comparator<FrozenTrial> ordered = descending ? c.reversed() : c;
        if (!key.equals("value")) {
            return ordered;
        }
        Comparator<FrozenTrial> valueless = Comparator.comparing(t -> t.value() == null || t.value().isNaN());
        return valueless.thenComparing((a, b) -> a.value() == null || a.value().isNaN() ? 0 : ordered.compare(a, b));
    }

    private static String shorten(String s) {
        String shown = s.length() > 64 ? s.substring(0, 61) + "..." : s;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    // ------------------------------------------------------------------------------------------------ errors

    private void errors(Javalin app) {
        app.exception(ApiException.class, (e, ctx) -> problem(ctx, e.status(), e.field(), e.getMessage()));
        app.exception(SpecException.class, (e, ctx) -> problem(ctx, 400, e.field(), e.getMessage()));
        app.exception(StudyExistsException.class, (e, ctx) -> problem(ctx, 409, "name", e.getMessage()
                + (ctx.method() == HandlerType.POST && ctx.path().equals("/api/studies") ? ": to go on with it, submit"
                + " with loadIfExists=true (tuna submit --load-if-exists), or give this study a new name" : "")));
        app.exception(StudyNotFoundException.class, (e, ctx) -> problem(ctx, 404, "name", e.getMessage()));
        app.exception(TrialNotFoundException.class, (e, ctx) -> problem(ctx, 404, "number", e.getMessage()));
        app.exception(io.javalin.http.MethodNotAllowedResponse.class, (e, ctx) -> {
            ApiException refused = methodNotAllowed(ctx,
                    String.join(", ", e.getDetails().values()).replaceAll("[\\[\\]]", ""));
            problem(ctx, refused.status(), refused.field(), refused.getMessage());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> {
            if (e.getStatus() == 404) {
                notFound(ctx, e.getMessage());
            } else {
                problem(ctx, e.getStatus(), "", e.getMessage());
            }
        });
        app.exception(StorageException.class, (e, ctx) -> {
            int heldBack = storageFailureLog.pass();
            if (heldBack >= 0) {
                LOG.warn("{} {}: {}{}", ctx.method(), ctx.path(), e.toString(), heldBack == 0 ? ""
                        : " (and " + heldBack + " more request(s) failed on the storage since the last such line)");
            }
            problem(ctx, 503, "", "storage: " + e.getMessage());
        });
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            problem(ctx, 500, "", "internal error: " + e.getClass().getSimpleName());
        });
        app.error(404, ctx -> {
            if (!PROBLEM_JSON.equals(ctx.res().getContentType())) {
                notFound(ctx, "no route " + ctx.method() + " " + shorten(ctx.path()));
            }
        });
        app.error(405, ctx -> {
            if (!PROBLEM_JSON.equals(ctx.res().getContentType())) {
                problem(ctx, 405, "", "method " + ctx.method() + " not allowed on " + shorten(ctx.path()));
            }
        });
    }

    /** 404: a page for a browser's request outside the API, else a problem document. */
    private void notFound(Context ctx, String detail) {
        if (wantsPage(ctx)) {
            ctx.status(404).html(NOT_FOUND_PAGE);
        } else {
            problem(ctx, 404, "", detail);
        }
    }

    /** Whether a request for a missing path is a browser's, outside the API: it gets a page, not a problem. */
    private static boolean wantsPage(Context ctx) {
        String accept = ctx.header("Accept");
        return ctx.method() == HandlerType.GET && !ctx.path().startsWith("/api/") && accept != null
                && accept.contains("text/html");
    }

    private static final String NOT_FOUND_PAGE = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Tuna: no such page</title>
            <link rel="stylesheet" href="/app.css"></head>
            <body><header><h1><a href="/">Tuna</a> <span>no such page</span></h1></header>
            <main><p>There is no page at this address. <a href="/">See the list of studies.</a></p></main></body></html>
            """;

    private void problem(Context ctx, int status, String field, String detail) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "about:blank");
        p.put("title", io.javalin.http.HttpStatus.forStatus(status).getMessage());
        p.put("status", status);
        p.put("detail", detail == null ? "" : detail);
        p.put("field", field);
        try {
            ctx.status(status).contentType(PROBLEM_JSON).result(json.writeValueAsBytes(p));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = TunaServer.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("resource " + path + ": " + e.getMessage(), e);
        }
    }

    /** Stops serving; the studies' runs are the {@link StudyService}'s to stop. */
    @Override
    public void close() {
        events.close();
        app.stop();
    }
}
