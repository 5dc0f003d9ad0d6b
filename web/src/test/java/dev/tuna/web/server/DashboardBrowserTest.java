package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.Storage;
import dev.tuna.search.diagnosis.Diagnosis;
import dev.tuna.web.spec.Trainables;
import dev.tuna.worker.device.Devices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's headless Chromium driven through its chromedriver, against a server
 * with a finished study. It checks that the pages render their charts and tables from the API, that links lead
 * on, and that markup in user strings stays text. Screenshots go to {@code target/screenshots/}.
 * <p>
 * Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (Debian's {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs); other paths through {@code -Dtuna.chromium=} and
 * {@code -Dtuna.chromedriver=}. Without them the test fails and says so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    static final String MARKUP = "<img src=x onerror=alert(1)>";
    static final Path SHOTS = Path.of("target", "screenshots");

    @TempDir
    static Path data;
    ServerRuntime runtime;
    Api api;
    WebDriver browser;
    JsonNode best;

    @BeforeAll
    void start() throws IOException {
        Path chromium = Path.of(System.getProperty("tuna.chromium", "/usr/bin/chromium"));
        Path driver = Path.of(System.getProperty("tuna.chromedriver", "/usr/bin/chromedriver"));
        for (Path p : List.of(chromium, driver)) {
            if (!Files.isExecutable(p)) {
                throw new AssertionError("the browser test needs " + p + ": install Debian's chromium and chromium-driver "
                        + "(apt-get install chromium chromium-driver, as .ci/run does)");
            }
        }
        runtime = ServerRuntime.start(data, "127.0.0.1", 0, Devices.cpu(2), Trainables.builtIn());
        api = new Api(runtime.port());
        assertThat(api.post("/api/studies", """
                {"name": "branin", "trials": 30, "parallelism": 2, "sampler": {"type": "random", "seed": 3},
                 "pruner": {"type": "median"}, "trainable": {"type": "branin", "epochs": 5},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """).status()).isEqualTo(201);
        api.awaitJson("/api/studies/branin", s -> s.get("state").asText().equals("complete"), Duration.ofSeconds(60));
        best = api.get("/api/studies/branin/best").json();
        writeMarkupStudy(runtime.studies().storage());
        writeManyTrials(runtime.studies().storage(), MANY);
        writeConditionalStudy(runtime.studies().storage());
        writeWideStudy(runtime.studies().storage());
        writeFailingStudy(runtime.studies().storage());
        writeInfeasibleStudy(runtime.studies().storage());

        Files.createDirectories(SHOTS);
        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        // Generous: a script waits for the page's main thread, which a big study's page can keep busy for seconds on
        // a loaded machine (a CI run beside other work timed out at 10 s).
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20)).scriptTimeout(Duration.ofSeconds(30));
    }

    /**
     * A study as a library user could store it (no spec: names unchecked): a parameter named with markup, a
     * categorical choice and a user attribute holding markup, and one trial that diverged.
     */
    private static void writeMarkupStudy(Storage storage) {
        storage.createStudy("markup", Direction.MINIMIZE);
        storage.setStudyAttr("markup", dev.tuna.core.storage.StudyInfo.USER_ATTR_PREFIX + "dataset", MARKUP);
        storage.setStudyAttr("markup", dev.tuna.core.storage.StudyInfo.USER_ATTR_PREFIX + "split", Map.of("train", 0.8));
        FloatDistribution x = new FloatDistribution(0, 1);
        CategoricalDistribution choice = CategoricalDistribution.of(List.of(MARKUP, "plain"));
        for (int i = 0; i < 5; i++) {
            int n = storage.startTrial("markup").number();
            storage.setParam("markup", n, MARKUP, x, i / 5.0);
            storage.setParam("markup", n, "opt", choice, i % 2);
            storage.setUserAttr("markup", n, "note", MARKUP);
            if (i == 0) {
                storage.setSystemAttr("markup", n, "node", MARKUP); // as a cluster node records itself
            }
            for (int step = 1; step <= 4; step++) {
                double v = i == 4 && step >= 3 ? Double.NaN : 10 - step + i;
                storage.report("markup", n, step, v, Map.of("train_loss", v / 2));
            }
            if (i == 4) {
                storage.setSystemAttr("markup", n, Diagnosis.ATTR,
                        List.of(new Diagnosis(Diagnosis.DIVERGED, 3, "its value became NaN at step 3").toMap()));
                storage.finishTrial("markup", n, TrialState.PRUNED, null, "diverged: its value became NaN at step 3");
            } else {
                storage.finishTrial("markup", n, TrialState.COMPLETE, 6.0 + i, null);
            }
        }
    }

    /** More trials than one page of the API holds. */
    static final int MANY = 1003;

    private static void writeManyTrials(Storage storage, int count) {
        storage.createStudy("many", Direction.MINIMIZE);
        FloatDistribution x = new FloatDistribution(0, 1);
        for (int i = 0; i < count; i++) {
            int n = storage.startTrial("many").number();
            storage.setParam("many", n, "x", x, (i % 100) / 100.0);
            storage.report("many", n, 1, (double) i, Map.of());
            storage.finishTrial("many", n, TrialState.COMPLETE, (double) i, null); // the first trial is the best
        }
    }

    /** One trial that failed with a stack trace, so no completed one. */
    private static void writeFailingStudy(Storage storage) {
        storage.createStudy("failing", Direction.MINIMIZE);
        int n = storage.startTrial("failing").number();
        storage.setParam("failing", n, "x", new FloatDistribution(0, 1), 0.5);
        storage.setSystemAttr("failing", n, dev.tuna.core.FrozenTrial.ATTR_STACK_TRACE,
                "java.lang.IllegalStateException: boom\n\tat Objective.evaluate(Objective.java:1)");
        storage.finishTrial("failing", n, TrialState.FAIL, null, "java.lang.IllegalStateException: boom");
    }

    /** Two trials with finite values and two with infinite ones (a broken constraint, as the README suggests). */
    private static void writeInfeasibleStudy(Storage storage) {
        storage.createStudy("infeasible", Direction.MINIMIZE);
        double[] values = {2.0, Double.NEGATIVE_INFINITY, 1.0, Double.POSITIVE_INFINITY};
        for (double value : values) {
            int n = storage.startTrial("infeasible").number();
            storage.setParam("infeasible", n, "x", new FloatDistribution(0, 1), n / 4.0);
            storage.finishTrial("infeasible", n, TrialState.COMPLETE, value, null);
        }
    }

    /** Twelve parameters, of which p3 and p7 decide the value. */
    private static void writeWideStudy(Storage storage) {
        storage.createStudy("wide", Direction.MINIMIZE);
        FloatDistribution unit = new FloatDistribution(0, 1);
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < 60; i++) {
            int n = storage.startTrial("wide").number();
            double[] p = new double[12];
            for (int j = 0; j < p.length; j++) {
                p[j] = random.nextDouble();
                storage.setParam("wide", n, "p" + j, unit, p[j]);
            }
            storage.finishTrial("wide", n, TrialState.COMPLETE, 10 * p[3] + 5 * p[7] + 0.01 * p[0], null);
        }
    }

    /** A log-scale rate, a choice, and a depth that only trials of kind "b" have. */
    private static void writeConditionalStudy(Storage storage) {
        storage.createStudy("cond", Direction.MINIMIZE);
        FloatDistribution lr = new FloatDistribution(1e-5, 1, true, null);
        CategoricalDistribution kind = CategoricalDistribution.of(List.of("a", "b"));
        IntDistribution depth = new IntDistribution(1, 8);
        for (int i = 0; i < 6; i++) {
            int n = storage.startTrial("cond").number();
            storage.setParam("cond", n, "lr", lr, Math.pow(10, -i));
            storage.setParam("cond", n, "kind", kind, i % 2);
            if (i % 2 == 1) {
                storage.setParam("cond", n, "depth", depth, i);
            }
            storage.finishTrial("cond", n, TrialState.COMPLETE, i + 1.0, null); // all above 0: a log axis can show them
        }
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    private WebElement await(By by) {
        return awaitShown(by).getKey();
    }

    /**
     * The text of the first element {@code by} finds once it shows some, read in the same look: a live page may
     * replace the element right after, so reading it again from the element returned by {@link #await} may fail.
     */
    private String awaitText(By by) {
        return awaitShown(by).getValue();
    }

    private Map.Entry<WebElement, String> awaitShown(By by) {
        try {
            // A live page may redraw between finding an element and reading it: then it is found again.
            return new WebDriverWait(browser, Duration.ofSeconds(15))
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
                List<WebElement> found = d.findElements(by);
                String text = found.isEmpty() ? "" : found.get(0).getText();
                return text.isEmpty() ? null : Map.entry(found.get(0), text);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            // What the page showed and what its console said, to tell a script error from a slow server.
            List<String> console = browser.manage().logs().get(LogType.BROWSER).getAll().stream().map(Object::toString).toList();
            throw new AssertionError("no " + by + " on " + browser.getCurrentUrl() + "; console: " + console
                    + "; page: " + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** A screenshot of the whole page: the window grows to the page's height first. */
    private void screenshot(String name) {
        long height = (Long) js("return document.documentElement.scrollHeight");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1400, (int) Math.min(6000, height + 140)));
        try {
            Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve(name + ".png"),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 1000));
    }

    /** The width and height of each uPlot chart's canvas under a container, and its number of series. */
    @SuppressWarnings("unchecked")
    private List<Map<String, Long>> plots(String selector) {
        return (List<Map<String, Long>>) js("return [...document.querySelectorAll('" + selector + "')].map(c => ({"
                + "series: c.tunaPlot ? c.tunaPlot.series.length : 0, width: c.querySelector('canvas') ? c.querySelector('canvas').width : 0,"
                + "height: c.querySelector('canvas') ? c.querySelector('canvas').height : 0}))");
    }

    @Test
    void theDashboardShowsAFinishedStudysChartsBestTrialAndTrials() {
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='branin'] a"));
        // Read in one look: the list is drawn anew every 3 s.
        assertThat(js("return document.querySelector(\"tr[data-study='branin']\").innerText")).asString()
                .contains("complete", "30 / 30", "random", "median");
        screenshot("index");
        click(By.cssSelector("tr[data-study='branin'] a"));

        assertThat(awaitText(By.id("best-link"))).isEqualTo("#" + best.get("number").asInt());
        await(By.cssSelector("#trials tbody tr"));
        assertThat(plots("#history")).singleElement().satisfies(p -> {
            assertThat(p.get("series")).isEqualTo(3); // trial number, each value, the best so far
            assertThat(p.get("width")).isPositive();
            assertThat(p.get("height")).isPositive();
        });
        assertThat(plots("#curves")).singleElement().satisfies(p -> assertThat(p.get("series")).isGreaterThan(2));
        assertThat(plots("#slices .chart")).hasSize(2).allSatisfy(p -> assertThat(p.get("width")).isPositive());
        // The distribution of the values: one step per completed trial, in order, up to all of them.
        List<Double> values = new java.util.ArrayList<>();
        api.get("/api/studies/branin/trials").json().get("trials").forEach(t -> {
            if (t.get("state").asText().equals("COMPLETE")) values.add(t.get("value").asDouble());
        });
        java.util.Collections.sort(values);
        @SuppressWarnings("unchecked")
        List<List<Number>> edf = (List<List<Number>>) js("return document.getElementById('edf').tunaPlot.data");
        assertThat(edf.get(0)).extracting(Number::doubleValue).containsExactlyElementsOf(values);
        assertThat(edf.get(1)).extracting(Number::doubleValue).first().isEqualTo(1.0 / values.size());
        assertThat(edf.get(1)).extracting(Number::doubleValue).last().isEqualTo(1.0);
        // The parallel coordinates canvas has lines drawn on it.
        assertThat((Long) js("const c = document.getElementById('parallel'); const d = c.getContext('2d')"
                + ".getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n"))
                .isGreaterThan(1000);
        // Importance as the server computed it: one row per parameter, most important first, or why there is none.
        await(By.cssSelector("#importance tbody tr"));
        JsonNode importance = api.get("/api/studies/branin/importance").json();
        List<String> shown = browser.findElements(By.cssSelector("#importance tbody tr")).stream().map(WebElement::getText).toList();
        if (importance.get("importance").isEmpty()) {
            assertThat(shown).singleElement().asString().contains(importance.get("completed").asText() + " completed");
        } else {
            List<String> names = new java.util.ArrayList<>();
            importance.get("importance").fieldNames().forEachRemaining(names::add);
            assertThat(shown).hasSize(names.size());
            for (int i = 0; i < names.size(); i++) {
                assertThat(shown.get(i)).startsWith(names.get(i)).endsWith("%");
            }
        }
        JsonNode study = api.get("/api/studies/branin").json();
        if (study.get("counts").get("pruned").asInt() > 0) {
            assertThat(browser.findElement(By.id("saved")).getText()).contains("trials pruned", "% of the steps saved");
        }
        // The metrics of the curves: the objective's value and the trainable's train_loss.
        assertThat(new Select(browser.findElement(By.id("metric"))).getOptions()).extracting(WebElement::getText)
                .containsExactly("value", "train_loss");
        // Another metric's curves are read when it is chosen, and drawn instead.
        String curvesTitle = "return document.querySelector('#curves .u-title').textContent";
        assertThat(js(curvesTitle)).isEqualTo("value per step");
        new Select(browser.findElement(By.id("metric"))).selectByVisibleText("train_loss");
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> "train_loss per step".equals(js(curvesTitle)));
        // The lines drawn are those curves: the server's, trial by trial (the best trial's first).
        JsonNode trainLoss = api.get("/api/studies/branin/curves?metric=train_loss").json().get("trials");
        assertThat(js("const u = document.querySelector('#curves').tunaPlot;"
                + " return u.series.slice(1).map((s, i) => s.label.split(' ')[0] + '=' + u.data[i + 1].filter(v => v != null)"
                + ".map(String).join('/')).join(' ')"))
                .isEqualTo(java.util.stream.StreamSupport.stream(trainLoss.spliterator(), false)
                        .map(t -> "#" + t.get("number").asInt() + "=" + java.util.stream.StreamSupport.stream(
                                t.get("curve").spliterator(), false).map(v -> (String) js("return String(" + v.asDouble() + ")"))
                                .collect(java.util.stream.Collectors.joining("/")))
                        .collect(java.util.stream.Collectors.joining(" ")));
        new Select(browser.findElement(By.id("metric"))).selectByVisibleText("value");
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> "value per step".equals(js(curvesTitle)));
        screenshot("study");
        // A zoomed history keeps its range when a live update draws it again.
        js("document.getElementById('history').tunaPlot.setScale('x', {min: 2, max: 9})"); // as a drag would
        js("render()");
        assertThat(js("const h = document.getElementById('history');" // uPlot applies scales a moment later
                + " return [h.tunaPlot.scales.x.min, h.tunaPlot.scales.x.max]")).isEqualTo(List.of(2L, 9L));
        js("document.querySelector('#slices .chart').tunaPlot.setScale('x', {min: -2, max: 3})"); // so does a slice
        js("render()");
        assertThat(js("const s = document.querySelector('#slices .chart').tunaPlot; return [s.scales.x.min, s.scales.x.max]"))
                .isEqualTo(List.of(-2L, 3L));
        js("const h = document.getElementById('history'); h.tunaPlot.setScale('x', {min: h.tunaPlot.data[0][0],"
                + " max: h.tunaPlot.data[0][h.tunaPlot.data[0].length - 1]}); render()");
        // Branin's values are positive: a log scale is offered, and redraws the history and the curves.
        browser.findElement(By.id("log-scale")).click();
        assertThat(js("return [document.getElementById('history').tunaPlot.scales.y.distr,"
                + " document.getElementById('curves').tunaPlot.scales.y.distr]")).isEqualTo(List.of(3L, 3L));
        screenshot("study-log");

        // Sorting by value puts the best trial first; the state filter keeps only that state.
        List<WebElement> rows = browser.findElements(By.cssSelector("#trials tbody tr"));
        assertThat(rows).hasSize(30);
        click(By.cssSelector("#trials th[data-key='value']"));
        assertThat(browser.findElement(By.cssSelector("#trials tbody tr td a")).getText()).isEqualTo("#" + best.get("number").asInt());
        new Select(browser.findElement(By.id("state-filter"))).selectByVisibleText("COMPLETE");
        assertThat(browser.findElements(By.cssSelector("#trials tbody tr"))).hasSize(study.get("counts").get("complete").asInt())
                .allSatisfy(r -> assertThat(r.getAttribute("class")).contains("state-COMPLETE"));

        click(By.id("best-link"));
        assertThat(awaitText(By.id("state"))).isEqualTo("COMPLETE");
        assertThat(browser.findElements(By.cssSelector("#params tbody tr"))).hasSize(2);
        assertThat(plots("#charts .chart")).hasSize(2).allSatisfy(p -> assertThat(p.get("width")).isPositive());
        assertThat(browser.findElement(By.id("device")).getText()).isEqualTo("cpu");
        screenshot("trial");
    }

    @Test
    void onAPhonesScreenThePagesFitItsWidth() {
        ChromeDriver chrome = (ChromeDriver) browser;
        // A phone's screen, as the browser's developer tools emulate it: without a viewport of the device's width a
        // page is laid out 980 pixels wide and shrunk to fit.
        chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 390, "height", 844, "deviceScaleFactor", 2, "mobile", true));
        try {
            Map<String, By> pages = new java.util.LinkedHashMap<>();
            pages.put("/", By.cssSelector("tr[data-study='branin'] a"));
            pages.put("/study.html?name=branin", By.cssSelector("#trials tbody tr"));
            pages.put("/study.html?name=wide", By.cssSelector("#trials tbody tr"));
            pages.put("/study.html?name=markup", By.cssSelector("#trials tbody tr"));
            pages.put("/trial.html?study=branin&n=" + best.get("number").asInt(), By.id("state"));
            pages.put("/trial.html?study=failing&n=0", By.id("state"));
            for (Map.Entry<String, By> page : pages.entrySet()) {
                browser.get(api.base + page.getKey());
                await(page.getValue());
                // What reaches past the screen's right edge, named: a page wider than the screen is laid out wider
                // (and shrunk to fit) or scrolls sideways.
                assertThat(js("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
                        + " > 390.5 && !(e.parentElement && e.parentElement.closest('.scrolls'))).map(e => e.tagName"
                        + " + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')"
                        + " + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 12)"))
                        .as(page.getKey()).isEqualTo(List.of());
                assertThat(js("return [window.innerWidth, document.documentElement.scrollWidth]")).as(page.getKey())
                        .isEqualTo(List.of(390L, 390L));
            }
        } finally {
            chrome.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    @Test
    void theLearningCurveUnderTheCursorIsNamedAndAClickOpensItsTrial() {
        browser.get(api.base + "/study.html?name=branin");
        await(By.cssSelector("#trials tbody tr"));
        assertThat(browser.findElement(By.id("curves-focus")).getText()).isEmpty();
        // The mouse on a point of the first line drawn (offsets from the plot's centre, kept inside it), then a click.
        WebElement over = browser.findElement(By.cssSelector("#curves .u-over"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", over);
        @SuppressWarnings("unchecked")
        List<Number> at = (List<Number>) js("const u = document.getElementById('curves').tunaPlot;"
                + "const ks = u.data[1].map((v, i) => v == null ? -1 : i).filter(i => i >= 0), k = ks[Math.floor(ks.length / 2)];"
                + "const w = u.over.clientWidth / 2 - 2, h = u.over.clientHeight / 2 - 2, clamp = (v, m) => Math.max(-m, Math.min(m, v));"
                + "return [clamp(u.valToPos(u.data[0][k], 'x') - w - 2, w), clamp(u.valToPos(u.data[1][k], 'y') - h - 2, h)]");
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(over, at.get(0).intValue(), at.get(1).intValue()).perform();
        String named = browser.findElement(By.id("curves-focus")).getText();
        assertThat(named).matches("#(\\d+) (complete|pruned|fail)( diverged)? \\(click to open\\)");
        String number = named.substring(1, named.indexOf(' '));
        new org.openqa.selenium.interactions.Actions(browser).click().perform();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("trial.html"));
        assertThat(browser.getCurrentUrl()).endsWith("trial.html?study=branin&n=" + number);
    }

    @Test
    void aClickOnTheHistoryOpensTheTrialUnderTheCursor() {
        browser.get(api.base + "/study.html?name=branin");
        await(By.cssSelector("#trials tbody tr"));
        // The middle trial's point.
        List<Number> at = clickPoint("#history", "Math.floor(u.data[0].length / 2)");
        assertThat(browser.getCurrentUrl()).endsWith("trial.html?study=branin&n=" + at.get(0).intValue());
    }

    /**
     * Clicks point {@code k} (a script expression of the plot {@code u}) of the uPlot chart in {@code box}, the mouse
     * moved there first, and waits for a trial's page; returns the point's x and y.
     */
    private List<Number> clickPoint(String box, String k) {
        WebElement over = browser.findElement(By.cssSelector(box + " .u-over"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", over);
        // Offsets from the plot's centre, as Selenium moves to them.
        @SuppressWarnings("unchecked")
        List<Number> at = (List<Number>) js("const u = document.querySelector('" + box + "').tunaPlot, k = " + k + ";"
                + "const w = u.over.clientWidth / 2, h = u.over.clientHeight / 2;"
                + "return [u.valToPos(u.data[0][k], 'x') - w, u.valToPos(u.data[1][k], 'y') - h, u.data[0][k], u.data[1][k]]");
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(over, at.get(0).intValue(), at.get(1).intValue())
                .click().perform();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("trial.html"));
        return at.subList(2, 4);
    }

    @Test
    void theDistributionOfValuesComparesWithAnotherStudyOfTheSameDirection() {
        runtime.studies().storage().createStudy("maximised", Direction.MAXIMIZE); // its values do not compare
        browser.get(api.base + "/study.html?name=branin");
        await(By.cssSelector("#edf-compare option[value='markup']"));
        @SuppressWarnings("unchecked")
        List<String> offered = (List<String>) js("return [...document.querySelectorAll('#edf-compare option')].map(o => o.value)");
        assertThat(offered).startsWith("").contains("markup").doesNotContain("branin", "maximised");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("edf-compare"))).selectByValue("markup");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> (Boolean) js(
                "return document.getElementById('edf').tunaPlot.series.length === 3"));
        assertThat(js("return document.getElementById('edf').tunaPlot.series.slice(1).map(s => s.label)"))
                .isEqualTo(List.of("branin", "markup"));
        // markup's four completed values are 6, 7, 8 and 9: a quarter of them at most 6, all at most 9.
        @SuppressWarnings("unchecked")
        List<Number> at = (List<Number>) js("const d = document.getElementById('edf').tunaPlot.data;"
                + "return [6, 8.5, 9].map(x => d[2][d[0].findLastIndex(v => v <= x)])");
        assertThat(at).extracting(Number::doubleValue).containsExactly(0.25, 0.75, 1.0);
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("edf-compare"))).selectByValue("");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> (Boolean) js(
                "return document.getElementById('edf').tunaPlot.series.length === 2"));
        runtime.studies().storage().deleteStudy("maximised"); // the other tests' study lists as they were
        // A study without a completed trial draws the other study's curve alone.
        browser.get(api.base + "/study.html?name=failing");
        await(By.cssSelector("#edf-compare option[value='markup']"));
        assertThat(awaitText(By.cssSelector("#edf .empty"))).isEqualTo("No completed trial yet.");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("edf-compare"))).selectByValue("markup");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> (Boolean) js(
                "const u = document.getElementById('edf').tunaPlot; return u != null && u.series.length === 2"));
        assertThat(js("return document.getElementById('edf').tunaPlot.series[1].label")).isEqualTo("markup");
    }

    @Test
    void aClickOnASliceOpensTheTrialOfThePointUnderTheMouse() {
        browser.get(api.base + "/study.html?name=branin");
        await(By.cssSelector("#trials tbody tr"));
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> (Boolean) js(
                "return [...document.querySelectorAll('#slices .chart')].every(b => b.tunaPlot)"));
        // The point of the trial with the highest value of the last parameter (the slice's last point).
        List<Number> at = clickPoint("#slices .chart:last-child", "u.data[0].length - 1");
        int expected = -1;
        for (JsonNode t : api.get("/api/studies/branin/trials").json().get("trials")) {
            if (t.get("state").asText().equals("COMPLETE") && t.get("params").get("x2").asDouble() == at.get(0).doubleValue()
                    && t.get("value").asDouble() == at.get(1).doubleValue()) {
                expected = t.get("number").asInt();
            }
        }
        assertThat(expected).isNotNegative();
        assertThat(browser.getCurrentUrl()).endsWith("trial.html?study=branin&n=" + expected);
    }

    @Test
    void aStudySubmittedInTheFormGrowsLiveOnItsPage() {
        browser.get(api.base + "/");
        WebElement spec = new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> d.findElement(By.id("spec")));
        spec.clear();
        spec.sendKeys("""
                {"name": "live", "trials": 6, "sampler": {"type": "random", "seed": 1},
                 "trainable": {"type": "branin", "epochs": 4, "fixed": {"sleepMillis": 150}},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}""");
        browser.findElement(By.cssSelector("#submit button")).click();
        await(By.id("submitted")).click();
        // The study page loads once; what comes after arrives through its event stream (it does not poll).
        await(By.cssSelector("#trials tbody tr"));
        // The counts too: the page reads the study, then its trials, so the last trial may finish in between (its
        // event then draws the page again).
        new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> d.findElement(By.id("shown")).getText().equals("6 of 6 trials")
                        && d.findElements(By.cssSelector("#trials tbody tr.state-COMPLETE")).size() == 6
                        && d.findElement(By.id("counts")).getText().equals("6 complete"));
        assertThat(plots("#curves")).singleElement().satisfies(p -> assertThat(p.get("series")).isEqualTo(7));
        screenshot("live-study");

        browser.get(api.base + "/");
        spec = browser.findElement(By.id("spec"));
        spec.clear();
        spec.sendKeys("{\"name\": \"live\"}");
        browser.findElement(By.cssSelector("#submit button")).click();
        assertThat(awaitText(By.cssSelector("#submit-result .error"))).startsWith("trials: is required");
    }

    @Test
    void aStudyPageStopsResumesAndDeletesItsStudyAndATrialPageLinksItsNeighbours() {
        submitSlowStudy("onpage");
        browser.get(api.base + "/study.html?name=onpage");
        click(By.cssSelector("#study-actions button[data-action='stop']"));
        awaitState("onpage", "stopped");
        click(By.cssSelector("#study-actions button[data-action='resume']"));
        awaitState("onpage", "running");
        await(By.cssSelector("#study-actions button[data-action='stop']"));
        // A running trial's value cell shows what it reported last (it was empty).
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> ((List<?>) js("return [...document.querySelectorAll("
                + "'#trials tbody tr')].map(r => r.innerText)")).stream()
                .anyMatch(r -> r.toString().matches("(?s).*RUNNING\\s+\\S+ \\(step \\d+\\).*")));
        // A redraw while an action is on its way (held here until let go) draws its button disabled; once the action
        // is done, that button is enabled and keeps the keyboard's focus (it fell to the page's top).
        js("window.gate = []; window.send = Tuna.send;"
                + " Tuna.send = (...a) => new Promise(done => window.gate.push(() => done(window.send(...a))));");
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> {
                    d.findElement(By.cssSelector("#study-actions button[data-action='stop']")).sendKeys(Keys.ENTER);
                    return true;
                });
        js("Tuna.live(render)");
        assertThat(js("return document.querySelector(\"#study-actions button[data-action='stop']\").disabled")).isEqualTo(true);
        js("Tuna.send = window.send; window.gate.forEach(go => go())");
        awaitState("onpage", "stopped");
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(d -> "resume".equals(js("return document.activeElement.dataset.action")));
        click(By.cssSelector("#study-actions button[data-action='resume']"));
        awaitState("onpage", "running");

        // A trial's page links the trials before and after it; the first has none before.
        api.awaitJson("/api/studies/onpage", s -> s.get("finished").asInt() >= 3, Duration.ofSeconds(30));
        browser.get(api.base + "/trial.html?study=onpage&n=1");
        assertThat(await(By.id("previous-trial")).getAttribute("href")).endsWith("/trial.html?study=onpage&n=0");
        browser.findElement(By.id("next-trial")).click();
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> d.findElement(By.id("title")).getText().equals("trial #2"));
        browser.get(api.base + "/trial.html?study=onpage&n=0");
        await(By.id("next-trial"));
        assertThat(browser.findElements(By.id("previous-trial"))).isEmpty();

        browser.get(api.base + "/study.html?name=onpage");
        click(By.cssSelector("#study-actions button[data-action='delete']"));
        browser.switchTo().alert().accept();
        new WebDriverWait(browser, Duration.ofSeconds(40)).until(d -> d.getCurrentUrl().equals(api.base + "/"));
        assertThat(api.get("/api/studies/onpage").status()).isEqualTo(404);
    }

    @Test
    void liveUpdatesReadAgainOnlyTheTrialsThatChanged() {
        assertThat(api.post("/api/studies", """
                {"name": "partial", "trials": 8, "sampler": {"type": "random", "seed": 2},
                 "trainable": {"type": "branin", "epochs": 3, "fixed": {"sleepMillis": 120}},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """).status()).isEqualTo(201);
        browser.get(api.base + "/study.html?name=partial");
        await(By.cssSelector("#trials tbody tr"));
        js("window.trialReads = []; const real = window.fetch;"
                + " window.fetch = (url, o) => { if (String(url).includes('/trials?')) window.trialReads.push(String(url));"
                + " return real(url, o); };");
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("shown")).getText().equals("8 of 8 trials")
                && d.findElements(By.cssSelector("#trials tbody tr.state-COMPLETE")).size() == 8);
        @SuppressWarnings("unchecked")
        List<String> reads = (List<String>) js("return window.trialReads;");
        assertThat(reads).anySatisfy(url -> assertThat(url).matches(".*offset=[1-9]\\d*$"));
        // What the page kept from before matches the server: every trial's value, in the table sorted by number.
        @SuppressWarnings("unchecked") // read in one go: a redraw between two reads leaves stale elements
        List<String> shown = (List<String>) js("return [...document.querySelectorAll('#trials tbody tr td:nth-child(3)')]"
                + ".map(td => td.textContent)");
        List<String> stored = new ArrayList<>();
        api.get("/api/studies/partial/trials").json().get("trials")
                .forEach(t -> stored.add((String) js("return Tuna.fmt(" + t.get("value").asDouble() + ");")));
        assertThat(shown).containsExactlyElementsOf(stored);
    }

    @Test
    void theStudyListSortsByAHeaderAndStopsResumesAndDeletesAStudy() {
        submitSlowStudy("slow");
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='slow'] button[data-action='stop']"));
        List<String> names = api.get("/api/studies").json().findValuesAsText("name");
        // The studies here are named in lower-case ASCII, where the browser's locale order is the plain one.
        assertThat(names).allMatch(n -> n.matches("[a-z]+"));
        List<String> ascending = names.stream().sorted().toList();
        List<String> descending = names.stream().sorted(java.util.Comparator.reverseOrder()).toList();
        click(By.cssSelector("#studies th[data-key='name']"));
        assertThat(studyRows()).containsExactlyElementsOf(ascending);
        click(By.cssSelector("#studies th[data-key='name']"));
        assertThat(studyRows()).containsExactlyElementsOf(descending);
        // The creation time is shown in the browser's locale, the instant itself in the cell's title (read in one go).
        @SuppressWarnings("unchecked")
        List<String> created = (List<String>) js("const c = document.querySelector(\"tr[data-study='slow'] td.created\");"
                + " return [c.title, c.textContent]");
        assertThat(created.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT.*");
        assertThat(created.get(1)).isNotEqualTo(created.get(0)).isNotBlank();

        click(By.cssSelector("tr[data-study='slow'] button[data-action='stop']"));
        awaitState("slow", "stopped");
        // The focus moves to the Resume button that took Stop's place (it fell to the page's top).
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "resume".equals(js("return document.activeElement.dataset.action")));
        assertThat(js("return document.activeElement.closest('tr').dataset.study")).isEqualTo("slow");
        click(By.cssSelector("tr[data-study='slow'] button[data-action='resume']"));
        awaitState("slow", "running");
        await(By.cssSelector("tr[data-study='slow'] button[data-action='stop']"));

        click(By.cssSelector("tr[data-study='slow'] button[data-action='delete']"));
        browser.switchTo().alert().dismiss(); // asked first: nothing is deleted
        assertThat(api.get("/api/studies/slow").status()).isEqualTo(200);
        click(By.cssSelector("tr[data-study='slow'] button[data-action='delete']"));
        browser.switchTo().alert().accept();
        new WebDriverWait(browser, Duration.ofSeconds(40)).until(d -> d.findElements(By.cssSelector("tr[data-study='slow']")).isEmpty());
        assertThat(api.get("/api/studies/slow").status()).isEqualTo(404);
        assertThat(studyRows()).containsExactlyElementsOf(descending.stream().filter(n -> !n.equals("slow")).toList());
    }

    @Test
    void anEmptyStudyListSaysHowToStart(@TempDir Path empty) {
        try (ServerRuntime fresh = ServerRuntime.start(empty, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn())) {
            browser.get("http://127.0.0.1:" + fresh.port() + "/");
            assertThat(awaitText(By.id("no-studies"))).contains("No studies yet", "./tuna demo");
        }
    }

    @Test
    void theStudyListFiltersByNameAndEveryPageWarnsWhileChangesCannotBeSaved() {
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='branin']"));
        WebElement filter = browser.findElement(By.id("filter"));
        filter.sendKeys("BRAN");
        assertThat(studyRows()).containsExactly("branin");
        filter.sendKeys("x");
        assertThat(awaitText(By.id("no-studies"))).isEqualTo("No study name contains \u201cBRANx\u201d.");
        filter.clear();
        filter.sendKeys(" "); // typing, so that the list redraws: every study again
        assertThat(studyRows()).hasSameSizeAs(api.get("/api/studies").json().findValuesAsText("name"));

        assertThat(browser.findElement(By.id("health")).getText()).isEmpty();
        // The server's answer while its disk is full, in place of the real one.
        js("const real = window.fetch; window.fetch = (url, o) => String(url).endsWith('/api/health')"
                + " ? Promise.resolve(new Response(JSON.stringify({status: 'failing', problem: 'changes cannot be saved: "
                + "cannot write tuna.db.journal: No space left on device'}), {status: 503})) : real(url, o);"
                + " Tuna.checkHealth();");
        assertThat(awaitText(By.id("health"))).isEqualTo("Storage problem: changes cannot be saved: cannot write "
                + "tuna.db.journal: No space left on device. Nothing new is kept until it is fixed.");

        // A cluster's server with no worker up (ClusterTest checks the server's side).
        js("const real = window.fetch; window.fetch = (url, o) => String(url).endsWith('/api/health')"
                + " ? Promise.resolve(new Response(JSON.stringify({status: 'ok', studies: 2, workers: 0}))) : real(url, o);"
                + " Tuna.checkHealth();");
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> d.findElement(By.id("health")).getText()
                .equals("No worker is up: queued trials wait until one joins (tuna worker --db URL)."));
    }

    @Test
    void onAServerThatNeedsATokenTheDashboardAsksForItOnceAndKeepsIt(@TempDir Path guarded) {
        try (ServerRuntime open = ServerRuntime.start(guarded, "0.0.0.0", 0, Devices.cpu(1), Trainables.builtIn())) {
            String base = "http://127.0.0.1:" + open.port();
            browser.get(base + "/");
            js("localStorage.removeItem('tuna-token');");
            WebElement spec = new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> d.findElement(By.id("spec")));
            spec.clear();
            spec.sendKeys(Api.quadratic("guarded", 1, 1, 0));
            browser.findElement(By.cssSelector("#submit button")).click();
            org.openqa.selenium.Alert asked = new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
            assertThat(asked.getText()).contains("API token");
            asked.sendKeys(open.token().value() + "\u2026"); // not a token: no header could carry it
            asked.accept();
            org.openqa.selenium.Alert again = new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
            assertThat(again.getText()).startsWith("That is not an API token");
            again.sendKeys(open.token().value());
            again.accept();
            assertThat(awaitText(By.id("submitted"))).isEqualTo("guarded");
            // Kept: the next change goes through without asking (Delete asks only to confirm).
            click(By.cssSelector("tr[data-study='guarded'] button[data-action='delete']"));
            org.openqa.selenium.Alert confirm = browser.switchTo().alert();
            assertThat(confirm.getText()).startsWith("Delete study guarded");
            confirm.accept();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElements(By.cssSelector("tr[data-study='guarded']")).isEmpty());
            assertThat(new Api(open.port()).get("/api/studies/guarded").status()).isEqualTo(404);
            js("localStorage.removeItem('tuna-token');");
        }
    }

    @Test
    void onAServerWhoseReadsNeedTheTokenTheEventStreamsTakeAReadKeyFromAnHttpOnlyCookie(@TempDir Path guarded) {
        try (ServerRuntime closed = ServerRuntime.start(guarded, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn(), true)) {
            Api holder = new Api(closed.port());
            holder.token = closed.token().value();
            assertThat(holder.post("/api/studies", Api.quadratic("private", 1, 1, 0)).status()).isEqualTo(201);
            browser.get("http://127.0.0.1:" + closed.port() + "/"); // an origin of its own: no token kept for it yet
            org.openqa.selenium.Alert asked = new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
            assertThat(asked.getText()).contains("API token for reads");
            asked.sendKeys(closed.token().value());
            asked.accept();
            new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> !d.findElements(
                    By.cssSelector("tr[data-study='private']")).isEmpty());
            // The token is in no cookie a script (or another port of the host) sees; an event stream opens all the same.
            assertThat((String) js("return document.cookie")).doesNotContain(closed.token().value());
            Object state = ((org.openqa.selenium.JavascriptExecutor) browser).executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                    + " Tuna.readCookie.then(() => { const es = new EventSource('/api/studies/private/events');"
                    + " es.onopen = () => { es.close(); done('open'); };"
                    + " es.onerror = () => { if (es.readyState === EventSource.CLOSED) done('refused'); }; });");
            assertThat(state).isEqualTo("open");
            js("localStorage.removeItem('tuna-token');");
        }
    }

    /** The study list's rows, top to bottom, read in one go (the list is redrawn every 3 s while a study runs). */
    @SuppressWarnings("unchecked")
    private List<String> studyRows() {
        return (List<String>) js("return [...document.querySelectorAll('#studies tbody tr[data-study]')]"
                + ".map(r => r.dataset.study)");
    }

    /** Submits a study of 500 slow trials: one that runs for as long as a test needs. */
    private void submitSlowStudy(String name) {
        assertThat(api.post("/api/studies", """
                {"name": "%s", "trials": 500, "sampler": {"type": "random", "seed": 1},
                 "trainable": {"type": "branin", "epochs": 2, "fixed": {"sleepMillis": 100}},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """.formatted(name)).status()).isEqualTo(201);
    }

    /** Waits for the API to show a study in a state (running, stopped, ...). */
    private void awaitState(String name, String state) {
        api.awaitJson("/api/studies/" + name, s -> s.get("state").asText().equals(state), Duration.ofSeconds(30));
    }

    /**
     * Clicks what the selector finds, finding it again if the page was redrawn (a list every 3 s, a running study's
     * page at each event) in between, or the click landed on what a redraw put there.
     */
    private void click(By by) {
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.ElementClickInterceptedException.class)
                .until(d -> {
                    d.findElement(by).click();
                    return true;
                });
    }

    @Test
    void aStudyPageShowsEveryTrialNotOnlyTheFirstPage() {
        browser.get(api.base + "/study.html?name=many");
        assertThat(awaitText(By.id("shown"))).isEqualTo(MANY + " of " + MANY + " trials");
        // Read once: when its event stream opens, the page reads again only from the first unfinished trial (here
        // none: from the end). It read every trial a second time.
        String reads = "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/trials?'))";
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> ((List<?>) js(reads)).stream()
                .anyMatch(url -> String.valueOf(url).endsWith("offset=" + MANY)));
        assertThat(((List<?>) js(reads)).stream().filter(url -> String.valueOf(url).endsWith("offset=0"))).hasSize(1);
        // Without their curves: the page reads only those it draws (every trial's took seconds on large studies).
        assertThat(((List<?>) js(reads)).stream().map(String::valueOf)).noneMatch(url -> url.contains("curves=true"));
        assertThat(browser.findElement(By.id("best")).getText()).contains("#0");
        // The learning curves: the latest 60 trials, and the best one although it is the oldest (x is a series too).
        assertThat(plots("#curves")).singleElement().satisfies(p -> assertThat(p.get("series")).isEqualTo(62L));
        // The best 60 instead (trial i has value i): trials 0 to 59.
        // The server picks them: the page reads them when the choice changes.
        new Select(browser.findElement(By.id("curves-of"))).selectByValue("best");
        String bestLabels = java.util.stream.IntStream.range(0, 60).mapToObj(i -> "#" + i + " complete")
                .collect(java.util.stream.Collectors.joining(","));
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> bestLabels.equals(
                js("return document.querySelector('#curves').tunaPlot.series.slice(1).map(s => s.label).join();")));
        new Select(browser.findElement(By.id("curves-of"))).selectByValue("running");
        assertThat(awaitText(By.cssSelector("#curves .empty"))).isEqualTo("No trial is running.");
        // Back to the same trials: the chart comes back (one kept for new data had been cleared with the message).
        new Select(browser.findElement(By.id("curves-of"))).selectByValue("best");
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> d.findElements(By.cssSelector("#curves .empty")).isEmpty());
        assertThat(plots("#curves")).singleElement().satisfies(p -> assertThat(p.get("series")).isGreaterThan(2));
        // A trial that runs but has reported nothing yet is told apart from none running.
        Storage storage = runtime.studies().storage();
        storage.createStudy("waits", Direction.MINIMIZE);
        storage.startTrial("waits");
        storage.report("waits", 0, 1, 1.0, Map.of());
        storage.finishTrial("waits", 0, TrialState.COMPLETE, 1.0, null);
        storage.startTrial("waits");
        browser.get(api.base + "/study.html?name=waits");
        await(By.cssSelector("#trials tbody tr"));
        new Select(browser.findElement(By.id("curves-of"))).selectByValue("running");
        // A running trial's page is drawn again as its duration grows: read again if the text went stale.
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> d.findElement(By.cssSelector("#curves .empty")).getText()
                        .equals("1 trial runs; none has reported a step yet."));

        // A scheduled study's trials are per firing.
        storage.createStudy("cronned", Direction.MINIMIZE);
        storage.setStudyAttr("cronned", StudyService.ATTR_SPEC, Map.of("trials", 3, "cron", "0 0 * * * ?"));
        browser.get(api.base + "/study.html?name=cronned");
        assertThat(awaitText(By.id("progress"))).isEqualTo("0 (3 a run, on cron 0 0 * * * ?)");
    }

    @Test
    void aStudyPageLeftForAnotherClosesItsEventStream() throws InterruptedException {
        EventHub hub = runtime.server().events();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='branin'] a"));
        awaitNoListeners(hub, "markup", deadline); // pages of other tests, left already
        browser.get(api.base + "/study.html?name=markup");
        await(By.id("shown"));
        while (hub.listeners("markup") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(hub.listeners("markup")).isEqualTo(1);

        // The browser keeps the left page in its back/forward cache; its stream must not stay open with it.
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='branin'] a"));
        awaitNoListeners(hub, "markup", deadline);
        assertThat(hub.listeners("markup")).isZero();
    }

    private static void awaitNoListeners(EventHub hub, String study, long deadline) throws InterruptedException {
        while (hub.listeners(study) > 0 && System.nanoTime() < deadline) {
            hub.heartbeat(); // a closed connection is noticed when the server writes to it
            Thread.sleep(100);
        }
    }

    @Test
    void parallelCoordinatesOfManyParametersShowTheMostImportantAndTheOnesTicked() {
        browser.get(api.base + "/study.html?name=wide");
        await(By.cssSelector("#parallel-axes label"));
        // The best trial's line names 8 of its 12 parameters; the other 4 fold away.
        WebElement folded = browser.findElement(By.id("best-params"));
        assertThat(folded.findElement(By.tagName("summary")).getText()).isEqualTo("and 4 more");
        assertThat(folded.getAttribute("open")).isNull();
        assertThat(browser.findElement(By.id("best")).getText()).contains("p0 = ", "p7 = ");
        folded.findElement(By.tagName("summary")).click();
        assertThat(folded.getAttribute("open")).isNotNull();
        assertThat(folded.getText()).contains("p8 = ", "p11 = ");
        assertThat(browser.findElements(By.cssSelector("#parallel-axes input"))).hasSize(12);
        // The default waits for the importance: then the 8 most important, p3 and p7 among them.
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> axes().containsAll(List.of("p3", "p7", "value")));
        assertThat(axes()).hasSize(9);
        assertThat(browser.findElements(By.cssSelector("#parallel-axes input:checked"))).hasSize(8);
        assertThat(browser.findElement(By.id("parallel-axes")).getText()).startsWith("Showing 8 of 12 parameters (the most important)");
        screenshot("parallel-many");

        // The slices show the same parameters.
        assertThat(sliceTitles()).hasSize(8).contains("p3", "p7");

        // A range on an axis keeps the axis drawn when the importance ranking moves it out of the 8.
        String brushed = axes().get(0);
        dragOnParallelAxis(0, 1.0, 0.5);
        assertThat((Boolean) js("return brushes.has('p:" + brushed + "')")).isTrue();
        js("importanceOrder = importanceOrder.filter(n => n !== '" + brushed + "').concat(['" + brushed + "']); parallel();");
        assertThat(axes()).contains(brushed).hasSize(10);
        assertThat((Boolean) js("return brushes.has('p:" + brushed + "')")).isTrue();
        browser.findElement(By.id("clear-selection")).click();
        js("parallel();");
        assertThat(axes()).doesNotContain(brushed).hasSize(9);

        browser.findElement(By.cssSelector("#parallel-axes input[data-param='p7']")).click();
        assertThat(axes()).hasSize(8).doesNotContain("p7");
        assertThat(sliceTitles()).hasSize(7).doesNotContain("p7");
        for (WebElement tick : browser.findElements(By.cssSelector("#parallel-axes input:not(:checked)"))) {
            tick.click(); // the boxes stay the same elements: only the drawing changes
        }
        assertThat(axes()).hasSize(13);
        assertThat(browser.findElement(By.id("parallel-axes")).getText()).startsWith("Parameters here and in the slices:");
    }

    @Test
    void draggingAlongAParallelAxisSelectsTheTrialsInItsRangeAndAClickClearsIt() {
        browser.get(api.base + "/study.html?name=branin");
        assertThat(awaitText(By.id("parallel-selection"))).startsWith("Drag along an axis to select");
        List<double[]> complete = new ArrayList<>(); // x1 and value of each completed trial
        for (JsonNode t : api.get("/api/studies/branin/trials?state=COMPLETE&limit=1000").json().get("trials")) {
            complete.add(new double[] {t.get("params").get("x1").asDouble(), t.get("value").asDouble()});
        }
        double low = complete.stream().mapToDouble(t -> t[0]).min().orElseThrow();
        double high = complete.stream().mapToDouble(t -> t[0]).max().orElseThrow();

        // The upper half of x1's axis: the trials whose x1 is above its middle, give or take a pixel.
        dragOnParallelAxis(0, 1.0, 0.5);
        double from = ((Number) js("return brushes.get('p:x1').low")).doubleValue();
        assertThat(from).isCloseTo((low + high) / 2, org.assertj.core.data.Offset.offset((high - low) * 0.02));
        assertThat((Boolean) js("return brushes.get('p:x1').high === Infinity")).isTrue(); // dragged to the top
        long inRange = complete.stream().filter(t -> t[0] >= from).count();
        assertThat(inRange).isBetween(1L, complete.size() - 1L);
        assertThat(browser.findElement(By.id("parallel-selection")).getText())
                .isEqualTo(inRange + " of " + complete.size() + " completed trials selected; the trials table shows only them.");
        assertThat(browser.findElement(By.id("shown")).getText()).isEqualTo(inRange + " of 30 trials (those selected in the"
                + " parallel coordinates)");
        assertThat(browser.findElements(By.cssSelector("#trials tbody tr"))).hasSize((int) inRange);
        screenshot("parallel-selection");

        // A second range, on the value's axis (its lower half), narrows the selection to trials in both.
        dragOnParallelAxis(2, 0.0, 0.5);
        double under = ((Number) js("return brushes.get('value').high")).doubleValue();
        assertThat((Boolean) js("return brushes.get('value').low === -Infinity")).isTrue(); // from the bottom
        long inBoth = complete.stream().filter(t -> t[0] >= from && t[1] <= under).count();
        assertThat(browser.findElement(By.id("parallel-selection")).getText()).startsWith(inBoth + " of ");

        // A click on x1's axis clears its range only; the button clears the rest.
        dragOnParallelAxis(0, 0.3, 0.3);
        assertThat((Boolean) js("return brushes.has('p:x1')")).isFalse();
        assertThat(browser.findElement(By.id("parallel-selection")).getText())
                .startsWith(complete.stream().filter(t -> t[1] <= under).count() + " of ");
        browser.findElement(By.id("clear-selection")).click();
        assertThat(browser.findElement(By.id("parallel-selection")).getText()).startsWith("Drag along an axis");
        assertThat(browser.findElement(By.id("clear-selection")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("shown")).getText()).isEqualTo("30 of 30 trials");

        // On a categorical axis a range takes in the choices it covers.
        browser.get(api.base + "/study.html?name=markup");
        await(By.id("parallel-selection"));
        dragOnParallelAxis(1, 1.0, 0.8);
        assertThat((List<?>) js("return brushes.get('p:opt').choices")).hasSize(1);
        assertThat(browser.findElement(By.id("parallel-selection")).getText()).startsWith("2 of 4 completed trials selected");
        // A drag between the two choices takes in none: no range is left, rather than an invisible empty one.
        dragOnParallelAxis(1, 0.4, 0.6);
        assertThat((Boolean) js("return brushes.has('p:opt')")).isFalse();
        assertThat(browser.findElement(By.id("parallel-selection")).getText()).startsWith("Drag along an axis");
    }

    @Test
    void aRangeTypedFromTheKeyboardSelectsAsADragDoes() throws Exception {
        browser.get(api.base + "/study.html?name=branin");
        await(By.id("parallel-selection"));
        double middle = 2.5;
        long above = 0;
        long complete = 0;
        for (JsonNode t : api.get("/api/studies/branin/trials?state=COMPLETE&limit=1000").json().get("trials")) {
            complete++;
            above += t.get("params").get("x1").asDouble() >= middle ? 1 : 0;
        }
        new Select(browser.findElement(By.id("range-axis"))).selectByVisibleText("x1");
        WebElement from = browser.findElement(By.id("range-low"));
        from.sendKeys("2.5", Keys.ENTER);
        assertThat(browser.findElement(By.id("parallel-selection")).getText())
                .isEqualTo(above + " of " + complete + " completed trials selected; the trials table shows only them.");
        assertThat((Boolean) js("return brushes.get('p:x1').high === Infinity")).isTrue(); // an empty end is open
        screenshot("parallel-typed");

        // Not a number: the field and the problem are named, and the selection stays.
        from.clear();
        from.sendKeys("abc", Keys.ENTER);
        assertThat(browser.findElement(By.id("range-error")).getText()).isEqualTo("from: \"abc\" is not a number");
        assertThat(browser.findElement(By.id("parallel-selection")).getText()).startsWith(above + " of ");
        // A logarithmic axis takes only values above 0 (a range from -1 was kept but could not be drawn).
        assertThat(js("try { numericAxis('k', 'lr', t => 1, [0.001, 0.1], true).typed('-1', ''); return 'kept'; }"
                + " catch (e) { return e.message; }")).isEqualTo("from: -1 is not above 0, and this axis is logarithmic");
        // Both ends emptied: the axis's range goes.
        from.clear();
        from.sendKeys(Keys.ENTER);
        assertThat(browser.findElement(By.id("parallel-selection")).getText()).startsWith("Drag along an axis");

        // On a categorical axis, from one choice to another; an unknown one is named with the choices there are.
        browser.get(api.base + "/study.html?name=markup");
        await(By.id("parallel-selection"));
        new Select(browser.findElement(By.id("range-axis"))).selectByVisibleText("opt");
        browser.findElement(By.id("range-low")).sendKeys("plain");
        browser.findElement(By.id("range-high")).sendKeys("plain", Keys.ENTER);
        assertThat((List<Object>) js("return brushes.get('p:opt').choices")).containsExactly("plain");
        assertThat(browser.findElement(By.id("parallel-selection")).getText()).startsWith("2 of 4 completed trials selected");
        browser.findElement(By.id("range-low")).clear();
        browser.findElement(By.id("range-low")).sendKeys("plain");
        browser.findElement(By.id("range-high")).clear();
        browser.findElement(By.id("range-high")).sendKeys(MARKUP, Keys.ENTER);
        assertThat(browser.findElement(By.id("range-error")).getText())
                .isEqualTo("from: \"plain\" comes after to (" + new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(MARKUP) + ")");
        browser.findElement(By.id("range-high")).clear();
        browser.findElement(By.id("range-high")).sendKeys("plainx", Keys.ENTER);
        assertThat(browser.findElement(By.id("range-error")).getText())
                .isEqualTo("to: no choice \"plainx\" (the choices: " + MARKUP + ", plain)");
    }

    @Test
    void theContourShowsTheValueOverTwoParametersAndOpensTheTrialUnderTheMouse() {
        browser.get(api.base + "/study.html?name=branin");
        int complete = api.get("/api/studies/branin/trials?state=COMPLETE&limit=1000").json().get("trials").size();
        assertThat(awaitText(By.id("contour-note"))).matches(complete
                + " completed trials by x[12] and x[12]; the colours between them are interpolated from the nearest\\. Colours go by"
                + " rank \\(darker is better\\), not by value: the scale's labels are the best, the median and the worst\\.");
        assertThat(js("return drawnContour.dots.length")).isEqualTo((long) complete);
        // The best trial's dot is the darkest colour, ringed; the worst trial's dot the palest.
        @SuppressWarnings("unchecked")
        List<String> colours = (List<String>) js("const c = document.getElementById('contour'), g = c.getContext('2d'),"
                + " k = devicePixelRatio || 1, at = d => [...g.getImageData(Math.round(d.x * k), Math.round(d.y * k), 1, 1)"
                + ".data].slice(0, 3).join(','), byValue = drawnContour.dots.slice().sort((a, b) => a.t.value - b.t.value);"
                + " return [at(byValue[0]), at(byValue[byValue.length - 1])]");
        assertThat(colours).containsExactly("0,70,160", "238,242,250");
        screenshot("contour");
        // Choosing the y parameter for x swaps the two.
        String x = (String) js("return drawnContour.x");
        String y = (String) js("return drawnContour.y");
        assertThat(x).isNotEqualTo(y);
        new Select(browser.findElement(By.id("contour-x"))).selectByValue(y);
        assertThat(js("return [drawnContour.x, drawnContour.y]")).isEqualTo(List.of(y, x));
        assertThat(new Select(browser.findElement(By.id("contour-y"))).getFirstSelectedOption().getText()).isEqualTo(x);
        // The dot under the mouse is named; a click opens its trial.
        js("document.getElementById('contour').scrollIntoView({block: 'center'})");
        @SuppressWarnings("unchecked")
        List<Number> at = (List<Number>) js("const c = document.getElementById('contour'), r = c.getBoundingClientRect(),"
                + " d = drawnContour.dots[0];"
                + " return [d.x * r.width / drawnContour.width - r.width / 2, d.y * r.height / drawnContour.height - r.height / 2,"
                + " d.t.number]");
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(browser.findElement(By.id("contour")),
                (int) Math.round(at.get(0).doubleValue()), (int) Math.round(at.get(1).doubleValue())).perform();
        assertThat(browser.findElement(By.id("contour-focus")).getText())
                .matches("#\\d+: " + y + " \\S+, " + x + " \\S+, value \\S+ \\(click to open\\)");
        String named = browser.findElement(By.id("contour-focus")).getText();
        // A redraw that moves the dots names what is under the mouse then (the name stayed, and a click opened
        // another trial than the one it named).
        js("const keep = trials; trials = trials.filter(t => t.number !== drawnContour.dots[0].t.number);"
                + " document.getElementById('contour').dataset.drawn = ''; contour(); trials = keep;");
        assertThat(browser.findElement(By.id("contour-focus")).getText()).isNotEqualTo(named);
        js("document.getElementById('contour').dataset.drawn = ''; contour();");
        assertThat(browser.findElement(By.id("contour-focus")).getText()).isEqualTo(named);
        // The dot the keyboard steps to is framed (near black along the frame's top, 8 px above it; the contour's
        // darkest blue has 160 of blue), until the contour loses the focus.
        String framed = "const g = document.getElementById('contour').getContext('2d'), k = devicePixelRatio || 1;"
                + " return drawnContour.dots.filter(d => { const p = g.getImageData(Math.floor((d.x - 6) * k),"
                + " Math.floor((d.y - 8) * k), Math.ceil(12 * k), 1).data; let dark = 0;"
                + " for (let i = 0; i < p.length; i += 4) if (p[i + 3] > 200 && Math.max(p[i], p[i + 1], p[i + 2]) < 100) dark++;"
                + " return dark >= 0.75 * p.length / 4; }).map(d => d.t.number)";
        WebElement contour = browser.findElement(By.id("contour"));
        contour.sendKeys(Keys.HOME);
        long first = (Long) js("return Math.min(...drawnContour.dots.map(d => d.t.number))");
        assertThat(browser.findElement(By.id("contour-focus")).getText()).startsWith("#" + first + ": ");
        assertThat(js(framed)).asList().contains(first);
        js("document.getElementById('contour').blur()");
        assertThat(js(framed)).asList().doesNotContain(first);
        new org.openqa.selenium.interactions.Actions(browser).click().perform();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().endsWith(
                "/trial.html?study=branin&n=" + named.substring(1, named.indexOf(':'))));

        // A categorical parameter's choices are spread over its axis in their distribution's order, half a step
        // from each end (4 completed trials: two of each choice).
        browser.get(api.base + "/study.html?name=markup");
        assertThat(awaitText(By.id("contour-note"))).startsWith("4 completed trials by ");
        assertThat(js("return [drawnContour.x, drawnContour.y].sort()")).isEqualTo(List.of(MARKUP, "opt").stream().sorted().toList());
        assertThat(js("const c = drawnContour, f = c.frame, onX = c.x === 'opt';"
                + " return c.dots.map(d => [d.t.params.opt, onX ? (d.x - f.left) / (f.right - f.left)"
                + " : (f.bottom - d.y) / (f.bottom - f.top)]).sort((a, b) => a[1] - b[1]).map(p => p[0] + ' ' + p[1])"))
                .isEqualTo(List.of(MARKUP + " 0.25", MARKUP + " 0.25", "plain 0.75", "plain 0.75"));
        screenshot("contour-choices");
        // One parameter has no contour: the note says so, with no empty canvas or choosers.
        browser.get(api.base + "/study.html?name=many");
        assertThat(awaitText(By.id("contour-note"))).isEqualTo("The contour needs two parameters.");
        assertThat(browser.findElement(By.id("contour")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("contour-x")).isDisplayed()).isFalse();
    }

    @Test
    void aSliceShowsEveryChoiceAndKeepsItsPointsOffTheFrame() {
        // Every completed trial took choice "a" of three: the slice had one choice in the middle, one at the edge.
        Storage storage = runtime.studies().storage();
        storage.createStudy("onechoice", Direction.MINIMIZE);
        CategoricalDistribution abc = CategoricalDistribution.of(List.of("a", "b", "c"));
        for (int i = 0; i < 3; i++) {
            int n = storage.startTrial("onechoice").number();
            storage.setParam("onechoice", n, "pick", abc, 0);
            storage.setParam("onechoice", n, "x", new FloatDistribution(0, 10), 2.0 + i);
            storage.finishTrial("onechoice", n, TrialState.COMPLETE, 1.0 + i, null);
        }
        browser.get(api.base + "/study.html?name=onechoice");
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> (Boolean) js("const c = document.querySelectorAll("
                + "'#slices .chart'); return c.length === 2 && [...c].every(b => b.tunaPlot)"));
        String range = "const u = [...document.querySelectorAll('#slices .chart')].map(c => c.tunaPlot)"
                + ".find(u => u && u.series[0].label === arguments[0]); return [u.scales.x.min, u.scales.x.max]";
        assertThat(js(range, "pick")).isEqualTo(List.of(-0.5, 2.5));
        @SuppressWarnings("unchecked")
        List<Number> x = (List<Number>) js(range, "x");
        assertThat(x.get(0).doubleValue()).isLessThan(2.0);
        assertThat(x.get(1).doubleValue()).isGreaterThan(4.0);
        // A trial's page with nothing reported says so under its curves' heading.
        browser.get(api.base + "/trial.html?study=onechoice&n=0");
        assertThat(awaitText(By.cssSelector("#charts .empty"))).isEqualTo("Nothing was reported.");
    }

    @Test
    void manyOrMixedChoicesAreNamedAndEveryPointSitsAtItsChoice() {
        // A categorical of numbers among strings, and one of 40 long choices that differ only at their end.
        Storage storage = runtime.studies().storage();
        storage.createStudy("choices", Direction.MINIMIZE);
        CategoricalDistribution mixed = CategoricalDistribution.of(List.of(0, "opt1", 4.5, "opt2"));
        List<String> names = java.util.stream.IntStream.range(0, 40).mapToObj(i -> String.format("activation_variant_l%02d", i))
                .toList();
        CategoricalDistribution act = CategoricalDistribution.of(names);
        for (int i = 0; i < 40; i++) {
            int n = storage.startTrial("choices").number();
            storage.setParam("choices", n, "mixed", mixed, i % 4);
            storage.setParam("choices", n, "act", act, i);
            storage.finishTrial("choices", n, TrialState.COMPLETE, 1.0 + i, null);
        }
        browser.get(api.base + "/study.html?name=choices");
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> (Boolean) js("const c = document.querySelectorAll("
                + "'#slices .chart'); return c.length === 2 && [...c].every(b => b.tunaPlot)"));
        String plot = "const u = [...document.querySelectorAll('#slices .chart')].map(c => c.tunaPlot)"
                + ".find(u => u && u.series[0].label === arguments[0]);";
        // Numbers among strings sit at their choice (4.5 was drawn at x = 4.5, under another choice's name or off it).
        assertThat(js(plot + " return [...new Set(u.data[0])]", "mixed")).isEqualTo(List.of(0L, 1L, 2L, 3L));
        assertThat(js(plot + " return [u.scales.x.min, u.scales.x.max]", "mixed")).isEqualTo(List.of(-0.5, 3.5));
        // The cursor's x is named by its choice, not its index; the axis cuts long names in the middle.
        assertThat(js(plot + " return [u.series[0].value(u, 2), u.series[0].value(u, 1)]", "mixed"))
                .isEqualTo(List.of("4.5", "opt1"));
        assertThat(js(plot + " return u.series[0].value(u, 37)", "act")).isEqualTo("activation_variant_l37");
        assertThat(js(plot + " return u.axes[0].values(u, [0, 37])", "act"))
                .isEqualTo(List.of("activati\u2026ant_l00", "activati\u2026ant_l37"));
        // The parallel coordinates name every k-th of 40 choices, not all of them on top of one another.
        long drawn = (Long) js("const texts = [], g = CanvasRenderingContext2D.prototype, f = g.fillText;"
                + " g.fillText = function (t, ...rest) { texts.push(String(t)); return f.call(this, t, ...rest); };"
                + " try { parallel(); } finally { g.fillText = f; }"
                + " return texts.filter(t => t.startsWith('activation_variant')).length");
        assertThat(drawn).isBetween(2L, 20L);
        screenshot("choices");
    }

    @Test
    void theTimelineDrawsEachTrialFromItsStartToItsEndAndNamesTheOneUnderTheMouse() throws InterruptedException {
        // Trials 0 and 1 overlap, then 1 and 2; 3 still runs. Apart by a few milliseconds, so no two times tie.
        Storage storage = runtime.studies().storage();
        storage.createStudy("timed", Direction.MINIMIZE);
        int a = storage.startTrial("timed").number();
        Thread.sleep(5);
        int b = storage.startTrial("timed").number();
        Thread.sleep(5);
        storage.finishTrial("timed", a, TrialState.COMPLETE, 1.0, null);
        Thread.sleep(5);
        int c = storage.startTrial("timed").number();
        Thread.sleep(5);
        storage.finishTrial("timed", b, TrialState.PRUNED, 2.0, "below the median at step 1");
        Thread.sleep(5);
        storage.finishTrial("timed", c, TrialState.FAIL, null, "boom");
        Thread.sleep(5);
        int d = storage.startTrial("timed").number();
        browser.get(api.base + "/study.html?name=timed");
        assertThat(awaitText(By.id("timeline-note"))).matches("4 trials over [0-9.]+ m?s; at most 2 at once\\.");
        assertThat(browser.findElement(By.id("timeline")).getAttribute("aria-label"))
                .startsWith("Timeline of the trials: 4 trials over").endsWith("The arrow keys step through its trials,"
                        + " Enter opens one.");
        // Each bar in its state's colour, a row per trial from the first down; the running one reaches the right end.
        @SuppressWarnings("unchecked")
        List<String> colours = (List<String>) js("const c = document.getElementById('timeline'),"
                + " g = c.getContext('2d'), k = devicePixelRatio || 1;"
                + " return drawnTimeline.spans.map(b => { const p = g.getImageData(Math.round((b.x0 + b.x1) / 2 * k),"
                + " Math.round((b.y0 + b.y1) / 2 * k), 1, 1).data; return b.t.number + ':' + p[0] + ',' + p[1] + ',' + p[2]; })");
        assertThat(colours).containsExactly(a + ":0,102,204", b + ":153,153,153", c + ":204,0,0", d + ":0,136,0");
        assertThat(js("const s = drawnTimeline.spans; return s[0].y0 < s[1].y0 && s[1].y0 < s[2].y0 && s[2].y0 < s[3].y0"
                + " && s[3].x1 > s[2].x1 && s[0].x0 < s[1].x0")).isEqualTo(true);
        // Lengths of time as the timeline writes them.
        assertThat(js("return [0, 840, 2500, 12400, 185000, 3600000, 7620000].map(elapsed).join('|')"))
                .isEqualTo("0 s|840 ms|2.5 s|12 s|3 min 5 s|1 h|2 h 7 min");
        // The mouse over trial 1's bar names it; a click opens it. The page reads the running trial again once its
        // event stream opens, and draws the timeline anew (its axis grew): the bars move. Pointed at after that.
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(x -> (Boolean) js("const e = performance"
                + ".getEntriesByType('resource').filter(e => e.name.includes('/trials?') && e.name.endsWith('offset=" + d
                + "')).pop(); return !!e && drawnTimeline.spans.find(b => !b.t.end).to >= performance.timeOrigin"
                + " + e.responseEnd"));
        @SuppressWarnings("unchecked")
        List<Number> at = (List<Number>) js("const c = document.getElementById('timeline'), r = c.getBoundingClientRect(),"
                + " b = drawnTimeline.spans[1];"
                + " return [(b.x0 + b.x1) / 2 * r.width / drawnTimeline.width - r.width / 2,"
                + " (b.y0 + b.y1) / 2 * r.height / drawnTimeline.height - r.height / 2]");
        js("document.getElementById('timeline').scrollIntoView({block: 'center'})");
        WebElement canvas = browser.findElement(By.id("timeline"));
        new org.openqa.selenium.interactions.Actions(browser)
                .moveToElement(canvas, (int) Math.round(at.get(0).doubleValue()), (int) Math.round(at.get(1).doubleValue()))
                .perform();
        assertThat(browser.findElement(By.id("timeline-focus")).getText())
                .matches("#" + b + " pruned, [0-9.]+ m?s \\(click to open\\)");
        new org.openqa.selenium.interactions.Actions(browser).click().perform();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(driver -> driver.getCurrentUrl().endsWith("/trial.html?study=timed&n=" + b));
        // From the keyboard: the arrow keys step through the trials, Enter opens the one named.
        browser.get(api.base + "/study.html?name=timed");
        await(By.id("timeline-note"));
        WebElement bars = browser.findElement(By.id("timeline"));
        bars.sendKeys(Keys.ARROW_RIGHT);
        assertThat(browser.findElement(By.id("timeline-focus")).getText()).startsWith("#" + a + " complete, ");
        // The bar stepped to is framed, and only that one.
        String framed = "const g = document.getElementById('timeline').getContext('2d'), k = devicePixelRatio || 1;"
                + " return drawnTimeline.spans.filter(b => { const d = g.getImageData(Math.floor((b.x0 - 5) * k),"
                + " Math.round((b.y0 + b.y1) / 2 * k), Math.ceil(4 * k), 1).data;"
                + " for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.max(d[i], d[i + 1], d[i + 2]) < 100)"
                + " return true; return false;"
                + " }).map(b => b.t.number)";
        assertThat(js(framed)).isEqualTo(List.of((long) a));
        bars.sendKeys(Keys.END);
        assertThat(browser.findElement(By.id("timeline-focus")).getText()).startsWith("#" + d + " running, ")
                .endsWith(" so far (Enter to open)");
        assertThat(js(framed)).isEqualTo(List.of((long) d));
        bars.sendKeys(Keys.ARROW_LEFT);
        bars.sendKeys(Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(driver -> driver.getCurrentUrl().endsWith("/trial.html?study=timed&n=" + c));
        // A study whose trials all wait has no timeline yet.
        storage.createStudy("queued", Direction.MINIMIZE);
        storage.enqueueTrial("queued", Map.of("x", 1.0));
        browser.get(api.base + "/study.html?name=queued");
        assertThat(awaitText(By.id("timeline-note"))).isEqualTo("No trial has started yet.");
    }

    @Test
    void aLiveUpdateGivesTheChartsTheirNewDataInPlaceAndKeepsTheCursor() {
        Storage storage = runtime.studies().storage();
        storage.createStudy("growing", Direction.MINIMIZE);
        FloatDistribution x = new FloatDistribution(0, 1);
        for (int i = 0; i < 4; i++) {
            int n = storage.startTrial("growing").number();
            storage.setParam("growing", n, "x", x, i / 4.0);
            storage.report("growing", n, 1, 5.0 - i, Map.of());
            storage.report("growing", n, 2, 4.5 - i, Map.of());
            if (i < 3) {
                storage.finishTrial("growing", n, TrialState.COMPLETE, 5.0 - i, null);
            }
        }
        browser.get(api.base + "/study.html?name=growing");
        await(By.cssSelector("#trials tbody tr"));
        WebElement over = browser.findElement(By.cssSelector("#history .u-over"));
        js("arguments[0].scrollIntoView({block: 'center'});"
                + " window.charts = ['#history', '#curves', '#slices .chart'].map(s => document.querySelector(s).tunaPlot);",
                over);
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(over).perform();
        assertThat((Boolean) js("return document.querySelector('#history').tunaPlot.cursor.left >= 0")).isTrue();
        // A running trial's new step: the same lines, so the learning curves take it in place.
        storage.report("growing", 3, 3, 1.5, Map.of());
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(d -> Long.valueOf(3).equals(js("return document.querySelector('#curves').tunaPlot.data[0].length")));
        assertThat(js("return document.querySelector('#curves').tunaPlot === window.charts[1]")).isEqualTo(true);
        // It completes: a new point of the history and the slice, drawn in place, and the cursor is still there.
        storage.finishTrial("growing", 3, TrialState.COMPLETE, 1.5, null);
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(d -> Long.valueOf(4).equals(js("return document.querySelector('#history').tunaPlot.data[0].length")));
        assertThat(js("return document.querySelector('#history').tunaPlot === window.charts[0]"
                + " && document.querySelector('#slices .chart').tunaPlot === window.charts[2]")).isEqualTo(true);
        assertThat(js("return document.querySelector('#slices .chart').tunaPlot.data[0].length")).isEqualTo(4L);
        assertThat((Boolean) js("return document.querySelector('#history').tunaPlot.cursor.left >= 0")).isTrue();
        // The log-scale box draws them anew (another scale).
        browser.findElement(By.id("log-scale")).click();
        assertThat(js("return document.querySelector('#history').tunaPlot !== window.charts[0]"
                + " && document.querySelector('#history').tunaPlot.scales.y.distr")).isEqualTo(3L);

        // A trial that starts adds a line: the learning curves are drawn anew, and keep the cursor where the mouse is.
        WebElement curves = browser.findElement(By.cssSelector("#curves .u-over"));
        js("arguments[0].scrollIntoView({block: 'center'}); window.lines = document.querySelector('#curves').tunaPlot"
                + ".series.length;", curves);
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(curves).perform();
        int added = storage.startTrial("growing").number();
        storage.report("growing", added, 1, 2.5, Map.of());
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> (Boolean) js(
                "return document.querySelector('#curves').tunaPlot.series.length > window.lines"));
        assertThat((Boolean) js("return document.querySelector('#curves').tunaPlot.cursor.left >= 0")).isTrue();
        storage.finishTrial("growing", added, TrialState.COMPLETE, 2.5, null);

        // A running trial's page: its curve takes a new step in place too.
        int running = storage.startTrial("growing").number();
        storage.report("growing", running, 1, 3.0, Map.of());
        storage.report("growing", running, 2, 2.0, Map.of());
        browser.get(api.base + "/trial.html?study=growing&n=" + running);
        await(By.cssSelector("#charts .chart"));
        js("window.curve = document.querySelector('#charts .chart').tunaPlot;");
        storage.report("growing", running, 3, 1.0, Map.of());
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(d -> Long.valueOf(3).equals(js("return document.querySelector('#charts .chart').tunaPlot.data[0].length")));
        assertThat(js("return document.querySelector('#charts .chart').tunaPlot === window.curve")).isEqualTo(true);
    }

    @Test
    void aServerWhoseReadsNeedTheTokenAsksForItOnceAndItsEventStreamsStillWork(@TempDir Path other) {
        try (ServerRuntime closed = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn(), true)) {
            String token = closed.token().value();
            Api holder = new Api(closed.port());
            holder.token = token;
            assertThat(holder.post("/api/studies", Api.quadratic("private", 300, 2, 100)).status()).isEqualTo(201);
            String base = "http://127.0.0.1:" + closed.port();
            browser.get(base + "/"); // another port: another origin, no token kept
            org.openqa.selenium.Alert asked = new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
            assertThat(asked.getText()).contains("This server needs its API token for reads");
            asked.sendKeys(token);
            asked.accept();
            await(By.cssSelector("tr[data-study='private']"));
            // The study page reads with the kept token, and its event stream with the cookie: the progress moves on.
            browser.get(base + "/study.html?name=private");
            String first = awaitText(By.id("progress"));
            new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(d -> !d.findElement(By.id("progress")).getText().equals(first));
            assertThat(browser.findElements(By.cssSelector("#error:not(:empty)"))).isEmpty();
            browser.get("about:blank"); // its stream closed before the server goes
        }
    }

    @Test
    void aTokenDeclinedForReadsIsNotAskedForAgainUntilTheReload(@TempDir Path other) throws InterruptedException {
        try (ServerRuntime closed = ServerRuntime.start(other, "127.0.0.1", 0, Devices.cpu(1), Trainables.builtIn(), true)) {
            String base = "http://127.0.0.1:" + closed.port();
            browser.get(base + "/");
            new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent()).dismiss();
            // The list reads every 3 s: each read asked again, a prompt every 3 s that never let the page be read.
            assertThat(awaitText(By.id("error"))).endsWith("(reload the page to give the token)");
            Thread.sleep(4_000);
            assertThat(js("return 1")).isEqualTo(1L); // an open prompt would make this throw UnhandledAlertException
            browser.navigate().refresh();
            new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent()).dismiss();
            browser.get("about:blank");
        }
    }

    @Test
    void aStudyPageWhoseStudyIsDeletedElsewhereSaysSoAndOffersNothing() {
        Storage storage = runtime.studies().storage();
        storage.createStudy("goner", Direction.MINIMIZE);
        storage.startTrial("goner");
        browser.get(api.base + "/study.html?name=goner");
        await(By.cssSelector("#study-actions button"));
        storage.deleteStudy("goner");
        assertThat(awaitText(By.id("error"))).isEqualTo("This study was deleted (reload the page to see a study given its name"
                + " since). See the list of studies.");
        assertThat(browser.findElement(By.id("study-actions")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("timeline")).isDisplayed()).isFalse();
    }

    @Test
    void aStudyMadeInCodeRunsElsewhereAndHasNoStopButton() {
        // A program optimising it on the server's storage: shown running, but nothing here can stop that program.
        Storage storage = runtime.studies().storage();
        storage.createStudy("coderunning", Direction.MINIMIZE);
        storage.startTrial("coderunning");
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='coderunning']"));
        // Read in one look: the list is drawn anew every 3 s.
        assertThat(js("const r = document.querySelector(\"tr[data-study='coderunning']\");"
                + " return [r.querySelectorAll('td')[1].innerText, r.querySelectorAll(\"button[data-action='stop']\").length,"
                + " r.querySelectorAll(\"button[data-action='delete']\").length]")).isEqualTo(List.of("running", 0L, 1L));
    }

    @Test
    void liveUpdatesKeepWhatTheUserIsDoing() throws InterruptedException {
        browser.get(api.base + "/study.html?name=wide");
        await(By.cssSelector("#trials tbody tr"));
        // The best trial's folded parameters, opened, stay open; the focused trial link stays focused.
        // An update at once after the click, before the details' toggle event (a task later), keeps it open too.
        js("document.querySelector('#best-params summary').click();"
                + " document.querySelector('a[data-focus=\"trial-0\"]').focus(); Tuna.live(render);");
        assertThat(browser.findElement(By.id("best-params")).getAttribute("open")).isNotNull();
        assertThat(js("return document.activeElement.dataset.focus")).isEqualTo("trial-0");
        // While a pointer button is held (a drag to zoom), an update waits for its release.
        js("window.drawn = 0; document.dispatchEvent(new PointerEvent('pointerdown'));"
                + " Tuna.live(() => window.drawn++);");
        assertThat(js("return window.drawn")).isEqualTo(0L);
        js("document.dispatchEvent(new PointerEvent('pointerup'));");
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> Long.valueOf(1).equals(js("return window.drawn")));

        // The counts are those of the trials the table shows, not the study's own (read a moment before them).
        // (The study as read is put back: a live update would otherwise find it changed and draw the page anew.)
        assertThat(js("const read = info; info = Object.assign({}, info, {counts: {complete: 99, pruned: 1}}); render();"
                + " const shown = document.getElementById('counts').textContent; info = read; render(); return shown"))
                .isEqualTo("60 complete");

        // The filter matches what the cells show: "#3" the trial numbered 3. (Rows read in one look.)
        browser.findElement(By.id("text-filter")).sendKeys("#3");
        @SuppressWarnings("unchecked")
        List<String> numbers = (List<String>) js("return [...document.querySelectorAll('#trials tbody tr td:first-child')]"
                + ".map(td => td.innerText)");
        assertThat(numbers).contains("#3").allMatch(text -> text.startsWith("#3"));
        // A header sorts from the keyboard, and says how. (Found again if a live update drew the table anew.)
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> {
                    d.findElement(By.cssSelector("#trials th[data-key='value']")).sendKeys(Keys.ENTER);
                    return true;
                });
        assertThat(browser.findElement(By.cssSelector("#trials th[data-key='value']")).getAttribute("aria-sort"))
                .isEqualTo("ascending");
        // A live update leaves the header's cells as they are (one replaced under the mouse lost its click).
        assertThat(js("const th = document.querySelector(\"#trials th[data-key='value']\"); render();"
                + " return th === document.querySelector(\"#trials th[data-key='value']\")")).isEqualTo(true);

        // The study list is not drawn again when nothing changed: its rows stay the same elements.
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='markup']"));
        js("window.row = document.querySelector(\"tr[data-study='markup']\");");
        Thread.sleep(3500); // past the next refresh
        assertThat(js("return window.row === document.querySelector(\"tr[data-study='markup']\")")).isEqualTo(true);
    }

    /**
     * Drags along the parallel coordinates' axis {@code index} from one height to another (0 its bottom, 1 its
     * top), as a mouse does; equal heights make a click.
     */
    private void dragOnParallelAxis(int index, double fromUnit, double toUnit) {
        WebElement canvas = browser.findElement(By.id("parallel"));
        js("document.getElementById('parallel').scrollIntoView({block: 'center'})");
        @SuppressWarnings("unchecked")
        List<Number> g = (List<Number>) js("const c = document.getElementById('parallel'), r = c.getBoundingClientRect();"
                + " return [drawnAxes.xs[" + index + "] * r.width / c.width - r.width / 2, drawnAxes.top * r.height / c.height,"
                + " drawnAxes.bottom * r.height / c.height, r.height / 2]");
        int dx = (int) Math.round(g.get(0).doubleValue());
        double top = g.get(1).doubleValue(), bottom = g.get(2).doubleValue(), half = g.get(3).doubleValue();
        int fromY = (int) Math.round(bottom - fromUnit * (bottom - top) - half);
        int toY = (int) Math.round(bottom - toUnit * (bottom - top) - half);
        org.openqa.selenium.interactions.Actions mouse = new org.openqa.selenium.interactions.Actions(browser)
                .moveToElement(canvas, dx, fromY).clickAndHold();
        if (toY != fromY) {
            mouse = mouse.moveByOffset(0, (toY - fromY) / 2).moveByOffset(0, toY - fromY - (toY - fromY) / 2);
        }
        mouse.release().perform();
    }

    private List<String> sliceTitles() {
        return browser.findElements(By.cssSelector("#slices .u-title")).stream().map(WebElement::getText).toList();
    }

    @Test
    void tablesPageAFailuresStackTraceIsShownAndNumbersReadWell() {
        browser.get(api.base + "/study.html?name=many");
        assertThat(awaitText(By.id("pager"))).contains("rows 1\u2013100 of " + MANY);
        assertThat(browser.findElements(By.cssSelector("#trials tbody tr"))).hasSize(100);
        browser.findElement(By.cssSelector("#pager button[data-page='Next']")).click();
        assertThat(browser.findElement(By.cssSelector("#trials tbody tr td a")).getText()).isEqualTo("#100");
        assertThat(browser.findElement(By.id("pager")).getText()).contains("rows 101\u2013200 of " + MANY);
        // The view is in the address: a reload, or the address sent to someone, shows the same rows.
        assertThat(js("return location.hash")).isEqualTo("#page=2");
        browser.get("about:blank");
        browser.get(api.base + "/study.html?name=many#sort=-value&page=2&state=COMPLETE");
        assertThat(awaitText(By.cssSelector("#trials tbody tr td a"))).isEqualTo("#" + (MANY - 101));
        assertThat(browser.findElement(By.cssSelector("#trials th[data-key='value']")).getAttribute("aria-sort"))
                .isEqualTo("descending");
        assertThat(new Select(browser.findElement(By.id("state-filter"))).getFirstSelectedOption().getText())
                .isEqualTo("COMPLETE");
        // An edited fragment shows its view, what it leaves out back to the default.
        js("location.hash = 'page=3'");
        new WebDriverWait(browser, Duration.ofSeconds(10)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> browser.findElement(By.cssSelector("#trials tbody tr td a")).getText().equals("#200"));
        assertThat(browser.findElement(By.id("state-filter")).getAttribute("value")).isEmpty();

        // Values far below 1e-16 keep their own y range (uPlot's own made it 0 to 100).
        js("const c = document.createElement('div'); document.body.append(c);"
                + " window.tinyPlot = Tuna.chart(c, 't', 'x', [[1, 2], [1e-299, 3e-299]], [{label: 'v'}])");
        assertThat(js("const u = window.tinyPlot; u.root.parentNode.remove();" // scales are set a moment after drawing
                + " return [u.scales.y.min < 1e-299, u.scales.y.max > 3e-299 && u.scales.y.max < 1e-298]"))
                .isEqualTo(List.of(true, true));
        // Its ticks, ours: uPlot's own, spaced below 1e-16, did not move on from 0 and kept the page busy for seconds.
        assertThat(js("return Tuna.splits(null, 1, 9e-300, 3.1e-299, 5e-300)"))
                .isEqualTo(List.of(1e-299, 1.5e-299, 2e-299, 2.5e-299, 3e-299));
        assertThat(js("return Tuna.splits(null, 1, -0.31, 0.31, 0.1).map(String)"))
                .isEqualTo(List.of("-0.3", "-0.2", "-0.1", "0", "0.1", "0.2", "0.3"));
        assertThat(js("return [Tuna.num(0.25, 6), Tuna.num(-0.5, 6), Tuna.num(6.535834443033719e200, 6), Tuna.num(1e-5, 4),"
                + " Tuna.num(221, 6), Tuna.num(1650850, 6), Tuna.num(1650850.5, 6)]"))
                .isEqualTo(List.of("0.25", "-0.5", "6.53583e+200", "0.00001", "221", "1650850", "1.65085e+6"));

        browser.get(api.base + "/study.html?name=failing");
        assertThat(awaitText(By.cssSelector("#history .empty"))).isEqualTo("No completed trial yet.");
        assertThat(browser.findElement(By.cssSelector("#curves .empty")).getText()).isEqualTo("No trial has reported yet.");
        assertThat(browser.findElement(By.cssSelector("#slices .empty")).getText()).isEqualTo("No completed trial yet.");
        browser.get(api.base + "/trial.html?study=failing&n=0");
        await(By.id("reason"));
        WebElement stack = browser.findElement(By.id("stack"));
        stack.findElement(By.tagName("summary")).click();
        assertThat(browser.findElement(By.id("stack-trace")).getText()).startsWith("java.lang.IllegalStateException: boom");
        assertThat(browser.findElement(By.cssSelector("#params td:nth-child(3)")).getText()).isEqualTo("float [0, 1]");
    }

    @Test
    void anActionTheServerRefusesSaysWhyUntilTheNextAction() throws InterruptedException {
        browser.get(api.base + "/");
        await(By.cssSelector("tr[data-study='markup'] button[data-action='delete']"));
        // The server's refusal, as a 409 from another server's change would come.
        js("const f = window.fetch; window.fetch = (u, o) => o && o.method === 'DELETE' ? Promise.resolve(new Response("
                + "JSON.stringify({detail: 'refused for the test'}), {status: 409})) : f(u, o)");
        click(By.cssSelector("tr[data-study='markup'] button[data-action='delete']"));
        browser.switchTo().alert().accept();
        Thread.sleep(3500); // past the list's next refresh
        assertThat(browser.findElement(By.id("action-error")).getText()).isEqualTo("markup: refused for the test");
        assertThat(api.get("/api/studies/markup").status()).isEqualTo(200);
    }

    /** The axes the parallel coordinates drew, left to right. */
    private List<String> axes() {
        return List.of(((String) js("return document.getElementById('parallel').dataset.axes + '\\nvalue'")).split("\n"));
    }

    @Test
    void slicesDrawALogScaleOnALogAxisAndLeaveOutTrialsWithoutAConditionalParameter() {
        browser.get(api.base + "/study.html?name=cond");
        await(By.cssSelector("#slices .u-title"));
        List<String> titles = browser.findElements(By.cssSelector("#slices .u-title")).stream().map(WebElement::getText)
                .toList();
        assertThat(titles).containsExactly("lr", "kind", "depth");
        assertThat(js("return document.querySelectorAll('#slices .chart')[0].tunaPlot.scales.x.distr")).isEqualTo(3L);
        // Whole powers of ten about the values (1e-5 to 1): a range just under one, 1.1e-5 / 1.15, kept the page busy
        // for seconds in uPlot's log ticks and left the slice empty.
        assertThat(js("const x = document.querySelectorAll('#slices .chart')[0].tunaPlot.scales.x; return [x.min, x.max]"))
                .isEqualTo(List.of(1e-6, 10L));
        assertThat(js("return document.querySelectorAll('#slices .chart')[2].tunaPlot.scales.x.distr")).isEqualTo(1L);
        // The choices are named on their axis (it showed 0 and 1, the names only in the title).
        assertThat(js("return document.querySelectorAll('#slices .chart')[1].tunaPlot.axes[0].values(null, [0, 0.5, 1, 2])"))
                .isEqualTo(List.of("a", "", "b", ""));
        // The values follow the page's log-scale box, as the history does.
        assertThat(js("return document.querySelectorAll('#slices .chart')[0].tunaPlot.scales.y.distr")).isEqualTo(1L);
        browser.findElement(By.id("log-scale")).click();
        assertThat(js("return document.querySelectorAll('#slices .chart')[0].tunaPlot.scales.y.distr")).isEqualTo(3L);
    }

    @Test
    void tablesCutLongValuesAndBreakNoWordAndOneTrialHasARangeOfItsOwn() {
        Storage storage = runtime.studies().storage();
        String longChoice = "a-very-long-categorical-choice-" + "x".repeat(80);
        storage.createStudy("longvalues", Direction.MINIMIZE);
        CategoricalDistribution choice = CategoricalDistribution.of(List.of("adam", longChoice));
        FloatDistribution x = new FloatDistribution(0, 1);
        for (int i = 0; i < 2; i++) {
            int n = storage.startTrial("longvalues").number();
            storage.setParam("longvalues", n, "optimizer", choice, i);
            storage.setParam("longvalues", n, "parameter_number_01_long_name_" + "y".repeat(30), x, 0.5);
            storage.finishTrial("longvalues", n, TrialState.COMPLETE, 1.0 + i, null);
        }
        browser.get(api.base + "/study.html?name=longvalues");
        await(By.cssSelector("#trials tbody tr"));
        // The long value is cut on one line, whole in its tooltip; the short one is not broken ("ada|m"): both rows
        // are one line high.
        WebElement cut = browser.findElement(By.cssSelector("#trials td.text[title='" + longChoice + "']"));
        WebElement adam = browser.findElement(By.cssSelector("#trials td.text[title='adam']"));
        assertThat(cut.getSize().getHeight()).isEqualTo(adam.getSize().getHeight());
        assertThat(cut.getSize().getWidth()).isLessThan(400);
        assertThat(adam.getText()).isEqualTo("adam");
        // The long parameter name wraps in its header instead of widening its column past the page.
        assertThat(browser.findElement(By.cssSelector("#trials th.param[data-key^='p:parameter_number']")).getSize().getWidth())
                .isLessThan(300);

        // One trial: the history's x axis is around trial 0 (uPlot's own range was 0 to 100).
        storage.createStudy("single", Direction.MINIMIZE);
        storage.startTrial("single");
        storage.setParam("single", 0, "x", x, 0.5);
        storage.finishTrial("single", 0, TrialState.COMPLETE, 1.0, null);
        browser.get(api.base + "/study.html?name=single");
        await(By.cssSelector("#history .u-title"));
        assertThat(js("const u = document.getElementById('history').tunaPlot; return [u.scales.x.min, u.scales.x.max]"))
                .isEqualTo(List.of(-1L, 1L));
    }

    @Test
    void addressesThatNameNothingSayHowToGoOn() throws Exception {
        browser.get(api.base + "/study.html");
        assertThat(awaitText(By.cssSelector("#error a[href='/']"))).isEqualTo("See the list of studies.");
        assertThat(browser.findElement(By.id("error")).getText()).startsWith("This address names no study");
        assertThat(browser.findElement(By.id("history")).isDisplayed()).isFalse(); // no empty sections under it
        browser.get(api.base + "/study.html?name=nosuch");
        assertThat(await(By.cssSelector("#error a[href='/']")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("error")).getText()).startsWith("no study named 'nosuch'.");
        assertThat(browser.findElement(By.id("trials")).isDisplayed()).isFalse();
        browser.get(api.base + "/trial.html?study=many");
        assertThat(await(By.cssSelector("#error a[href='/']")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("error")).getText()).startsWith("This address names no trial");
        // An empty or malformed n named the study's list as its trial ("trial #undefined"); 013 is trial 13.
        browser.get(api.base + "/trial.html?study=many&n=");
        assertThat(awaitText(By.cssSelector("#error"))).startsWith("This address names no trial (trial.html?study=NAME&n=NUMBER,"
                + " and n=\"\" is not a trial number).");
        assertThat(browser.findElement(By.id("params")).isDisplayed()).isFalse();
        browser.get(api.base + "/trial.html?study=many&n=013");
        assertThat(awaitText(By.id("state"))).isEqualTo("COMPLETE");
        assertThat(browser.getTitle()).contains("#13");
        browser.get(api.base + "/trial.html?study=many&n=99999");
        assertThat(await(By.cssSelector("#error a[href='/']")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("params")).isDisplayed()).isFalse();
        // A page that does not exist is a page for a browser, the problem document for a program.
        browser.get(api.base + "/nothing.html");
        assertThat(browser.findElement(By.tagName("main")).getText()).isEqualTo("There is no page at this address."
                + " See the list of studies.");
        assertThat(api.get("/nothing.html").json().get("status").asInt()).isEqualTo(404);
    }

    @Test
    void trialsOfAnInfiniteValueAreNamedAsLeftOutOfTheCharts() {
        browser.get(api.base + "/study.html?name=infeasible");
        assertThat(awaitText(By.cssSelector("#history p.note"))).isEqualTo("2 completed trials with an infinite value"
                + " (#1 -Infinity, #3 Infinity) not drawn here nor in the charts below; the best so far is that of the finite values.");
        assertThat(js("return document.querySelector('#history .chart, #history .uplot') != null")).isEqualTo(true);
    }

    @Test
    void markupInNamesChoicesAndAttributesIsShownAsText() {
        browser.get(api.base + "/study.html?name=markup");
        await(By.cssSelector("#trials tbody tr"));
        String text = browser.findElement(By.tagName("body")).getText();
        assertThat(text).contains(MARKUP);
        assertThat(browser.findElements(By.cssSelector("#trials th"))).extracting(WebElement::getText).contains(MARKUP);
        // A trial user attribute has a column of its own, as a parameter has.
        assertThat(browser.findElements(By.cssSelector("#trials th.user-attr"))).extracting(WebElement::getText)
                .containsExactly("note");
        assertThat(js("const i = [...document.querySelectorAll('#trials th')].findIndex(h => h.classList.contains('user-attr'));"
                + "return [...document.querySelectorAll('#trials tbody tr')].map(r => r.cells[i].textContent)"))
                .isEqualTo(java.util.Collections.nCopies(5, MARKUP));
        // Where a cluster ran trials, a column names the node that ran each (none of the other studies has one).
        assertThat(js("const i = [...document.querySelectorAll('#trials th')].findIndex(h => h.textContent === 'Node');"
                + "return [...document.querySelectorAll('#trials tbody tr')].map(r => r.cells[i].textContent)"))
                .isEqualTo(List.of(MARKUP, "", "", "", ""));
        // Choices come in the order the distribution declares them, also those no completed trial has.
        assertThat(js("return choiceOrder('opt', ['plain'])")).isEqualTo(List.of(MARKUP, "plain"));
        // The study's user attributes, in the summary.
        assertThat(browser.findElements(By.cssSelector("#summary .user-attr"))).extracting(WebElement::getText)
                .containsExactly("dataset", MARKUP, "split", "{\"train\":0.8}");
        assertThat(browser.findElements(By.tagName("img"))).isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        // The diverged trial is marked in the table.
        assertThat(browser.findElement(By.cssSelector("td.diverged")).getText()).startsWith("diverged");
        // Its curve stops where its value stopped being a number, and its name says so.
        assertThat(js("return document.getElementById('curves').tunaPlot.series.map(s => s.label).join('|');"))
                .asString().contains("#4 pruned diverged, not finite from step 3");
        screenshot("markup-study");

        browser.get(api.base + "/trial.html?study=markup&n=4");
        assertThat(awaitText(By.id("state"))).isEqualTo("PRUNED");
        assertThat(browser.findElement(By.id("params")).getText()).contains(MARKUP);
        assertThat(browser.findElement(By.id("user-attrs")).getText()).contains("note", MARKUP);
        assertThat(browser.findElement(By.id("diagnoses")).getText()).contains("diverged from step 3");
        assertThat(browser.findElement(By.id("reason")).getText()).startsWith("diverged");
        assertThat(browser.findElements(By.tagName("img"))).isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        screenshot("markup-trial");
    }
}
