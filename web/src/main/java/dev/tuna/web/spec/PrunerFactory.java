package dev.tuna.web.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuna.search.Pruner;
import dev.tuna.search.pruner.AnyOf;
import dev.tuna.search.pruner.CurveExtrapolationPruner;
import dev.tuna.search.pruner.DivergencePruner;
import dev.tuna.search.pruner.HyperbandPruner;
import dev.tuna.search.pruner.MedianPruner;
import dev.tuna.search.pruner.NopPruner;
import dev.tuna.search.pruner.PatiencePruner;
import dev.tuna.search.pruner.PercentilePruner;
import dev.tuna.search.pruner.SuccessiveHalvingPruner;
import dev.tuna.search.pruner.ThresholdPruner;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns a spec's {@code pruner} into a {@link Pruner}. Options are the pruners' constructor arguments by name,
 * each optional with the pruner's own default.
 */
public final class PrunerFactory {
    /** Every pruner type a spec may name. */
    public static final List<String> TYPES = List.of("none", "median", "percentile", "asha", "hyperband", "threshold",
            "patience", "divergence", "curve", "anyOf");
    private static final int BIG = 1_000_000_000;

    private PrunerFactory() {
    }

    /**
     * The pruner of a spec.
     *
     * @param spec the spec's pruner
     * @param path where it is in the spec ({@code pruner}, {@code pruner.anyOf[0]}, ...)
     * @throws SpecException if the type is unknown or an option is wrong
     */
    public static Pruner create(PrunerSpec spec, String path) {
        return create(spec, path, JsonFields.of(spec.options(), path));
    }

    /**
     * The spec with its options (and its parts') as they take effect, the defaults of those it leaves out included
     * (so that two specs that mean the same pruner resolve to equal ones); checked as {@link #create} checks it.
     */
    public static PrunerSpec resolved(PrunerSpec spec, String path) {
        JsonFields o = JsonFields.of(spec.options(), path);
        create(spec, path, o);
        List<PrunerSpec> parts = new ArrayList<>();
        for (int i = 0; i < spec.anyOf().size(); i++) {
            parts.add(resolved(spec.anyOf().get(i), path + ".anyOf[" + i + "]"));
        }
        return new PrunerSpec(spec.type(), o.resolved(), parts);
    }

    /**
     * The diagnoser of a spec's studies: it sees divergence as the spec's divergence pruner does, so that a trial the
     * pruner let run on ({@code objectiveCollapse: false}, for a score that starts near zero) is not shown diverged.
     */
    public static dev.tuna.search.diagnosis.Diagnoser diagnoser(PrunerSpec spec) {
        return dev.tuna.search.diagnosis.Diagnoser.builder().objectiveCollapse(!collapseOff(resolved(spec, "pruner")))
                .build();
    }

    private static boolean collapseOff(PrunerSpec resolved) {
        return resolved.type().equals("divergence") && !resolved.options().path("objectiveCollapse").asBoolean(true)
                || resolved.anyOf().stream().anyMatch(PrunerFactory::collapseOff);
    }

    private static Pruner create(PrunerSpec spec, String path, JsonFields o) {
        Pruner pruner;
        try {
            pruner = switch (spec.type()) {
                case "none" -> new NopPruner();
                case "median" -> new MedianPruner(o.integer("nStartupTrials", 5, 0, BIG), o.integer("nWarmupSteps", 0, 0, BIG),
                        o.integer("intervalSteps", 1, 1, BIG), o.integer("nMinTrials", 1, 1, BIG));
                case "percentile" -> new PercentilePruner(o.requiredNumber("percentile"),
                        o.integer("nStartupTrials", 5, 0, BIG), o.integer("nWarmupSteps", 0, 0, BIG),
                        o.integer("intervalSteps", 1, 1, BIG), o.integer("nMinTrials", 1, 1, BIG));
                case "asha" -> new SuccessiveHalvingPruner(o.integer("minResource", 0, 0, BIG),
                        o.integer("reductionFactor", 4, 2, BIG), o.integer("minEarlyStoppingRate", 0, 0, 64));
                case "hyperband" -> new HyperbandPruner(o.integer("minResource", 1, 1, BIG),
                        o.integer("maxResource", 0, 0, BIG), o.integer("reductionFactor", 3, 2, BIG));
                case "threshold" -> threshold(o);
                case "patience" -> new PatiencePruner(o.integer("patience", 5, 1, BIG),
                        o.number("minDelta", 0.0), o.integer("nWarmupSteps", 0, 0, BIG));
                case "divergence" -> divergence(o);
                case "curve" -> new CurveExtrapolationPruner(o.integer("maxStep", 0, 0, BIG), o.integer("minSteps", 3, 3, BIG),
                        o.integer("nStartupTrials", 1, 1, BIG), o.number("probability", 0.8));
                case "anyOf" -> anyOf(spec, path);
                default -> throw new SpecException(path + ".type", "unknown pruner " + JsonFields.quote(spec.type())
                        + " (expected one of " + String.join(", ", TYPES) + ")");
            };
        } catch (SpecException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // The pruners check their own ranges and start their message with the option's name: the field is that
            // option's ("pruner.percentile: must be in [0, 100], got 150").
            String message = e.getMessage() == null ? "invalid options" : e.getMessage();
            int space = message.indexOf(' ');
            String option = space > 0 ? message.substring(0, space) : "";
            if (spec.options().has(option)) {
                throw new SpecException(path + "." + option, message.substring(space + 1));
            }
            throw new SpecException(path, message);
        }
        o.done();
        return pruner;
    }

