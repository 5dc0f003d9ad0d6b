package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard as served: pages, scripts and the chart library from the jar, with headers that keep any markup
 * in user strings inert. (Rendering in a browser is for a headless-browser test.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardTest {
    static final List<String> PAGES = List.of("/index.html", "/study.html", "/trial.html");
    static final List<String> SCRIPTS = List.of("/common.js", "/index.js", "/study.js", "/trial.js");

    @TempDir
    static Path data;
    ServerRuntime runtime;
    Api api;

    @BeforeAll
    void start() {
        runtime = ServerRuntime.start(data, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn());
        api = new Api(runtime.port());
    }

    @AfterAll
    void stop() {
        runtime.close();
    }

    private HttpResponse<String> fetch(String path) throws Exception {
        return api.http.send(HttpRequest.newBuilder(URI.create(api.base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pagesScriptsAndChartsAreServedFromTheJarWithAStrictPolicy() throws Exception {
        HttpResponse<String> root = fetch("/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).contains("<table id=\"studies\">");
        for (String page : PAGES) {
            HttpResponse<String> r = fetch(page);
            assertThat(r.statusCode()).as(page).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(r.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'self'");
            // Every script comes from this server; none is inline, so the policy can forbid inline scripts.
            assertThat(Pattern.compile("<script(?![^>]*\\ssrc=\"/)").matcher(r.body()).find()).as(page).isFalse();
            assertThat(r.body()).doesNotContain("http://").doesNotContain("https://");
        }
        for (String script : SCRIPTS) {
            assertThat(fetch(script).statusCode()).as(script).isEqualTo(200);
        }
        HttpResponse<String> uplot = fetch("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
        assertThat(uplot.statusCode()).isEqualTo(200);
        assertThat(uplot.body()).contains("uPlot");
        assertThat(fetch("/api/health").headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    }

    @Test
    void scriptsNeverTurnDataIntoMarkup() throws IOException {
        for (String script : SCRIPTS) {
            String js;
            try (InputStream in = getClass().getResourceAsStream("/dev/tuna/web/dashboard" + script)) {
                js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            // Text nodes and attributes only: the sinks that parse HTML are never used.
            assertThat(js).as(script).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
        }
    }

    @Test
    void theStudyPageReadsRowsTheStudysDistributionsAndOnlyTheCurvesItDraws() {
        assertThat(api.post("/api/studies", Api.quadratic("dash", 4, 3, 0)).status()).isEqualTo(201);
        api.awaitJson("/api/studies/dash", s -> s.get("state").asText().equals("complete"), Duration.ofSeconds(60));
        // Rows: no curves, no distributions (the study has them once), the diagnoses that mark diverged trials.
        JsonNode row = api.get("/api/studies/dash/trials?limit=1000").json().get("trials").get(0);
        assertThat(row.has("intermediateValues") || row.has("distributions")).isFalse();
        assertThat(row.get("diagnoses").isArray()).isTrue();
        JsonNode study = api.get("/api/studies/dash").json();
        assertThat(study.get("distributions").get("x").get("log").asBoolean()).isFalse();
        assertThat(study.get("distributions").get("opt").get("choices")).extracting(JsonNode::asText).containsExactly("a", "b");
        JsonNode best = api.get("/api/studies/dash/curves?of=best&metric=value").json();
        assertThat(best.get("trials")).hasSize(4).allSatisfy(t -> assertThat(t.get("curve").size()).isEqualTo(3));
        assertThat(best.get("reported").asInt()).isEqualTo(4);
        // The whole trials with their curves, for other clients.
        assertThat(api.get("/api/studies/dash/trials?limit=1000&curves=true").json().get("trials"))
                .allSatisfy(t -> assertThat(t.get("intermediateValues").size()).isEqualTo(3));
        Api.Answer unknown = api.get("/api/studies/dash/curves?of=worst");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("field").asText()).isEqualTo("of");
        assertThat(unknown.json().get("detail").asText()).contains("unknown choice 'worst'", "latest, best or running");
    }
}
