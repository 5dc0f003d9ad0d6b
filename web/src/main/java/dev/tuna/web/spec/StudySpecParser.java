package dev.tuna.web.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import dev.tuna.search.sampler.GridSampler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * Reads and checks study specs. Every field is checked for its type and range, unknown keys are refused, and the
 * sampler, pruner and trainable are built once so that a spec that parses is a spec that runs; any problem is a
 * {@link SpecException} naming the field's path.
 *
 * <pre>{@code
 * StudySpec spec = new StudySpecParser(Trainables.builtIn()).parse(json);
 * }</pre>
 */
public final class StudySpecParser {
    /** Valid parameter names. */
    public static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
    /** The most parameters a space may have. */
    public static final int MAX_PARAMS = 1000;
    /** The most choices of one categorical parameter. */
    public static final int MAX_CHOICES = 10_000;
    /** The most points a spec may enqueue. */
    public static final int MAX_ENQUEUED = 10_000;
    /** The longest timeout a spec may ask for: a year. */
    static final long MAX_TIMEOUT_SECONDS = 366L * 24 * 3600;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private final ObjectiveFactory trainables;

    /** A parser that checks trainables against these factories. */
    public StudySpecParser(ObjectiveFactory trainables) {
        this.trainables = trainables;
    }

    /** Parses and checks a spec's JSON text. */
    public StudySpec parse(String json) {
        if (json == null || json.isBlank()) {
            throw new SpecException("", "the spec is empty: expected a JSON object");
        }
        JsonNode node;
        try {
            node = JSON.readTree(json.startsWith("\uFEFF") ? json.substring(1) : json); // a byte order mark: not JSON
        } catch (JsonProcessingException e) {
            if (e.getOriginalMessage().startsWith("Trailing token")) {
                throw new SpecException("", "malformed JSON: more after the spec's closing brace"
                        + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")"));
            }
            // Jackson names where an unclosed object started as "[Source: REDACTED ...; line: 1, column: 1]": noise.
            String problem = e.getOriginalMessage().lines().findFirst().orElse("")
                    .replaceAll(" \\(start marker at \\[Source: [^]]*; line: (\\d+), column: (\\d+)]\\)",
                            " (it opened at line $1, column $2)")
                    // Advice to the parser's programmer ("enable `JsonReadFeature...` to allow"): none to a client.
                    .replaceAll(":? ?enable `[^`]*` to allow", "").replaceAll(", from `[^`]*`", "");
            throw new SpecException("", "malformed JSON: " + problem + (e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        return parse(node);
    }

    /** Checks a spec already read as JSON. */
    public StudySpec parse(JsonNode node) {
        return parse(node, false);
    }

    /**
     * Reads the spec a study was stored with, to run it again: checked as {@link #parse} checks a new one, but for
     * the refusals added since it may have been submitted ({@link ObjectiveFactory#validateStored}).
     */
    public StudySpec parseStored(JsonNode node) {
        return parse(node, true);
    }

    private StudySpec parse(JsonNode node, boolean stored) {
        JsonFields f = JsonFields.of(node, "");
        String name = StudySpec.checkName("name", f.requiredString("name"));
        Direction direction = direction(f);
        String metric = f.string("metric", null);
        // A layer's gradient norm is named grad_norm/LAYER: the one slash a metric's name may have.
        if (metric != null && !(PARAM_NAME.matcher(metric).matches()
                || metric.indexOf('/') > 0 && metric.indexOf('/') == metric.lastIndexOf('/')
                        && PARAM_NAME.matcher(metric.replace('/', '_')).matches())) {
            throw new SpecException("metric", "invalid metric name " + JsonFields.quote(metric) + " (ASCII letters, digits and"
                    + " ._- , and one / for a layer's grad_norm/LAYER)");
        }
        int trials = (int) f.requiredInteger("trials", 1, StudySpec.MAX_TRIALS);
        int parallelism = f.integer("parallelism", 1, 1, StudySpec.MAX_PARALLELISM);
        Long timeout = f.integer("timeoutSeconds", null, 1, MAX_TIMEOUT_SECONDS);
        Long trialTimeout = f.integer("trialTimeoutSeconds", null, 1, MAX_TIMEOUT_SECONDS);
        Map<String, Map<String, List<Object>>> conditions = new LinkedHashMap<>();
        Map<String, Distribution> space = space(f.object("space"), f, conditions);
        SamplerSpec sampler = sampler(f.object("sampler"));
        PrunerSpec pruner = f.has("pruner") ? pruner(f.object("pruner")) : new PrunerSpec("none", JsonNodeFactory.instance.objectNode(), List.of());
        JsonFields trainableFields = f.object("trainable");
        if (trainableFields == null) {
            throw f.missing("trainable");
        }
        TrainableSpec trainable = trainable(trainableFields);
        String cron = f.string("cron", null);
        if (cron != null) {
            checkCron(cron);
        }
        if (!conditions.isEmpty() && sampler.type().equals("grid")) {
            throw new SpecException("space." + conditions.keySet().iterator().next() + ".when", "the grid sampler runs"
                    + " every combination of the whole space: a conditional parameter needs another sampler");
        }
        List<Map<String, Object>> enqueue = enqueue(f.raw("enqueue"), space, conditions);
        if (enqueue.size() > trials) {
            // The others would wait, shown as waiting trials, until the study went on.
            throw new SpecException("enqueue", "has " + enqueue.size() + " points, more than the " + trials + " trials");
        }
        f.done();
        StudySpec spec = new StudySpec(name, direction, metric, trials, parallelism, timeout, trialTimeout, sampler,
                pruner, trainable, space, cron, enqueue, conditions);
        // Build the parts once: a spec that parses must run.
        Sampler made = SamplerFactory.create(sampler, space, name);
        if (!stored) { // a stored spec is spared checks added since it was stored: it must still load
            checkRepeats(enqueue);
            if (made instanceof GridSampler grid) {
                checkOnGrid(enqueue, grid);
            }
        }
        PrunerFactory.create(pruner, "pruner");
        if (stored) {
            trainables.validateStored(spec);
        } else {
            trainables.validate(spec);
        }
        return spec;
    }

    private static Direction direction(JsonFields f) {
        String d = f.string("direction", "minimize");
        return switch (d) {
            case "minimize" -> Direction.MINIMIZE;
            case "maximize" -> Direction.MAXIMIZE;
            default -> throw new SpecException("direction", "expected 'minimize' or 'maximize', got " + JsonFields.quote(d));
        };
    }

    private static SamplerSpec sampler(JsonFields f) {
        if (f == null) {
            return new SamplerSpec(SamplerFactory.DEFAULT_TYPE, null, JsonNodeFactory.instance.objectNode());
        }
        String type = f.requiredString("type");
        if (!SamplerFactory.TYPES.contains(type)) {
            throw new SpecException("sampler.type", "unknown sampler " + JsonFields.quote(type)
                    + " (expected one of " + String.join(", ", SamplerFactory.TYPES) + ")");
        }
        Long seed = f.integer("seed", null, Long.MIN_VALUE, Long.MAX_VALUE);
        JsonFields options = f.object("options");
        if (options != null) {
            options.acceptAll();
        }
        f.done();
        return new SamplerSpec(type, seed, options == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) f.raw("options"));
    }

    private static PrunerSpec pruner(JsonFields f) {
        return pruner(f, 0);
    }

    private static PrunerSpec pruner(JsonFields f, int depth) {
        if (depth > 8) {
            throw new SpecException(f.path(), "pruners nested too deep");
        }
        String type = f.requiredString("type");
        if (!PrunerFactory.TYPES.contains(type)) {
            throw new SpecException(f.path("type"), "unknown pruner " + JsonFields.quote(type)
                    + " (expected one of " + String.join(", ", PrunerFactory.TYPES) + ")");
        }
        List<PrunerSpec> anyOf = new ArrayList<>();
        ObjectNode options = JsonNodeFactory.instance.objectNode();
        JsonNode list = f.raw("anyOf");
        if (list != null) {
            if (!type.equals("anyOf")) {
                throw new SpecException(f.path("anyOf"), "only a pruner of type 'anyOf' takes a list of pruners");
            }
            if (!list.isArray()) {
                throw new SpecException(f.path("anyOf"), "expected an array of pruners, got " + JsonFields.describe(list));
            }
            for (int i = 0; i < list.size(); i++) {
                anyOf.add(pruner(JsonFields.of(list.get(i), f.path("anyOf") + "[" + i + "]"), depth + 1));
            }
        }
        for (String key : f.keys()) {
            if (!key.equals("type") && !key.equals("anyOf")) {
                options.set(key, f.raw(key));
            }
        }
        // Options are checked by PrunerFactory, which knows each type's.
        return new PrunerSpec(type, options, anyOf);
    }

    private static TrainableSpec trainable(JsonFields f) {
        String type = f.requiredString("type");
        String dataset = f.string("dataset", null);
        Long epochs = f.integer("epochs", null, 1, 1_000_000);
        JsonFields fixed = f.object("fixed");
        if (fixed != null) {
            fixed.acceptAll();
        }
        f.done();
        return new TrainableSpec(type, dataset, epochs == null ? null : epochs.intValue(),
                fixed == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) f.raw("fixed"));
    }

