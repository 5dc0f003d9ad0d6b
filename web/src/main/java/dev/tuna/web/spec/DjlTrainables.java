package dev.tuna.web.spec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Direction;
import dev.tuna.search.Objective;
import dev.tuna.worker.data.DatasetRegistry;
import dev.tuna.worker.metrics.MetricNames;
import dev.tuna.worker.train.DjlTrainable;
import dev.tuna.worker.train.InvalidSettingException;
import dev.tuna.worker.train.Trainable;
import dev.tuna.worker.train.TrainableRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The worker's DJL trainables ({@code mlp}, {@code cnn} and those registered through ServiceLoader) as spec
 * trainables. The spec's {@code dataset}, {@code epochs} and {@code metric} join its {@code fixed} parameters;
 * the trainable checks them ({@link Trainable#check}) when the spec is validated, and again when a trial starts.
 * Trials train on the device of their slot.
 */
public final class DjlTrainables implements ObjectiveFactory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TrainableRegistry registry;
    private final boolean filesHere;
    private final List<java.nio.file.Path> datasetFolders; // null: any file

    /**
     * @param filesHere whether the trials run on this machine, so that the files a dataset names ({@code csv:PATH},
     *                  {@code idx:IMAGES,LABELS}) must be here: a missing one is refused with the spec (every trial
     *                  failed on it). A cluster's server passes false: its workers may have files it lacks.
     */
    public DjlTrainables(TrainableRegistry registry, boolean filesHere) {
        this(registry, filesHere, null);
    }

    /**
     * As {@link #DjlTrainables(TrainableRegistry, boolean)}, for a server: a submitted spec may name only files under
     * {@code datasetFolders} (null: any file). Whoever may submit a spec could otherwise have the server read any file
     * its account can, and read parts of it back in the refusal ({@code csv:/etc/shadow?label=x} answered with the
     * file's first line as the header it lacked).
     */
    public DjlTrainables(TrainableRegistry registry, boolean filesHere, List<java.nio.file.Path> datasetFolders) {
        this.registry = registry;
        this.filesHere = filesHere;
        this.datasetFolders = datasetFolders == null ? null
                : datasetFolders.stream().map(f -> f.toAbsolutePath().normalize()).toList();
    }

    @Override
    public Set<String> types() {
        return registry.names();
    }

    @Override
    public void validate(StudySpec spec) {
        check(spec, true);
    }

    /**
     * As {@link #validate}, without the refusals a study submitted before them could not meet: a direction against
     * its objective, a setting given both ways, a dataset file that is not here.
     */
    @Override
    public void validateStored(StudySpec spec) {
        check(spec, false);
    }

    private void check(StudySpec spec, boolean submitted) {
        // The space would win over a fixed value silently, and the fixed one would never be checked.
        Map<String, Object> fixed = fixedValues(spec, submitted);
        for (String key : spec.space().keySet()) {
            if (fixed.containsKey(key)) {
                throw new SpecException(fixedField(spec, key), "is also in space: a setting is either fixed or searched, "
                        + "not both");
            }
        }
        if (submitted && datasetFolders != null) {
            for (String dataset : datasets(spec, fixed)) {
                checkInDatasetFolders(dataset, field(spec, "dataset"));
            }
        }
        if (submitted && filesHere) {
            for (String dataset : datasets(spec, fixed)) {
                List<String> problems = DatasetRegistry.fileProblems(dataset);
                if (!problems.isEmpty()) {
                    throw new SpecException(field(spec, "dataset"), problems.get(0));
                }
            }
        }
        Trainable trainable = trainable(spec, fixed);
        Optional<String> objective = Optional.empty();
        Object epochs = null; // the epochs every trial trains, when not searched
        try {
            if (trainable instanceof DjlTrainable djl) {
                DjlTrainable.Checked checked = djl.checked();
                objective = checked.objective();
                epochs = checked.settings().get("epochs");
            } else {
                trainable.check();
            }
        } catch (InvalidSettingException e) {
            // The field names the setting: a message that starts with its name too would say it twice.
            String said = e.getMessage();
            String prefix = e.key() + ": ";
            throw new SpecException(field(spec, e.key()), said.startsWith(prefix) ? said.substring(prefix.length()) : said);
        } catch (IllegalArgumentException e) {
            throw new SpecException("trainable", e.getMessage());
        }
        if (submitted) {
            checkDirection(spec, objective);
            Integer most = spec.space().get("epochs") instanceof dev.tuna.core.IntDistribution searched ? searched.high()
                    : epochs instanceof Integer fixedEpochs ? fixedEpochs : null;
            checkPruner(PrunerFactory.resolved(spec.pruner(), "pruner"), "pruner", most);
        }
    }

    /**
     * Refuses a pruner (its options resolved, defaults included) that would never act: one that watches a metric no
     * DJL training reports (a typo, {@code val_los}; the same name as the spec's metric is refused), or one that
     * waits past the last epoch a trial trains ({@code epochs}, when known), as {@code "nWarmupSteps": 50} or an
     * {@code asha} or {@code hyperband} first rung at epoch 50 for trials of 3 epochs (a trainable asks whether to
     * prune after each epoch but the last), or that plans for more epochs than trials train (a {@code hyperband}
     * {@code maxResource} or a {@code curve} {@code maxStep} past the last). All were taken without a word.
     */
    private static void checkPruner(PrunerSpec pruner, String path, Integer epochs) {
        JsonNode o = pruner.options();
        if (pruner.type().equals("divergence")) {
            checkReported(o.path("gradNormMetric").asText(), path + ".gradNormMetric");
            for (int i = 0; i < o.path("lossMetrics").size(); i++) {
                checkReported(o.path("lossMetrics").get(i).asText(), path + ".lossMetrics[" + i + "]");
            }
        }
        if (epochs != null && o.path("nWarmupSteps").asInt() >= epochs) {
            throw new SpecException(path + ".nWarmupSteps", o.path("nWarmupSteps").asInt() + " keeps every trial from"
                    + " being pruned: trials train " + epochs + " epochs at most, and none is pruned after its last");
        }
        if (epochs != null && (pruner.type().equals("asha") || pruner.type().equals("hyperband"))
                && o.path("minResource").asLong() > 0) {
            // Hyperband's most aggressive bracket starts at minResource (its early-stopping rate is 0).
            double firstRung = o.path("minResource").asLong() * Math.pow(o.path("reductionFactor").asDouble(),
                    o.path("minEarlyStoppingRate").asDouble());
            if (firstRung >= epochs) {
                throw new SpecException(path + ".minResource", "the first rung, at epoch " + (long) firstRung + ", keeps"
                        + " every trial from being pruned: trials train " + epochs + " epochs at most, and none is"
                        + " pruned after its last");
            }
        }
        if (epochs != null && pruner.type().equals("hyperband")) {
            checkLastStep(o.path("maxResource").asInt(), path + ".maxResource", "Hyperband's brackets are cut for", epochs);
        }
        if (epochs != null && pruner.type().equals("curve")) {
            checkLastStep(o.path("maxStep").asInt(), path + ".maxStep", "the curves are extrapolated to", epochs);
        }
        for (int i = 0; i < pruner.anyOf().size(); i++) {
            checkPruner(pruner.anyOf().get(i), path + ".anyOf[" + i + "]", epochs);
        }
    }

    /**
     * Refuses a pruner's last step (0 for "the trials' own") past the last epoch: Hyperband's brackets whose rungs lie
     * beyond it never prune, and a curve extrapolated past it is compared with final values no trial reaches.
     */
    private static void checkLastStep(int lastStep, String field, String what, int epochs) {
        if (lastStep > epochs) {
            throw new SpecException(field, lastStep + " is past the last epoch: " + what + " " + lastStep + " epochs,"
                    + " but trials train " + epochs + " at most (give " + epochs + ", or 0 for the trials' own)");
        }
    }

    private static void checkReported(String metric, String field) {
        if (!MetricNames.isReported(metric)) {
            throw new SpecException(field, "'" + metric + "' is not a metric the DJL trainables report ("
                    + String.join(", ", MetricNames.ALL) + ", or grad_norm/LAYER): the pruner would never act");
        }
    }

    /** A study that minimises accuracy (the default direction) steered toward worse models without a word. */
    private static void checkDirection(StudySpec spec, Optional<String> objective) {
        objective.ifPresent(metric -> MetricNames.higherIsBetter(metric).ifPresent(higher -> {
            Direction wanted = higher ? Direction.MAXIMIZE : Direction.MINIMIZE;
            if (spec.direction() != wanted) {
                String said = spec.direction() == Direction.MAXIMIZE ? "maximize" : "minimize";
                String better = higher ? "maximize" : "minimize";
                // The spec may not say it: minimize is also what no direction means.
                throw new SpecException("direction", said + ", but the objective " + metric + " is better "
                        + (higher ? "higher" : "lower") + ": give \"direction\": \"" + better + "\""
                        + (said.equals("minimize") ? " (minimize is the default when none is given)" : ""));
            }
        }));
    }

    /**
     * Refuses a dataset whose files are not under the dataset folders: first by their names alone, so that a refusal
     * tells nothing of a file elsewhere (not even whether it exists); then by the files the names lead to through links
     * (the system follows a link before a ".." after it: {@code datasets/here/../../api-token}, with {@code here} a link
     * to its own folder, reads the file beside the folder, though its name, tidied, is in it).
     */
    private void checkInDatasetFolders(String dataset, String field) {
        List<java.nio.file.Path> realFolders = null; // looked up once there is a file to check
        for (String file : DatasetRegistry.defaults().filesRead(dataset)) {
            java.nio.file.Path path;
            try {
                path = java.nio.file.Path.of(file).toAbsolutePath();
            } catch (java.nio.file.InvalidPathException e) {
                continue; // the files check says so
            }
            if (realFolders == null) {
                realFolders = datasetFolders.stream().map(DjlTrainables::realFolder).toList();
            }
            if (!inside(path.normalize(), datasetFolders) || !inside(whereItLeads(path), realFolders)) {
                throw new SpecException(field, (dataset.startsWith("idx:") ? "idx " : "csv ") + file + ": a server"
                        + " reads dataset files only from its dataset folders (" + datasetFolders.stream()
                        .map(Object::toString).collect(java.util.stream.Collectors.joining(", ")) + "): put the file"
                        + " there, or start the server with --datasets FOLDER");
            }
        }
    }

    private static boolean inside(java.nio.file.Path path, List<java.nio.file.Path> folders) {
        return path != null && folders.stream().anyMatch(folder -> path.startsWith(folder) && !path.equals(folder));
    }

    /**
     * The file a path leads to as the system resolves it (links first, then ".."); for a file not there, its folder's
     * real path and its name (its name tidied where there is no such folder), or null for a ".." or a broken link.
     */
    private static java.nio.file.Path whereItLeads(java.nio.file.Path path) {
        try {
            return path.toRealPath();
        } catch (java.io.IOException missing) {
            java.nio.file.Path name = path.getFileName();
            if (name == null || name.toString().equals("..") || java.nio.file.Files.isSymbolicLink(path)) {
                return null;
            }
            try {
                return path.getParent().toRealPath().resolve(name);
            } catch (java.io.IOException e) {
                // No folder either: no file to read here (on a cluster, its workers may have it), nothing to tell.
                return path.normalize();
            }
        }
    }

    /** A dataset folder as the files under it lead back to it: its real path, or as given while it is not there. */
    private static java.nio.file.Path realFolder(java.nio.file.Path folder) {
        try {
            return folder.toRealPath();
        } catch (java.io.IOException e) {
            return folder;
        }
    }

    /** The dataset names trials may read: the fixed one, or each choice when the space searches over datasets. */
    private static List<String> datasets(StudySpec spec, Map<String, Object> fixed) {
        if (spec.space().get("dataset") instanceof CategoricalDistribution choices) {
            return choices.choices().stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return fixed.get("dataset") instanceof String name ? List.of(name) : List.of();
    }

    /** Where in the spec a setting comes from: the space, the trainable's own fields, or its fixed values. */
    private static String field(StudySpec spec, String key) {
        return spec.space().containsKey(key) ? "space." + key : fixedField(spec, key);
    }

    /** Where in the spec a fixed setting comes from: the trainable's own fields, the metric, or its fixed values. */
    private static String fixedField(StudySpec spec, String key) {
        if (key.equals("dataset") && spec.trainable().dataset() != null
                || key.equals("epochs") && spec.trainable().epochs() != null) {
            return "trainable." + key;
        }
        return key.equals("metric") && spec.metric() != null ? "metric" : "trainable.fixed." + key;
    }

    /** What the DJL trainable's check finds its trials run with ({@link DjlTrainable.Checked#settings}). */
    @Override
    public Optional<Map<String, Object>> settings(StudySpec spec) {
        return trainable(spec, fixedValues(spec, false)) instanceof DjlTrainable djl
                ? Optional.of(djl.checked().settings()) : Optional.empty();
    }

    @Override
    public Objective create(StudySpec spec) {
        Map<String, Object> fixed = fixedValues(spec, false);
        if (spec.conditions().isEmpty()) {
            return trainable(spec, fixed).asDeviceObjective();
        }
        // A conditional space: each trial's trainable suggests the parameters whose conditions its choices meet.
        return (dev.tuna.worker.device.DeviceObjective) (trial, device) -> registry.create(spec.trainable().type(), fixed,
                spec.activeSpace(trial)).asDeviceObjective().evaluate(trial, device);
    }

    private Trainable trainable(StudySpec spec, Map<String, Object> fixed) {
        try {
            return registry.create(spec.trainable().type(), fixed, spec.space());
        } catch (IllegalArgumentException e) {
            throw new SpecException("trainable", e.getMessage());
        }
    }

    /**
     * The trainable's fixed settings: its {@code fixed} values, dataset and epochs, and the spec's metric. One given
     * both ways (the trainable's dataset and a fixed dataset) is refused in a spec {@code submitted} now (the named
     * one silently won); in one stored before, the named one still wins.
     */
    private static Map<String, Object> fixedValues(StudySpec spec, boolean submitted) {
        Map<String, Object> fixed = new LinkedHashMap<>();
        if (spec.trainable().fixed() != null) {
            fixed.putAll(JSON.convertValue(spec.trainable().fixed(), new TypeReference<Map<String, Object>>() { }));
        }
        Map<String, Object> named = new LinkedHashMap<>();
        named.put("dataset", spec.trainable().dataset());
        named.put("epochs", spec.trainable().epochs());
        named.put("metric", spec.metric());
        named.forEach((key, value) -> {
            if (value == null) {
                return;
            }
            if (submitted && fixed.containsKey(key)) {
                throw new SpecException("trainable.fixed." + key, "is also given as " + (key.equals("metric") ? "metric"
                        : "trainable." + key) + ": give it once");
            }
            fixed.put(key, value);
        });
        return fixed;
    }
}
