package dev.tuna.worker.data;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Datasets by name, as a study spec names them: {@code name[:argument][?key=value&key=value]}.
 *
 * <ul>
 *   <li>{@code mnist}: the bundled 10,000 digits, flat 784 features in [0, 1]; options {@code samples} (a seeded
 *       subset), {@code validation} (held-out fraction, default 0.2)</li>
 *   <li>{@code idx:IMAGES,LABELS}: IDX files a user has (full MNIST, Fashion-MNIST), gz or not; {@code classes}
 *       (default 10), {@code samples}, {@code validation}</li>
 *   <li>{@code csv:PATH}: a CSV file with a header; {@code label} (column name, default the last),
 *       {@code task} ({@code classification} or {@code regression}), {@code validation}; features standardised</li>
 *   <li>{@code spirals}, {@code moons}, {@code blobs}, {@code regression}: synthetic; {@code samples},
 *       {@code noise}, {@code classes}/{@code centers}, {@code features}, {@code validation}</li>
 * </ul>
 * Loaded splits are kept (a few) so that the trials of a study share them.
 */
public final class DatasetRegistry {
    private static final DatasetRegistry DEFAULT = withBuiltIns();
    private static final int CACHE_SIZE = 8;

    private final Map<String, DatasetFactory> factories = new ConcurrentHashMap<>();
    private final Map<String, DataSplit> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DataSplit> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    /** Each name loaded, in the form {@link #inUse} gives (a name is a few dozen characters: many are kept). */
    private final Map<String, String> inUse = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 1024;
        }
    };

    /** The shared registry with the built-in datasets; users may register theirs on it. */
    public static DatasetRegistry defaults() {
        return DEFAULT;
    }

    /** The most samples a synthetic set may have: 2 billion would fail in the array, 30 million took a gigabyte. */
    static final int MAX_SYNTHETIC = 1_000_000;
    /**
     * The most values (samples times features) a synthetic set may have, 80 MB as floats: a million samples of
     * 2,000 features each, within both limits, ran a server out of memory as it checked the spec.
     */
    static final long MAX_SYNTHETIC_VALUES = 20_000_000;

    /** A registry with the built-in datasets only. */
    public static DatasetRegistry withBuiltIns() {
        DatasetRegistry r = new DatasetRegistry();
        r.register("mnist", plain("mnist", (arg, o, seed) -> split(subset(Mnist10k.load(), o.integer("samples", 0, 1, Integer.MAX_VALUE), seed), o, seed)));
        r.register("idx", (arg, o, seed) -> {
            List<String> paths = idxFiles(required(arg, "idx:IMAGES,LABELS"));
            LabeledData data = IdxReader.read(Path.of(paths.get(0)), Path.of(paths.get(1)), o.integer("classes", 10));
            return split(subset(data, o.integer("samples", 0, 1, Integer.MAX_VALUE), seed), o, seed);
        });
        r.register("csv", (arg, o, seed) -> {
            String taskName = o.string("task", "classification");
            Task task = java.util.Arrays.stream(Task.values()).filter(t -> t.name().equalsIgnoreCase(taskName)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("dataset csv:" + arg + ": option task must be "
                            + "classification or regression, got '" + taskName + "'"));
            LabeledData data = CsvLoader.read(Path.of(required(arg, "csv:PATH")), o.string("label", null), task);
            return split(data, o, seed).standardized();
        });
        r.register("spirals", plain("spirals", (arg, o, seed) -> split(SyntheticData.spirals(o.integer("samples", 1000, 1, MAX_SYNTHETIC), o.integer("classes", 2, 2, 1000), o.number("noise", 0.05, 0, 1e6), seed), o, seed)));
        r.register("moons", plain("moons", (arg, o, seed) -> split(SyntheticData.moons(o.integer("samples", 1000, 1, MAX_SYNTHETIC), o.number("noise", 0.1, 0, 1e6), seed), o, seed)));
        r.register("blobs", plain("blobs", (arg, o, seed) -> {
            int samples = o.integer("samples", 1000, 1, MAX_SYNTHETIC);
            int centers = o.integer("centers", 3, 2, 1000);
            int features = sized("blobs", samples, o.integer("features", 2, 1, 10_000));
            return split(SyntheticData.blobs(samples, centers, features, o.number("noise", 1.0, 0, 1e6), seed), o, seed);
        }));
        r.register("regression", plain("regression", (arg, o, seed) -> {
            int samples = o.integer("samples", 1000, 1, MAX_SYNTHETIC);
            int features = sized("regression", samples, o.integer("features", 5, 1, 10_000));
            return split(SyntheticData.regression(samples, features, o.number("noise", 0.1, 0, 1e6), seed), o, seed);
        }));
        return r;
    }

    /** {@code features}, where a synthetic set of {@code samples} of them stays within {@link #MAX_SYNTHETIC_VALUES}. */
    private static int sized(String name, int samples, int features) {
        if ((long) samples * features > MAX_SYNTHETIC_VALUES) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "dataset %s: samples times features"
                    + " must be at most %,d (got %,d x %,d)", name, MAX_SYNTHETIC_VALUES, samples, features));
        }
        return features;
    }

    /** A dataset that reads no files: anything after its name's ':' is refused (it was ignored). */
    private static DatasetFactory plain(String name, DatasetFactory factory) {
        return new DatasetFactory() {
            @Override
            public DataSplit load(String arg, Options o, long seed) {
                if (arg != null) {
                    throw new IllegalArgumentException("dataset " + name + ": takes nothing after ':' (got '" + arg
                            + "'; options go after '?', as " + name + "?samples=500)");
                }
                return factory.load(null, o, seed);
            }

            @Override
            public boolean readsFiles() {
                return false;
            }
        };
    }

    /** idx's images and labels files, or an error naming the form. */
    private static List<String> idxFiles(String argument) {
        List<String> paths = java.util.Arrays.stream(argument.split(",", -1)).map(String::strip).toList();
        if (paths.size() != 2) {
            throw new IllegalArgumentException("dataset idx: expected idx:IMAGES,LABELS, got idx:" + argument);
        }
        return paths;
    }

    /** Registers (or replaces) a dataset under a name made of letters, digits, '-' and '_'. */
    public void register(String name, DatasetFactory factory) {
        if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("dataset name: must be letters, digits, '-' or '_', got '" + name + "'");
        }
        factories.put(name, factory);
        synchronized (cache) {
            cache.clear();
            inUse.clear();
        }
    }

    /** The registered names. */
    public java.util.Set<String> names() {
        return new TreeSet<>(factories.keySet());
    }

    /**
     * Checks {@code spec} as a study is submitted: it names a registered dataset, and its options are
     * {@code key=value} pairs. It is loaded too (and kept for the trials), so that a bad or unknown option or a bad
     * file is refused now rather than by every trial; except a dataset read from files ({@code csv:PATH},
     * {@code idx:IMAGES,LABELS}) that are not on this machine: a cluster's server may lack the files its workers have.
     *
     * @return the loaded data, or empty when its files are not here
     */
    public Optional<DataSplit> check(String spec, long seed) {
        DatasetFactory factory = factory(spec);
        options(spec);
        if (spec.startsWith("idx:")) {
            idxFiles(argument(spec)); // its form, also when its files are elsewhere
        }
        if (factory.readsFiles() && files(spec).stream().anyMatch(file -> !java.nio.file.Files.exists(Path.of(file)))) {
            return Optional.empty();
        }
        return Optional.of(load(spec, seed));
    }

    /** What follows the name's ':' in {@code name[:argument][?options]} (files, for csv and idx), or null. */
    private static String argument(String spec) {
        String head = spec.split("\\?", 2)[0];
        int colon = head.indexOf(':');
        return colon < 0 ? null : head.substring(colon + 1);
    }

    /** The factory of the name {@code spec} starts with ({@code name[:argument][?options]}). */
    private DatasetFactory factory(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("dataset: a name is required (one of " + names() + ")");
        }
        String name = spec.split("[?:]", 2)[0];
        DatasetFactory factory = factories.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("dataset: unknown name '" + name + "' (known: " + names() + ")");
        }
        return factory;
    }

    /** Loads (or reuses) the split named by {@code spec} with the data seed. */
    public DataSplit load(String spec, long seed) {
        DatasetFactory factory = factory(spec);
        // A file changed or removed since it was read is read again: a long-lived worker or server served the old
        // data under the same path.
        String name = spec + "#" + seed;
        String key = name + fileVersions(spec);
        synchronized (cache) {
            DataSplit hit = cache.get(key);
            if (hit != null) {
                return hit;
            }
            cache.keySet().removeIf(k -> k.startsWith(name + "|")); // an older version of its files: not kept
        }
        DatasetFactory.Options parsed = new DatasetFactory.Options(spec, options(spec));
        DataSplit split = factory.load(argument(spec), parsed, seed);
        parsed.checkAllUsed();
        String options = parsed.inUse();
        synchronized (cache) {
            cache.put(key, split);
            inUse.put(spec, spec.split("\\?", 2)[0] + (options.isEmpty() ? "" : "?" + options));
        }
        return split;
    }

    /**
     * The dataset a name loaded, in one form for every name that loads it alike: its options in the order of their
     * names, defaults included, numbers as read ({@code moons?noise=0.2&samples=600&validation=0.2} for
     * {@code moons?samples=600&noise=0.20}); empty until this registry has loaded it.
     */
    public Optional<String> inUse(String spec) {
        synchronized (cache) {
            return Optional.ofNullable(inUse.get(spec));
        }
    }

    /**
     * The files a spec names ({@code csv:PATH}, {@code idx:IMAGES,LABELS}) as they are now, their times and sizes,
     * each after a '|'; nothing for a spec without files.
     */
    private static String fileVersions(String spec) {
        StringBuilder versions = new StringBuilder();
        for (String file : files(spec)) {
            try {
                java.nio.file.attribute.BasicFileAttributes a = java.nio.file.Files.readAttributes(Path.of(file),
                        java.nio.file.attribute.BasicFileAttributes.class);
                versions.append('|').append(a.lastModifiedTime().toMillis()).append(':').append(a.size());
            } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
                versions.append("|none"); // missing: the factory says so when it reads it
            }
        }
        return versions.toString();
    }

    /**
     * What keeps this machine from reading the files a dataset name names ({@code csv:PATH}, {@code
     * idx:IMAGES,LABELS}): one line per file, such as {@code "csv /data/x.csv: no such file"}; empty when every one
     * is a readable file, or it names none.
     */
    public static List<String> fileProblems(String spec) {
        List<String> problems = new java.util.ArrayList<>();
        String kind = spec.startsWith("idx:") ? "idx" : "csv";
        List<String> files = files(spec);
        // Only the sets read from files, with as many as they take: the set itself says what else is wrong.
        if (!(spec.startsWith("csv:") || kind.equals("idx") && files.size() == 2)) {
            return problems;
        }
        for (String file : files) {
            if (file.isEmpty()) {
                problems.add("dataset " + spec + ": no file named (expected " + (kind.equals("idx") ? "idx:IMAGES,LABELS"
                        : "csv:PATH") + ")");
                continue;
            }
            try {
                fileProblem(Path.of(file)).ifPresent(problem -> problems.add(kind + " " + file + ": " + problem));
            } catch (java.nio.file.InvalidPathException e) {
                problems.add(kind + " " + file + ": not a path (" + e.getReason() + ")");
            }
        }
        return problems;
    }

    /**
     * Why {@code file} cannot be read as a dataset's file: missing, a folder, not a regular file (a device such as
     * /dev/null, a pipe) or unreadable; empty when it can.
     */
    public static Optional<String> fileProblem(Path file) {
        if (java.nio.file.Files.isDirectory(file)) {
            return Optional.of("is a folder, not a file");
        }
        if (!java.nio.file.Files.exists(file)) {
            return Optional.of("no such file");
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            return Optional.of("is not a regular file");
        }
        if (!java.nio.file.Files.isReadable(file)) {
            return Optional.of("cannot be read (permissions)");
        }
        return Optional.empty();
    }

    /**
     * The files a dataset name reads, as its set takes them (none for a set that reads no files, {@code moons:x}); an
     * unknown name reads none (the check of the name says so).
     */
    public List<String> filesRead(String spec) {
        try {
            return factory(spec).readsFiles() ? files(spec) : List.of();
        } catch (IllegalArgumentException unknown) {
            return List.of();
        }
    }

    /** The files a spec reads: none, a csv's path (which may hold a comma), or idx's images and labels. */
    private static List<String> files(String spec) {
        String argument = argument(spec);
        if (argument == null) {
            return List.of();
        }
        return spec.startsWith("idx:") ? java.util.Arrays.stream(argument.split(",")).map(String::strip).toList()
                : List.of(argument.strip());
    }

    /** The {@code key=value} options after the '?' of {@code spec}. */
    private static Map<String, String> options(String spec) {
        int q = spec.indexOf('?');
        Map<String, String> options = new LinkedHashMap<>();
        if (q >= 0) {
            for (String pair : spec.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("dataset " + spec + ": option '" + pair + "' is not key=value");
                }
                // The last of two would win without a word (a second label= made a feature the label).
                if (options.put(pair.substring(0, eq), pair.substring(eq + 1)) != null) {
                    throw new IllegalArgumentException("dataset " + spec + ": option " + pair.substring(0, eq)
                            + " is given twice");
                }
            }
        }
        return options;
    }

    private static String required(String argument, String form) {
        if (argument == null || argument.isBlank()) {
            throw new IllegalArgumentException("dataset: expected " + form);
        }
        return argument;
    }

    private static LabeledData subset(LabeledData data, int samples, long seed) {
        if (samples > data.size()) {
            throw new IllegalArgumentException("option samples: the set has " + data.size() + " samples, asked for " + samples);
        }
        if (samples <= 0 || samples == data.size()) {
            return data;
        }
        int[] order = DataSplit.permutation(data.size(), seed ^ 0x5DEECE66DL);
        return data.subset(java.util.Arrays.copyOf(order, samples));
    }

    private static DataSplit split(LabeledData data, DatasetFactory.Options options, long seed) {
        double validation = options.number("validation", 0.2);
        if (!(validation > 0 && validation < 1)) {
            throw new IllegalArgumentException("option validation: must be between 0 and 1 (the share of the samples"
                    + " kept for validation), got " + validation);
        }
        return DataSplit.of(data, validation, seed);
    }
}