    private static Map<String, Distribution> space(JsonFields f, JsonFields parent,
                                                   Map<String, Map<String, List<Object>>> conditions) {
        if (f == null) {
            throw parent.missing("space");
        }
        List<String> names = f.keys();
        if (names.isEmpty()) {
            throw new SpecException("space", "needs at least one parameter");
        }
        if (names.size() > MAX_PARAMS) {
            throw new SpecException("space", "has " + names.size() + " parameters, more than " + MAX_PARAMS);
        }
        Map<String, Distribution> space = new LinkedHashMap<>();
        // What each conditional parameter's being suggested implies of the parameters before it, its parents' own
        // conditions included: a condition at odds with them can never hold.
        Map<String, Map<String, Set<Object>>> implied = new LinkedHashMap<>();
        for (String name : names) {
            if (!PARAM_NAME.matcher(name).matches()) {
                throw new SpecException("space", "invalid parameter name " + JsonFields.quote(name)
                        + " (1 to 64 ASCII letters, digits, '.', '_' or '-')");
            }
            JsonFields entry = JsonFields.of(f.raw(name), f.path(name));
            JsonNode when = entry.raw("when");
            Distribution d = distribution(entry);
            if (when != null) { // read before the parameter joins the space: a condition is on those before it
                Map<String, List<Object>> condition = condition(when, entry.path("when"), space, name);
                conditions.put(name, condition);
                implied.put(name, implied(name, condition, implied, entry.path("when")));
            }
            space.put(name, d);
        }
        return space;
    }

