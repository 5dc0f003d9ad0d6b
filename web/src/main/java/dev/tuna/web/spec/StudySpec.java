package dev.tuna.web.spec;

import dev.tuna.core.Direction;
import dev.tuna.core.Distribution;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A submitted study, as {@code tuna run}, {@code tuna submit} and {@code POST /api/studies} take it (the JSON of
 * design.md's "Study spec"). Built by {@link StudySpecParser}, which has checked every field; written back to JSON
 * by {@link StudySpecParser#toJson}.
 *
 * @param name           the study's name, see {@link #NAME}
 * @param direction      minimise or maximise the objective
 * @param metric         the metric the trainable optimises (e.g. {@code val_accuracy}), or null for its default
 * @param trials         how many finished trials the study runs to
 * @param parallelism    how many trials may run at once
 * @param timeoutSeconds a limit on the study's run, or null for none
 * @param trialTimeoutSeconds a limit on each trial's run, or null for none: a trial past it ends FAIL
 * @param sampler        how parameters are proposed
 * @param pruner         how running trials are stopped early
 * @param trainable      what a trial runs
 * @param space          the search space: parameter name to distribution, in the order given
 * @param cron           a Quartz cron expression to run {@code trials} more trials each time it fires, or null
 * @param enqueue        points to run first, in this order (Ray Tune's {@code points_to_evaluate}, Optuna's
 *                       {@code enqueue_trial}): values of some or all of the space's parameters, inside their ranges
 * @param conditions     the space's conditional parameters ({@code "when"}): each one's parents (earlier categorical
 *                       parameters) and the choices of each under which it is suggested; a parameter not named is
 *                       always suggested
 */
public record StudySpec(String name, Direction direction, String metric, int trials, int parallelism,
                        Long timeoutSeconds, Long trialTimeoutSeconds, SamplerSpec sampler, PrunerSpec pruner,
                        TrainableSpec trainable,
                        Map<String, Distribution> space, String cron, List<Map<String, Object>> enqueue,
                        Map<String, Map<String, List<Object>>> conditions) {

    /** Valid study names: an ASCII letter or digit, then up to 63 ASCII letters, digits, dots, underscores or dashes. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The most trials a spec may ask for. */
    public static final int MAX_TRIALS = 1_000_000;
    /** The most trials that may run at once. */
    public static final int MAX_PARALLELISM = 1024;

    public StudySpec {
        space = Collections.unmodifiableMap(new LinkedHashMap<>(space));
        enqueue = enqueue == null ? List.of()
                : enqueue.stream().map(p -> Collections.unmodifiableMap(new LinkedHashMap<>(p))).toList();
        conditions = conditions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(conditions));
    }

    /** This spec with another number of trials. */
    public StudySpec withTrials(int trials) {
        return new StudySpec(name, direction, metric, trials, parallelism, timeoutSeconds, trialTimeoutSeconds, sampler,
                pruner, trainable, space, cron, enqueue, conditions);
    }

    /**
     * The parameters a trial suggests, in the space's order: every one whose condition holds on the values the
     * trial took for the parameters before it (suggested here, in order, as the trainable would). Without
     * conditions, the whole space.
     */
    public Map<String, Distribution> activeSpace(dev.tuna.search.Trial trial) {
        if (conditions.isEmpty()) {
            return space;
        }
        Map<String, Distribution> active = new LinkedHashMap<>();
        Map<String, Object> values = new LinkedHashMap<>();
        space.forEach((name, d) -> {
            Map<String, List<Object>> when = conditions.getOrDefault(name, Map.of());
            // The parser keeps a condition's choices as the parent's own objects, which a suggestion returns.
            boolean holds = when.entrySet().stream().allMatch(c -> values.get(c.getKey()) != null
                    && c.getValue().contains(values.get(c.getKey())));
            if (holds) {
                active.put(name, d);
                values.put(name, trial.suggest(name, d));
            }
        });
        return active;
    }

    /** The study's run time limit, if any. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeoutSeconds).map(Duration::ofSeconds);
    }

    /** Each trial's time limit, if any. */
    public Optional<Duration> trialTimeout() {
        return Optional.ofNullable(trialTimeoutSeconds).map(Duration::ofSeconds);
    }

    /** Whether a run begun at {@code startedNanos} ({@link System#nanoTime}) has spent its time limit. */
    public boolean ranOutOfTime(long startedNanos) {
        return timeout().filter(t -> System.nanoTime() - startedNanos >= t.toNanos()).isPresent();
    }

    /** Checks a study name; throws {@link SpecException} on {@code field} if it is not valid. */
    public static String checkName(String field, String name) {
        if (name == null) {
            throw new SpecException(field, "is required");
        }
        if (!NAME.matcher(name).matches()) {
            throw new SpecException(field, "invalid study name " + JsonFields.quote(name)
                    + " (1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit)");
        }
        return name;
    }
}
