package dev.tuna.web.server;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.search.Study;
import dev.tuna.search.diagnosis.Diagnosis;
import dev.tuna.worker.cluster.ClusterNode;
import dev.tuna.worker.device.Device;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The JSON shapes of the API: studies, trial rows, trial details and the best trial (as maps Jackson writes). */
public final class Views {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private Views() {
    }

    /** The best completed trial of a study, if any completed with a number. */
    public static Optional<FrozenTrial> best(List<FrozenTrial> trials, Direction direction) {
        FrozenTrial best = null;
        for (FrozenTrial t : trials) {
            if (t.state() == TrialState.COMPLETE && t.value() != null && !t.value().isNaN()
                    && (best == null || direction.isBetter(t.value(), best.value()))) {
                best = t;
            }
        }
        return Optional.ofNullable(best);
    }

    /** {@code {"number": 7, "value": 0.97, "params": {...}}}. */
    public static Map<String, Object> best(FrozenTrial t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("number", t.number());
        m.put("value", t.value());
        m.put("params", t.params());
        return m;
    }

    /**
     * {@link #best(FrozenTrial)} with its metrics' last values ({@code "metrics": {"val_loss": 0.31}}, as Ray Tune's
     * best result has) and its user attributes: what {@code GET .../best} and {@code tuna best} give.
     */
    public static Map<String, Object> bestDetail(FrozenTrial t) {
        Map<String, Object> m = best(t);
        Map<String, Double> last = new LinkedHashMap<>();
        t.metrics().forEach((name, curve) -> {
            if (!curve.isEmpty()) {
                last.put(name, curve.lastEntry().getValue());
            }
        });
        m.put("metrics", last);
        m.put("userAttrs", t.userAttrs());
        return m;
    }

    public static Map<String, Object> study(StudyInfo info, List<FrozenTrial> trials, StudyService.State state, Optional<String> error) {
        // Trials that run elsewhere (a program on a shared database, a cluster's node) show the study running when
        // this process runs nothing of it: idle, or made in code (no spec), which is otherwise complete.
        boolean idleHere = state == StudyService.State.IDLE
                || state == StudyService.State.COMPLETE && !info.attrs().containsKey(StudyService.ATTR_SPEC);
        if (idleHere && trials.stream().anyMatch(t -> t.state() == TrialState.RUNNING)) {
            state = StudyService.State.RUNNING;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", info.name());
        m.put("direction", info.direction().name().toLowerCase(Locale.ROOT));
        m.put("state", state.name().toLowerCase(Locale.ROOT));
        m.put("created", info.created());
        Object spec = info.attrs().get(StudyService.ATTR_SPEC);
        if (spec instanceof Map<?, ?> s) {
            m.put("trials", s.get("trials"));
            m.put("sampler", field(s.get("sampler"), "type"));
            m.put("pruner", field(s.get("pruner"), "type"));
            m.put("trainable", field(s.get("trainable"), "type"));
            if (s.get("cron") != null) {
                m.put("cron", s.get("cron")); // its trials are per firing
            }
        } else if (info.attrs().get(Study.ATTR_MADE_IN_CODE) instanceof Map<?, ?> made) {
            m.put("sampler", made.get("sampler"));
            m.put("pruner", made.get("pruner"));
        }
        if (Boolean.TRUE.equals(info.attrs().get(StudyService.ATTR_EXHAUSTED))) {
            m.put("exhausted", true); // complete before its number of trials: its sampler (a grid) had no point left
        }
        if (state == StudyService.State.STOPPED && Boolean.TRUE.equals(info.attrs().get(StudyService.ATTR_TIMED_OUT))) {
            m.put("timedOut", true); // stopped before its number of trials: its spec's timeout ran out
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        StudyService.counts(trials).forEach((k, v) -> counts.put(k.name().toLowerCase(Locale.ROOT), v));
        m.put("counts", counts);
        m.put("finished", Study.counted(trials));
        m.put("best", best(trials, info.direction()).map(Views::best).orElse(null));
        error.ifPresent(e -> m.put("error", e));
        m.put("userAttrs", info.userAttrs());
        return m;
    }

    /** A stored study as the API shows it, for readers without a running server (its state from storage alone). */
    public static Map<String, Object> study(StudyInfo info, List<FrozenTrial> trials) {
        return study(info, trials, StudyService.storedState(info, Study.counted(trials)), Optional.empty());
    }

    private static Object field(Object map, String key) {
        return map instanceof Map<?, ?> m ? m.get(key) : null;
    }

    /**
     * Why a study has no best trial: its trials' outcomes ("no completed trial yet" read as if one would come, also of
     * a study that ended with every trial failed).
     */
    public static String noBest(String study, List<FrozenTrial> trials) {
        long unfinished = trials.stream().filter(t -> !t.state().isFinished()).count();
        return "study '" + study + "' has no completed trial (" + StudyService.outcomes(trials)
                + (unfinished > 0 ? ", " + unfinished + " running or waiting" : "") + ")";
    }

    public static Map<String, Object> trialRow(FrozenTrial t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("number", t.number());
        m.put("state", t.state().name());
        m.put("value", t.value());
        // A queued trial has no parameters yet: the ones it was queued with, as the Optuna dashboard shows them.
        m.put("params", t.state() == TrialState.WAITING && t.params().isEmpty()
                && t.systemAttrs().get(FrozenTrial.ATTR_FIXED_PARAMS) instanceof Map<?, ?> queued ? queued : t.params());
        m.put("lastStep", t.lastStep() < 0 ? null : t.lastStep()); // null before the first report, as in Optuna
        if (t.state() == TrialState.RUNNING) {
            m.put("lastValue", t.lastIntermediateValue()); // what a running trial has so far, as Ray Tune's table shows
        }
        m.put("reason", t.reason());
        m.put("device", t.systemAttrs().get(Device.ATTR_DEVICE));
        m.put("node", t.systemAttrs().get(ClusterNode.ATTR_NODE)); // the cluster node that ran it; null off a cluster
        m.put("userAttrs", t.userAttrs()); // a column each in the dashboard's table, as in the Optuna dashboard's
        m.put("start", t.start());
        m.put("end", t.end());
        m.put("durationMillis", t.duration().toMillis());
        // What the curve monitor found (divergence marks the row): small, unlike the curves.
        m.put("diagnoses", Diagnosis.of(t).stream().map(Diagnosis::toMap).toList());
        return m;
    }

    /**
     * Each parameter's distribution, as the first of {@code trials} (in number order, as storage gives them) that has
     * it declares it: one map for the study, where every trial's row repeated it.
     */
    public static Map<String, Object> distributions(List<FrozenTrial> trials) {
        // Written one by one so that each carries its "type" (core's Jackson types).
        Map<String, Object> first = new LinkedHashMap<>();
        trials.forEach(t -> t.distributions().forEach((name, d) -> first.computeIfAbsent(name, k -> JSON.valueToTree(d))));
        return first;
    }

    /** A trial's row with its distributions and every curve. */
    public static Map<String, Object> trialWithCurves(FrozenTrial t) {
        Map<String, Object> m = trialRow(t);
        m.put("distributions", distributions(List.of(t)));
        m.put("intermediateValues", t.intermediateValues());
        m.put("metrics", t.metrics());
        return m;
    }

    public static Map<String, Object> trialDetail(FrozenTrial t) {
        Map<String, Object> m = trialWithCurves(t);
        Map<String, Object> system = new LinkedHashMap<>(t.systemAttrs());
        system.remove(Diagnosis.ATTR);
        m.put("systemAttrs", system);
        return m;
    }
}