    /**
     * The choices a conditional parameter's being suggested leaves each earlier parameter: its own condition's, narrowed
     * by what its parents' being suggested implies in turn. None left for one: the condition can never hold (a
     * parameter suggested only under {@code momentum} as the condition of one that also asks for {@code sgd}).
     */
    private static Map<String, Set<Object>> implied(String name, Map<String, List<Object>> condition,
                                                    Map<String, Map<String, Set<Object>>> implied, String path) {
        Map<String, Set<Object>> all = new LinkedHashMap<>();
        condition.forEach((parent, choices) -> all.put(parent, new LinkedHashSet<>(choices)));
        for (String parent : condition.keySet()) {
            implied.getOrDefault(parent, Map.of()).forEach((ancestor, choices) -> {
                Set<Object> left = all.computeIfAbsent(ancestor, k -> new LinkedHashSet<>(choices));
                left.retainAll(choices);
                if (left.isEmpty()) {
                    throw new SpecException(path, JsonFields.quote(name) + " can never be suggested: " + parent
                            + " is suggested only when " + ancestor + " is one of " + choices + ", which the rest of this"
                            + " condition rules out");
                }
            });
        }
        return all;
    }

    /**
     * A parameter's condition ({@code "when": {"optimizer": ["sgd", "momentum"]}}): the earlier categorical parameters
     * it depends on and, for each, the choices (one, or a list) under which it is suggested, as the parent's objects.
     */
    private static Map<String, List<Object>> condition(JsonNode when, String path, Map<String, Distribution> space,
                                                       String name) {
        if (!when.isObject() || when.isEmpty()) {
            throw new SpecException(path, "expected an object naming a categorical parameter before " + JsonFields.quote(name)
                    + " and the choices it is suggested under, such as {\"optimizer\": [\"sgd\"]}, got "
                    + (when.isObject() ? "an empty object" : JsonFields.describe(when)));
        }
        Map<String, List<Object>> condition = new LinkedHashMap<>();
        for (Iterator<String> parents = when.fieldNames(); parents.hasNext(); ) {
            String parent = parents.next();
            String at = path + "." + parent;
            if (!(space.get(parent) instanceof CategoricalDistribution choices)) {
                throw new SpecException(at, space.containsKey(parent)
                        ? "not a categorical parameter: a condition is on a choice"
                        : "not a parameter before " + JsonFields.quote(name) + " in the space (a condition is on an earlier"
                        + " categorical parameter)");
            }
            JsonNode given = when.get(parent);
            java.util.SortedSet<Integer> named = new java.util.TreeSet<>();
            for (JsonNode v : given.isArray() ? given : List.of(given)) {
                int index = choices.indexOf(scalar(v, at));
                if (index < 0) {
                    throw new SpecException(at, JsonFields.describe(v) + " is not one of " + choices.choices());
                }
                named.add(index);
            }
            // In the parent's order, once each: ["b", "a"] and ["a", "b"] are one condition to a study that goes on.
            List<Object> allowed = named.stream().map(choices.choices()::get).toList();
            if (allowed.isEmpty()) {
                throw new SpecException(at, "names no choice: the parameter would never be suggested");
            }
            condition.put(parent, List.copyOf(allowed));
        }
        return condition;
    }

