package dev.tuna.search;

import dev.tuna.core.FrozenTrial;

/** Told of every trial that {@link Study#optimize} finishes, from the thread that ran it. */
@FunctionalInterface
public interface TrialCallback {
    void onTrialFinished(Study study, FrozenTrial trial);
}
