package dev.tuna.web.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Strict reading of one JSON object of a spec: each getter checks the type and range of one field and names it by
 * its path when it is wrong; {@link #done()} rejects the keys nobody asked for. Numbers must be finite, integers
 * integral and in range, so that "1e400", "NaN" or "2.5 trials" never get past the spec.
 */
final class JsonFields {
    private final ObjectNode node;
    private final String path;
    private final Set<String> known = new LinkedHashSet<>();
    private final ObjectNode resolved = JsonNodeFactory.instance.objectNode();

    private JsonFields(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Reads {@code node}, which must be an object, found at {@code path}. */
    static JsonFields of(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new SpecException(path, "expected an object, got " + describe(node));
        }
        return new JsonFields((ObjectNode) node, path);
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Whether the field is present and not null. */
    boolean has(String key) {
        known.add(key);
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    JsonNode raw(String key) {
        known.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        resolved.set(key, v.deepCopy());
        return v;
    }

    /** Notes the value an absent field read with {@link #raw} takes (see {@link #resolved}). */
    void fallback(String key, List<String> value) {
        if (raw(key) == null) {
            value.forEach(resolved.putArray(key)::add);
        }
    }

    /**
     * The fields read so far with the values they took, a getter's fallback where the field was left out: two
     * objects that mean the same (one spelling out a default, one leaving it out) resolve to equal objects.
     */
    ObjectNode resolved() {
        return resolved.deepCopy();
    }

    JsonNode required(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            throw missing(key);
        }
        return v;
    }

    /** A required field that is absent; the message names a field given instead that looks like a misspelling of it. */
    SpecException missing(String key) {
        String lower = key.toLowerCase(java.util.Locale.ROOT);
        String near = keys().stream().filter(k -> !k.equals(key) && editDistance(k.toLowerCase(java.util.Locale.ROOT), lower) <= 2)
                .findFirst().orElse(null);
        return new SpecException(path(key), "is required" + (near == null ? "" : " (is " + quote(near) + " a misspelling of it?)"));
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    private static int editDistance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }

    String string(String key, String fallback) {
        JsonNode v = raw(key);
        if (v == null) {
            if (fallback != null) {
                resolved.put(key, fallback);
            }
            return fallback;
        }
        if (!v.isTextual()) {
            throw new SpecException(path(key), "expected a string, got " + describe(v));
        }
        return v.textValue();
    }

    String requiredString(String key) {
        required(key);
        return string(key, null);
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = raw(key);
        if (v == null) {
            resolved.put(key, fallback);
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new SpecException(path(key), "expected true or false, got " + describe(v));
        }
        return v.booleanValue();
    }

    Double number(String key, Double fallback) {
        JsonNode v = raw(key);
        Double value = v == null ? fallback : Double.valueOf(number(v, path(key)));
        if (value != null) {
            resolved.put(key, value);
        }
        return value;
    }

    double requiredNumber(String key) {
        return number(required(key), path(key));
    }

    static double number(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw new SpecException(path, "expected a number, got " + describe(v));
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            throw new SpecException(path, "expected a finite number, got " + v.asText());
        }
        return d;
    }

    Long integer(String key, Long fallback, long min, long max) {
        JsonNode v = raw(key);
        Long value = v == null ? fallback : Long.valueOf(integer(v, path(key), min, max));
        if (value != null) {
            resolved.put(key, value);
        }
        return value;
    }

    long requiredInteger(String key, long min, long max) {
        return integer(required(key), path(key), min, max);
    }

    static long integer(JsonNode v, String path, long min, long max) {
        if (!v.isNumber()) {
            throw new SpecException(path, "expected an integer, got " + describe(v));
        }
        if (!v.isIntegralNumber() && (!Double.isFinite(v.doubleValue()) || v.doubleValue() != Math.rint(v.doubleValue()))) {
            throw new SpecException(path, "expected an integer, got " + v.asText());
        }
        if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max
                || (!v.isIntegralNumber() && Math.abs(v.doubleValue()) > 9.0e15)) {
            throw new SpecException(path, "must be between " + min + " and " + max + ", got " + v.asText());
        }
        return v.longValue();
    }

    int integer(String key, int fallback, int min, int max) {
        return integer(key, (Long) (long) fallback, min, max).intValue();
    }

    /** The nested object at {@code key}, or null when absent. */
    JsonFields object(String key) {
        JsonNode v = raw(key);
        return v == null ? null : of(v, path(key));
    }

    /** The field names of this object. */
    List<String> keys() {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** Marks every key as known: for free-form objects (e.g. a trainable's fixed parameters). */
    void acceptAll() {
        known.addAll(keys());
    }

    /** Rejects the keys no getter asked for. */
    void done() {
        for (String key : keys()) {
            if (!known.contains(key)) {
                throw new SpecException(path(key), known.isEmpty() ? "unknown field (it takes no fields)"
                        : "unknown field (expected one of " + String.join(", ", known) + ")");
            }
        }
    }

    /** A short description of a JSON value for messages: its kind and, when short, its text. */
    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isNull()) {
            return "null";
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isTextual()) {
            return "the string " + quote(v.textValue());
        }
        if (v.isBoolean()) {
            return v.asText();
        }
        return "the number " + v.asText();
    }

    /** Quotes a user's string for a message, shortened so that a huge value does not make a huge message. */
    static String quote(String s) {
        String shown = s.length() > 64 ? s.substring(0, 61) + "..." : s;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