    private static Distribution distribution(JsonFields f) {
        String type = f.requiredString("type");
        Distribution d;
        try {
            d = switch (type) {
                case "float" -> {
                    double low = f.requiredNumber("low");
                    double high = f.requiredNumber("high");
                    checkOrder(f, low, high);
                    Double step = f.number("step", null);
                    boolean log = f.bool("log", false);
                    checkLogLow(f, log, low);
                    yield new FloatDistribution(low, high, log, step);
                }
                case "int" -> {
                    int low = (int) f.requiredInteger("low", Integer.MIN_VALUE, Integer.MAX_VALUE);
                    int high = (int) f.requiredInteger("high", Integer.MIN_VALUE, Integer.MAX_VALUE);
                    checkOrder(f, low, high);
                    int step = f.integer("step", 1, 1, Integer.MAX_VALUE);
                    boolean log = f.bool("log", false);
                    checkLogLow(f, log, low);
                    yield new IntDistribution(low, high, log, step);
                }
                case "categorical" -> categorical(f);
                default -> throw new SpecException(f.path("type"), "unknown distribution " + JsonFields.quote(type)
                        + " (expected one of float, int, categorical)");
            };
        } catch (SpecException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // A distribution's message starts with the field it is about when it is about one ("step (3) does not
            // divide the range [0, 10]"): that field is named.
            String message = String.valueOf(e.getMessage());
            String field = message.replaceFirst("^([A-Za-z]+).*", "$1");
            throw new SpecException(f.has(field) ? f.path(field) : f.path(), message);
        }
        f.done();
        return d;
    }

    /** On a log scale the field at fault is low (the distribution's own message names no field). */
    private static void checkLogLow(JsonFields f, boolean log, double low) {
        if (log && !(low > 0)) {
            throw new SpecException(f.path("low"), "must be above 0 on a log scale, got " + plain(low));
        }
    }

