package dev.tuna.search.sampler;

import dev.tuna.core.CategoricalDistribution;
import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Picks a sampler per trial from the study's history. The rule, checked when each trial starts:
 * <ul>
 *   <li>{@link GpSampler} while the search space is numeric and fixed: no categorical parameter (one with a
 *       single choice does not count) and no
 *       conditional one (every finished trial has the same parameters with the same distributions), and fewer
 *       than {@value #GP_MAX_TRIALS} trials have finished (the GP is fitted on a capped subset, but beyond that
 *       TPE's cheaper, constant-time-per-observation model has caught up on quality);</li>
 *   <li>{@link TpeSampler} (multivariate) otherwise: mixed, categorical and conditional spaces, where a GP over
 *       a fixed vector of inputs is weak, and long histories.</li>
 * </ul>
 * Both share the seed, and a trial keeps the sampler it started with for all its parameters. Until the first
 * trial finishes, the GP's startup design (Sobol) is used, so the switch happens at most once in practice
 * (the first categorical or conditional parameter seen moves the study to TPE for good). One instance may serve
 * several studies: each {@link Study} is judged on its own history.
 */
public final class AutoSampler implements Sampler {
    /** Finished trials beyond which TPE is used whatever the space. */
    public static final int GP_MAX_TRIALS = 1000;

    private final long seed;
    private final GpSampler gp;
    private final TpeSampler tpe;
    // Guarded by this: what each study (by Study object) has decided so far.
    private final Map<Study, Decisions> decisions = new WeakHashMap<>();

    /** Which sampler each running trial of a study started with, and whether the study has moved to TPE. */
    private static final class Decisions {
        final Map<Integer, Sampler> chosen = new HashMap<>();
        boolean gpRuledOut;
    }

    /** @param seed fixes every suggestion */
    public AutoSampler(long seed) {
        this.seed = seed;
        this.gp = new GpSampler(seed);
        this.tpe = TpeSampler.multivariate(seed);
    }

    @Override
    public Map<String, Object> sampleRelative(Study study, FrozenTrial trial) {
        List<FrozenTrial> trials = study.trials(); // read once, for the choice and the chosen sampler
        Sampler sampler = choose(study, trials);
        synchronized (this) {
            Map<Integer, Sampler> chosen = decisions(study).chosen;
            chosen.put(trial.number(), sampler);
            chosen.keySet().removeIf(n -> n < trial.number() - 10_000);
        }
        return sampler == gp ? gp.sampleRelative(study, trial, trials) : tpe.sampleRelative(study, trial, trials);
    }

    @Override
    public Object sampleIndependent(Study study, FrozenTrial trial, String name, Distribution distribution) {
        Sampler sampler;
        synchronized (this) {
            Decisions d = decisions(study);
            sampler = d.chosen.get(trial.number());
            if (distribution instanceof CategoricalDistribution) {
                d.gpRuledOut = true;
            }
        }
        return (sampler != null ? sampler : tpe).sampleIndependent(study, trial, name, distribution);
    }

    private Decisions decisions(Study study) {
        return decisions.computeIfAbsent(study, s -> new Decisions());
    }

    /** The sampler for a trial of the study starting now; see the class comment. */
    synchronized Sampler choose(Study study, List<FrozenTrial> trials) {
        Decisions d = decisions(study);
        if (d.gpRuledOut) {
            return tpe;
        }
        Map<String, Distribution> space = null;
        int finished = 0;
        for (FrozenTrial t : trials) {
            if (t.state() == TrialState.RUNNING || t.state() == TrialState.WAITING) {
                continue;
            }
            finished++;
            if (t.state() != TrialState.COMPLETE) {
                continue;
            }
            for (Distribution distribution : t.distributions().values()) {
                if (distribution instanceof CategoricalDistribution && !distribution.single()) {
                    d.gpRuledOut = true;
                    return tpe;
                }
            }
            if (space == null) {
                space = new LinkedHashMap<>(t.distributions());
            } else if (!space.equals(t.distributions())) {
                d.gpRuledOut = true; // conditional parameters
                return tpe;
            }
        }
        return finished >= GP_MAX_TRIALS ? tpe : gp;
    }

    @Override
    public String toString() {
        return "AutoSampler(seed=" + seed + ")";
    }
}
