package dev.tuna.web.spec;

import dev.tuna.search.Objective;
import dev.tuna.worker.train.TrainableRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The trainables a server or {@code tuna run} knows: each type's {@link ObjectiveFactory}. */
public final class Trainables implements ObjectiveFactory {
    private final Map<String, ObjectiveFactory> byType = new LinkedHashMap<>();

    /** The given factories; a type known to two of them is an error. */
    public Trainables(List<? extends ObjectiveFactory> factories) {
        for (ObjectiveFactory f : factories) {
            for (String type : f.types()) {
                if (byType.putIfAbsent(type, f) != null) {
                    throw new IllegalArgumentException("trainable type '" + type + "' is known to two factories");
                }
            }
        }
    }

    /**
     * The trainables of this build: the built-in test functions and the worker's DJL trainables, for trials that run
     * on this machine (the files a dataset names must be here).
     */
    public static Trainables builtIn() {
        return builtIn(true);
    }

    /**
     * As {@link #builtIn()}, for a cluster's server and workers: the files a dataset names may be on the workers
     * only, so a spec is not refused for lacking them here (a trial that lacks them fails on its worker).
     */
    public static Trainables builtInForCluster() {
        return builtIn(false);
    }

    /**
     * As {@link #builtIn()} ({@code cluster}: {@link #builtInForCluster()}), for a server, which reads the files a
     * submitted spec's dataset names only from {@code datasetFolders}: whoever may submit must not have the server
     * read any file its account can.
     */
    public static Trainables forServer(boolean cluster, List<java.nio.file.Path> datasetFolders) {
        return builtIn(!cluster, java.util.Objects.requireNonNull(datasetFolders));
    }

    private static Trainables builtIn(boolean filesHere) {
        return builtIn(filesHere, null);
    }

    private static Trainables builtIn(boolean filesHere, List<java.nio.file.Path> datasetFolders) {
        return new Trainables(List.of(new FunctionTrainables(),
                new DjlTrainables(TrainableRegistry.defaults(), filesHere, datasetFolders)));
    }

    @Override
    public Set<String> types() {
        return byType.keySet();
    }

    @Override
    public void validate(StudySpec spec) {
        factory(spec).validate(spec);
    }

    @Override
    public void validateStored(StudySpec spec) {
        factory(spec).validateStored(spec);
    }

    @Override
    public Optional<Map<String, Object>> settings(StudySpec spec) {
        return factory(spec).settings(spec);
    }

    @Override
    public Objective create(StudySpec spec) {
        return factory(spec).create(spec);
    }

    private ObjectiveFactory factory(StudySpec spec) {
        ObjectiveFactory f = byType.get(spec.trainable().type());
        if (f == null) {
            throw new SpecException("trainable.type", "unknown trainable " + JsonFields.quote(spec.trainable().type())
                    + (byType.isEmpty() ? " (this build has no trainables)"
                            : " (expected one of " + String.join(", ", new ArrayList<>(byType.keySet()))
                            + "; one of your own is found with its jar on the class path: TUNA_CLASSPATH for ./tuna)"));
        }
        return f;
    }
}