    private static void checkOrder(JsonFields f, double low, double high) {
        if (!(low <= high)) {
            throw new SpecException(f.path("low"), String.format(Locale.ROOT, "must not be greater than high (got %s > %s)",
                    plain(low), plain(high)));
        }
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /**
     * A point given twice would run once (Optuna's {@code skip_if_exists}, when a study goes on) or twice (when it is
     * new): refused, rather than either without a word.
     */
    private static void checkRepeats(List<Map<String, Object>> enqueue) {
        Map<Map<String, Object>, Integer> seen = new HashMap<>();
        for (int i = 0; i < enqueue.size(); i++) {
            Integer earlier = seen.putIfAbsent(Study.pointKey(enqueue.get(i)), i); // as a study compares points
            if (earlier != null) {
                throw new SpecException("enqueue[" + i + "]", "the same point as enqueue[" + earlier + "]: each point"
                        + " runs once (a study that goes on skips a point some trial was given, as Optuna's"
                        + " skip_if_exists)");
            }
        }
    }

    /** A point off the grid would use up one of the trials and take no grid point, so that a grid point would not run. */
    private static void checkOnGrid(List<Map<String, Object>> enqueue, GridSampler grid) {
        for (int i = 0; i < enqueue.size(); i++) {
            for (Map.Entry<String, Object> e : enqueue.get(i).entrySet()) {
                if (!grid.onGrid(e.getKey(), e.getValue())) {
                    Object value = e.getValue();
                    throw new SpecException("enqueue[" + i + "]." + e.getKey(), (value instanceof String s
                            ? JsonFields.quote(s) : String.valueOf(value)) + " is not on the grid sampler's grid "
                            + grid.values(e.getKey()) + ": it runs only the grid's points (give its values in"
                            + " sampler.options.grid)");
                }
            }
        }
    }

    /**
     * The points a spec asks to run first ({@code "enqueue": [{"lr": 0.01, "units": 64}, ...]}): each names some or
     * all of the space's parameters (the others are sampled), with values inside their ranges.
     */
    private static List<Map<String, Object>> enqueue(JsonNode node, Map<String, Distribution> space,
                                                     Map<String, Map<String, List<Object>>> conditions) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new SpecException("enqueue", "expected an array of points such as {\"lr\": 0.01}, got "
                    + JsonFields.describe(node));
        }
        if (node.size() > MAX_ENQUEUED) {
            throw new SpecException("enqueue", "has " + node.size() + " points, more than " + MAX_ENQUEUED);
        }
        List<Map<String, Object>> points = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode p = node.get(i);
            String at = "enqueue[" + i + "]";
            if (!p.isObject() || p.isEmpty()) {
                throw new SpecException(at, "expected an object of parameter values such as {\"lr\": 0.01}, got "
                        + (p.isObject() ? "an empty object" : JsonFields.describe(p)));
            }
            Map<String, Object> point = new LinkedHashMap<>();
            for (Iterator<String> names = p.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                String field = at + "." + name;
                Distribution d = space.get(name);
                if (d == null) {
                    throw new SpecException(field, "not a parameter of the space (" + String.join(", ", space.keySet()) + ")");
                }
                Object value = scalar(p.get(name), field);
                if (d instanceof CategoricalDistribution c && c.indexOf(value) < 0) {
                    throw new SpecException(field, JsonFields.describe(p.get(name)) + " is not one of " + c.choices());
                }
                if (!(d instanceof CategoricalDistribution) && !(value instanceof Number)) {
                    throw new SpecException(field, "expected a number, got " + JsonFields.describe(p.get(name)));
                }
                if (d instanceof IntDistribution && value instanceof Double v && v != Math.rint(v)) {
                    throw new SpecException(field, "expected an integer, got " + value);
                }
                try {
                    d.toInternal(value);
                } catch (IllegalArgumentException e) {
                    // Outside the range ("0.5 is outside float[...]"), or inside it but off its step.
                    double v = value instanceof Number n ? n.doubleValue() : Double.NaN;
                    boolean inRange = d instanceof IntDistribution id ? v >= id.low() && v <= id.high()
                            : d instanceof FloatDistribution fd && v >= fd.low() && v <= fd.high();
                    throw new SpecException(field, inRange ? value + " is not on the steps of " + d : e.getMessage());
                }
                point.put(name, value);
            }
            checkConditions(point, at, space, conditions);
            points.add(point);
        }
        return points;
    }

    /**
     * Refuses a point's conditional parameter whose condition the point itself does not meet: a trial suggests it only
     * then, so its value would be dropped (and the point taken for run).
     */
    private static void checkConditions(Map<String, Object> point, String at, Map<String, Distribution> space,
                                        Map<String, Map<String, List<Object>>> conditions) {
        for (String name : point.keySet()) {
            for (Map.Entry<String, List<Object>> c : conditions.getOrDefault(name, Map.of()).entrySet()) {
                CategoricalDistribution parent = (CategoricalDistribution) space.get(c.getKey());
                int index = point.containsKey(c.getKey()) ? parent.indexOf(point.get(c.getKey())) : -1;
                if (index < 0 || !c.getValue().contains(parent.choices().get(index))) {
                    throw new SpecException(at + "." + name, "suggested only when " + c.getKey() + " is one of "
                            + c.getValue() + ", and this point " + (index < 0 ? "gives no " + c.getKey() + ": give it one"
                            + " of those too, or leave " + name + " out"
                            : "gives " + c.getKey() + " " + JsonFields.quote(String.valueOf(point.get(c.getKey())))));
                }
            }
        }
    }

    /** A JSON string, number or boolean as Java's; anything else is refused at {@code path}. */
    private static Object scalar(JsonNode c, String path) {
        if (c.isTextual()) {
            return c.textValue();
        } else if (c.isBoolean()) {
            return c.booleanValue();
        } else if (c.isIntegralNumber()) {
            return JsonFields.integer(c, path, Long.MIN_VALUE, Long.MAX_VALUE);
        } else if (c.isNumber()) {
            return JsonFields.number(c, path);
        }
        throw new SpecException(path, "expected a string, number or boolean, got " + JsonFields.describe(c));
    }

    private static CategoricalDistribution categorical(JsonFields f) {
        JsonNode choices = f.required("choices");
        String path = f.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new SpecException(path, "expected a non-empty array of choices, got " + JsonFields.describe(choices));
        }
        if (choices.size() > MAX_CHOICES) {
            throw new SpecException(path, "has " + choices.size() + " choices, more than " + MAX_CHOICES);
        }
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            list.add(scalar(choices.get(i), path + "[" + i + "]"));
        }
        try {
            return CategoricalDistribution.of(list);
        } catch (IllegalArgumentException e) {
            throw new SpecException(path, e.getMessage());
        }
    }

    /** The spec as a study stores it: {@link #toJson} as plain maps and lists (the study attribute's value). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toStored(StudySpec spec) {
        return JSON.convertValue(toJson(spec), Map.class);
    }

    /** The spec as JSON, in the form {@link #parse} reads (what the server stores and returns). */
    public static ObjectNode toJson(StudySpec spec) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", spec.name());
        o.put("direction", spec.direction() == Direction.MAXIMIZE ? "maximize" : "minimize");
        if (spec.metric() != null) {
            o.put("metric", spec.metric());
        }
        o.put("trials", spec.trials());
        o.put("parallelism", spec.parallelism());
        if (spec.timeoutSeconds() != null) {
            o.put("timeoutSeconds", spec.timeoutSeconds());
        }
        if (spec.trialTimeoutSeconds() != null) {
            o.put("trialTimeoutSeconds", spec.trialTimeoutSeconds());
        }
        ObjectNode sampler = o.putObject("sampler");
        sampler.put("type", spec.sampler().type());
        if (spec.sampler().seed() != null) {
            sampler.put("seed", spec.sampler().seed());
        }
        if (!spec.sampler().options().isEmpty()) {
            sampler.set("options", spec.sampler().options().deepCopy());
        }
        o.set("pruner", toJson(spec.pruner()));
        ObjectNode trainable = o.putObject("trainable");
        trainable.put("type", spec.trainable().type());
        if (spec.trainable().dataset() != null) {
            trainable.put("dataset", spec.trainable().dataset());
        }
        if (spec.trainable().epochs() != null) {
            trainable.put("epochs", spec.trainable().epochs());
        }
        if (!spec.trainable().fixed().isEmpty()) {
            trainable.set("fixed", spec.trainable().fixed().deepCopy());
        }
        // Distributions write themselves (core's Jackson types).
        ObjectNode space = o.putObject("space");
        spec.space().forEach((name, d) -> {
            ObjectNode entry = JSON.valueToTree(d);
            if (spec.conditions().containsKey(name)) {
                entry.set("when", JSON.valueToTree(spec.conditions().get(name)));
            }
            space.set(name, entry);
        });
        if (spec.cron() != null) {
            o.put("cron", spec.cron());
        }
        if (!spec.enqueue().isEmpty()) {
            o.set("enqueue", JSON.valueToTree(spec.enqueue()));
        }
        return o;
    }

    /**
     * The settings a study that goes on (resumed by {@code tuna run}, or submitted again to go on) must keep: all but
     * its number of trials, parallelism, timeouts (the study's and each trial's) and points to enqueue. Anything else
     * would mix trials of two searches in one study (or, for its schedule, leave a scheduled study's next runs on
     * another spec).
     */
    public static final List<String> KEPT = List.of("direction", "metric", "sampler", "pruner", "trainable", "space",
            "cron");

    /**
     * The first setting of {@link #KEPT} in which two specs (as JSON maps: a stored one and a new one) differ, if any. A
     * sampler's, pruner's or trainable's setting spelt out with its default value is no difference, nor 2 against 2.0,
     * nor a trainable's setting given as it reads it ({@code "0.01"} for 0.01, {@code "ReLU"} for {@code "relu"}).
     */
    public Optional<String> firstDifference(Map<?, ?> stored, Map<?, ?> given) {
        return difference(stored, given).map(Difference::field);
    }

    /**
     * Where two specs first differ in a setting of {@link #KEPT}.
     *
     * @param field the setting of {@link #KEPT}
     * @param path  the first value within it that differs, as a path ({@code space.lr.high}; a trainable's setting as
     *              {@code trainable.epochs}, defaults included)
     * @param was   the stored spec's value there, as JSON ({@code none} where it has none)
     * @param now   the new spec's
     */
    public record Difference(String field, String path, String was, String now) {
        /** {@code "space.lr.high: 0.1, now 0.2"}. */
        public String said() {
            return path + ": " + was + ", now " + now;
        }
    }

    /** As {@link #firstDifference}, saying where within the setting and what the two values are. */
    public Optional<Difference> difference(Map<?, ?> stored, Map<?, ?> given) {
        JsonNode old = resolvedJson(stored);
        JsonNode now = resolvedJson(given);
        boolean readable = old != null && now != null; // else one this build cannot read: the two compare as they are
        JsonNode a = readable ? old : JSON.valueToTree(stored);
        JsonNode b = readable ? now : JSON.valueToTree(given);
        for (String field : KEPT) {
            Difference d = firstDifference(field, a.path(field), b.path(field));
            if (d != null) {
                return Optional.of(new Difference(field, asWritten(d.path(), stored, given), d.was(), d.now()));
            }
        }
        return Optional.empty();
    }

    /**
     * A path into a resolved trainable's settings as the specs write it: {@code epochs} and {@code dataset} where
     * either spec gives them as the trainable's own fields ({@code trainable.epochs}), any other setting as one of
     * its {@code fixed} ones.
     */
    private static String asWritten(String path, Map<?, ?> stored, Map<?, ?> given) {
        String settings = "trainable.settings.";
        if (!path.startsWith(settings)) {
            return path;
        }
        String setting = path.substring(settings.length());
        String name = setting.split("[.\\[]", 2)[0];
        boolean own = (name.equals("epochs") || name.equals("dataset"))
                && (ownField(stored, name) || ownField(given, name));
        return (own ? "trainable." : "trainable.fixed.") + setting;
    }

    private static boolean ownField(Map<?, ?> spec, String name) {
        return spec.get("trainable") instanceof Map<?, ?> trainable && trainable.containsKey(name);
    }

    /** The first place where two JSON values differ, numbers compared by value (2 is 2.0); null if none. */
    private static Difference firstDifference(String path, JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return Double.compare(a.doubleValue(), b.doubleValue()) == 0 ? null : leaf(path, a, b);
        }
        if (a.isObject() && b.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                Difference d = firstDifference(path + "." + name, a.path(name), b.path(name));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                Difference d = firstDifference(path + "[" + i + "]", a.get(i), b.get(i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return a.equals(b) ? null : leaf(path, a, b);
    }

    private static Difference leaf(String path, JsonNode a, JsonNode b) {
        return new Difference(path, path, shown(a), shown(b));
    }

    /** A value as a spec writes it: 10 for a stored 10.0, none for a missing one. */
    private static String shown(JsonNode value) {
        if (value.isMissingNode()) {
            return "none";
        }
        double v = value.doubleValue();
        if (value.isNumber() && v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return value.toString();
    }

    /**
     * A spec with its options' defaults filled in, its trainable and metric as its trials run them where the
     * trainable can tell ({@link ObjectiveFactory#settings}); null when this build cannot read it.
     */
    private JsonNode resolvedJson(Map<?, ?> spec) {
        try {
            StudySpec parsed = resolved(parseStored(JSON.valueToTree(spec)));
            ObjectNode json = toJson(parsed);
            trainables.settings(parsed).ifPresent(settings -> {
                Map<String, Object> rest = new LinkedHashMap<>(settings);
                if (rest.containsKey("metric")) { // else the spec's as written: the trainable could not tell
                    json.set("metric", JSON.valueToTree(rest.remove("metric")));
                }
                ObjectNode trainable = json.putObject("trainable");
                trainable.put("type", parsed.trainable().type());
                trainable.set("settings", JSON.valueToTree(rest));
            });
            return json;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The spec with its sampler's and pruner's options as they take effect, the defaults of those it leaves out
     * included: two specs that ask for the same search resolve to equal ones, however many defaults they spell out.
     */
    public static StudySpec resolved(StudySpec spec) {
        return new StudySpec(spec.name(), spec.direction(), spec.metric(), spec.trials(), spec.parallelism(),
                spec.timeoutSeconds(), spec.trialTimeoutSeconds(),
                SamplerFactory.resolved(spec.sampler(), spec.space(), spec.name()),
                PrunerFactory.resolved(spec.pruner(), "pruner"), spec.trainable(), spec.space(), spec.cron(),
                spec.enqueue(), spec.conditions());
    }

    private static ObjectNode toJson(PrunerSpec pruner) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", pruner.type());
        o.setAll(pruner.options().deepCopy());
        if (!pruner.anyOf().isEmpty()) {
            ArrayNode list = o.putArray("anyOf");
            pruner.anyOf().forEach(p -> list.add(toJson(p)));
        }
        return o;
    }

    /**
     * Refuses a cron expression Quartz cannot parse, with a hint for the usual mistakes (a Unix expression of five
     * fields; a day of month and a day of week both given), and one that never fires again.
     */
    static void checkCron(String cron) {
        String quoted = JsonFields.quote(cron);
        String[] fields = cron.trim().split("\\s+");
        if (fields.length < 6) {
            throw new SpecException("cron", "Quartz cron expressions have 6 or 7 fields, seconds first, with '?' in the "
                    + "day of month or the day of week (every 5 minutes: \"0 */5 * * * ?\"); got " + fields.length
                    + " in " + quoted);
        }
        CronExpression expression;
        try {
            expression = new CronExpression(cron);
        } catch (java.text.ParseException e) {
            String hint = e.getMessage() != null && e.getMessage().contains("day-of-week AND a day-of-month")
                    ? " (put '?' in one of the two)" : "";
            throw new SpecException("cron", "not a valid Quartz cron expression " + quoted + ": " + e.getMessage() + hint);
        }
        if (expression.getNextValidTimeAfter(new java.util.Date()) == null) {
            throw new SpecException("cron", quoted + " never fires again");
        }
    }
}
