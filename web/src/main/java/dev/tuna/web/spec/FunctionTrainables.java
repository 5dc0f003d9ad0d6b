package dev.tuna.web.spec;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FloatDistribution;
import dev.tuna.search.Objective;
import dev.tuna.search.Trial;
import dev.tuna.search.TrialPrunedException;
import dev.tuna.web.demo.Branin;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Trainables that evaluate a test function of the space's parameters, so that the server, the CLI and their tests
 * run end to end without DJL:
 * <ul>
 *   <li>{@code branin}: the Branin function of the float parameters {@code x1} and {@code x2} (minimum 0.397887);</li>
 *   <li>{@code quadratic}: the sum of {@code (x - center)^2} over the numeric parameters plus the index of each
 *       categorical choice (minimum 0 at the centre and the first choices).</li>
 * </ul>
 * Each trial reports a learning curve over {@code epochs} steps (default 1) that falls to the function's value,
 * {@code f + (1 + |f|) / epoch}, with {@code train_loss} alongside, and asks the pruner after each step. Fixed
 * parameters: {@code sleepMillis} (a pause per epoch, 0 to 60000, so that trials take time) and, for
 * {@code quadratic}, {@code center}. No dataset.
 */
public final class FunctionTrainables implements ObjectiveFactory {
    /** The most epochs a function trial runs. */
    static final int MAX_EPOCHS = 10_000;

    @Override
    public Set<String> types() {
        return Set.of("branin", "quadratic");
    }

    @Override
    public void validate(StudySpec spec) {
        read(spec);
    }

    @Override
    public Optional<Map<String, Object>> settings(StudySpec spec) {
        Settings s = read(spec);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("metric", "value");
        settings.put("epochs", s.epochs);
        settings.put("sleepMillis", s.sleepMillis);
        if (spec.trainable().type().equals("quadratic")) {
            settings.put("center", s.center);
        }
        return Optional.of(settings);
    }

    @Override
    public Objective create(StudySpec spec) {
        Settings s = read(spec);
        boolean branin = spec.trainable().type().equals("branin");
        return trial -> {
            Map<String, Object> params = new LinkedHashMap<>();
            Map<String, Distribution> space = spec.activeSpace(trial);
            space.forEach((name, d) -> params.put(name, trial.suggest(name, d)));
            double f = branin ? Branin.value(number(params.get("x1")), number(params.get("x2"))) : quadratic(space, params, s.center);
            return curve(trial, f, s);
        };
    }

    private static double curve(Trial trial, double f, Settings s) throws InterruptedException {
        for (int epoch = 1; epoch <= s.epochs; epoch++) {
            if (s.sleepMillis > 0) {
                Thread.sleep(s.sleepMillis);
            }
            double v = f + (1 + Math.abs(f)) / epoch;
            if (epoch == s.epochs) {
                v = f;
            }
            trial.report(epoch, v);
            trial.report(epoch, Map.of("train_loss", v));
            if (epoch < s.epochs && trial.shouldPrune()) {
                throw new TrialPrunedException();
            }
        }
        return f;
    }

    private static double quadratic(Map<String, Distribution> space, Map<String, Object> params, double center) {
        double sum = 0;
        for (Map.Entry<String, Object> p : params.entrySet()) {
            if (space.get(p.getKey()) instanceof CategoricalDistribution c) {
                sum += c.indexOf(p.getValue());
            } else {
                double d = number(p.getValue()) - center;
                sum += d * d;
            }
        }
        return sum;
    }

    private static double number(Object o) {
        return ((Number) o).doubleValue();
    }

    private record Settings(int epochs, long sleepMillis, double center) {
    }

    private static Settings read(StudySpec spec) {
        TrainableSpec t = spec.trainable();
        if (t.dataset() != null) {
            throw new SpecException("trainable.dataset", "the function trainable '" + t.type() + "' takes no dataset");
        }
        if (spec.metric() != null && !spec.metric().equals("value")) {
            throw new SpecException("metric", "the function trainable '" + t.type() + "' optimises its function's value:"
                    + " metric must be 'value' or left out, got '" + spec.metric() + "'");
        }
        int epochs = t.epochs() == null ? 1 : t.epochs();
        if (epochs > MAX_EPOCHS) {
            throw new SpecException("trainable.epochs", "must be at most " + MAX_EPOCHS + " for a function trainable, got " + epochs);
        }
        JsonFields fixed = JsonFields.of(t.fixed(), "trainable.fixed");
        long sleep = fixed.integer("sleepMillis", 0L, 0, 60_000);
        double center = 0;
        if (t.type().equals("quadratic")) {
            center = fixed.number("center", 0.0);
        } else {
            for (String x : new String[] {"x1", "x2"}) {
                if (!(spec.space().get(x) instanceof FloatDistribution)) {
                    throw new SpecException("space." + x, "the branin trainable needs a float parameter '" + x + "'");
                }
            }
            if (spec.space().size() != 2) {
                throw new SpecException("space", "the branin trainable takes exactly the parameters x1 and x2");
            }
        }
        fixed.done();
        return new Settings(epochs, sleep, center);
    }
}