    private static Pruner threshold(JsonFields o) {
        Double lower = o.number("lower", null);
        Double upper = o.number("upper", null);
        if (lower == null && upper == null) {
            throw new SpecException(o.path(), "a threshold pruner needs lower, upper or both");
        }
        return new ThresholdPruner(lower == null ? Double.NEGATIVE_INFINITY : lower,
                upper == null ? Double.POSITIVE_INFINITY : upper,
                o.integer("nWarmupSteps", 0, 0, BIG), o.integer("intervalSteps", 1, 1, BIG));
    }

    private static Pruner divergence(JsonFields o) {
        DivergencePruner.Builder b = DivergencePruner.builder();
        b.lossFactor(o.number("lossFactor", DivergencePruner.DEFAULT_LOSS_FACTOR));
        b.gradNormFactor(o.number("gradNormFactor", DivergencePruner.DEFAULT_GRAD_NORM_FACTOR));
        Double maxGradNorm = o.number("maxGradNorm", null);
        if (maxGradNorm != null) {
            b.maxGradNorm(maxGradNorm);
        }
        b.objectiveIsLoss(o.bool("objectiveIsLoss", true));
        b.objectiveCollapse(o.bool("objectiveCollapse", true));
        b.gradNormMetric(o.string("gradNormMetric", DivergencePruner.DEFAULT_GRAD_NORM_METRIC));
        JsonNode losses = o.raw("lossMetrics");
        if (losses == null) {
            o.fallback("lossMetrics", DivergencePruner.DEFAULT_LOSS_METRICS);
        } else {
            if (!losses.isArray()) {
                throw new SpecException(o.path("lossMetrics"), "expected an array of metric names, got " + JsonFields.describe(losses));
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < losses.size(); i++) {
                if (!losses.get(i).isTextual()) {
                    throw new SpecException(o.path("lossMetrics") + "[" + i + "]", "expected a metric name, got " + JsonFields.describe(losses.get(i)));
                }
                names.add(losses.get(i).textValue());
            }
            b.lossMetrics(names);
        }
        return b.build();
    }

    private static Pruner anyOf(PrunerSpec spec, String path) {
        Iterator<String> extra = spec.options().fieldNames();
        if (extra.hasNext()) {
            // Checked first: "pruners" where "anyOf" was meant should be named, not reported as an empty list.
            throw new SpecException(path + "." + extra.next(), "unknown field (expected one of type, anyOf)");
        }
        if (spec.anyOf().isEmpty()) {
            throw new SpecException(path + ".anyOf", "needs at least one pruner");
        }
        List<Pruner> pruners = new ArrayList<>();
        for (int i = 0; i < spec.anyOf().size(); i++) {
            pruners.add(create(spec.anyOf().get(i), path + ".anyOf[" + i + "]"));
        }
        try {
            return new AnyOf(pruners);
        } catch (IllegalArgumentException e) {
            // It names the pruner it refuses "pruners[i]: ...": in the spec, that is anyOf[i].
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("pruners\\[(\\d+)]: (.*)").matcher(e.getMessage());
            if (m.matches()) {
                throw new SpecException(path + ".anyOf[" + m.group(1) + "]", m.group(2));
            }
            throw new SpecException(path + ".anyOf", e.getMessage());
        }
    }
}
