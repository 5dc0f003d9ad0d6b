package dev.tuna.worker.data;

import java.util.Map;

/** Makes a dataset's train/validation split from the options of its name and a seed. */
@FunctionalInterface
public interface DatasetFactory {
    /**
     * @param argument what follows {@code name:} in the dataset name (a path for {@code csv:}), or {@code null}
     * @param options the {@code ?key=value&...} options, already parsed (unknown keys should be rejected)
     * @param seed the data seed: the same seed gives the same samples and the same split
     */
    DataSplit load(String argument, Options options, long seed);

    /**
     * Whether what follows {@code name:} names files (as {@code csv:PATH} does). A set whose files are not on the
     * machine that checks a spec (a cluster's server) is left to the machines that run its trials; any other set
     * is loaded when its spec is checked.
     */
    default boolean readsFiles() {
        return true;
    }

    /** The {@code ?key=value} options of a dataset name; reading a key marks it used, leftovers are an error. */
    final class Options {
        private final String dataset;
        private final Map<String, String> values;
        private final java.util.Set<String> used = new java.util.HashSet<>();
        /** Each option read, with the value in use as its getter read it (a default where none was given). */
        private final java.util.SortedMap<String, Object> inUse = new java.util.TreeMap<>();

        public Options(String dataset, Map<String, String> values) {
            this.dataset = dataset;
            this.values = Map.copyOf(values);
        }

        public String string(String key, String fallback) {
            used.add(key);
            String v = values.getOrDefault(key, fallback);
            inUse.put(key, v);
            return v;
        }

        public int integer(String key, int fallback) {
            String v = string(key, null);
            try {
                int value = v == null ? fallback : Integer.parseInt(v);
                inUse.put(key, value);
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dataset " + dataset + ": option " + key + " must be an integer, got '" + v + "'");
            }
        }

        /** An integer option that must be in {@code [min, max]} when it is given. */
        public int integer(String key, int fallback, int min, int max) {
            int v = integer(key, fallback);
            if (values.containsKey(key) && (v < min || v > max)) {
                throw new IllegalArgumentException("dataset " + dataset + ": option " + key + " must be from " + min
                        + " to " + max + ", got " + v);
            }
            return v;
        }

        public double number(String key, double fallback) {
            String v = string(key, null);
            try {
                double value = v == null ? fallback : Double.parseDouble(v);
                inUse.put(key, value);
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dataset " + dataset + ": option " + key + " must be a number, got '" + v + "'");
            }
        }

        /** A number option that must be in {@code [min, max]} when it is given. */
        public double number(String key, double fallback, double min, double max) {
            double v = number(key, fallback);
            if (values.containsKey(key) && !(v >= min && v <= max)) {
                throw new IllegalArgumentException("dataset " + dataset + ": option " + key + " must be from " + min
                        + " to " + max + ", got " + v);
            }
            return v;
        }

        /**
         * The options read, in the order of their names, each with the value in use ({@code samples=600&validation=0.2}):
         * the same for any two sets of options the factory reads alike (another order, {@code 0.20} for 0.2, a default
         * written out). Options read only as text compare as written.
         */
        public String inUse() {
            StringBuilder s = new StringBuilder();
            inUse.forEach((key, value) -> {
                if (value != null) { // an option read without a default and not given (csv's label: the last column)
                    s.append(s.length() == 0 ? "" : "&").append(key).append('=').append(value);
                }
            });
            return s.toString();
        }

        /** Throws when an option was given that the factory never read. */
        public void checkAllUsed() {
            for (String key : values.keySet()) {
                if (!used.contains(key)) {
                    throw new IllegalArgumentException("dataset " + dataset + ": unknown option '" + key + "' (known: " + new java.util.TreeSet<>(used) + ")");
                }
            }
        }
    }
}
