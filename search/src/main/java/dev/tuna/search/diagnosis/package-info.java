/**
 * Diagnoses: named findings on a trial's curves (diverged, exploding gradients, vanishing gradients, overfitting,
 * plateau), each with the step where it began. A {@link dev.tuna.search.Study} runs its
 * {@link dev.tuna.search.diagnosis.Diagnoser} on every trial that reported curves when it finishes, pruned or not,
 * and stores the findings as the trial's system attribute {@value dev.tuna.search.diagnosis.Diagnosis#ATTR}.
 */
package dev.tuna.search.diagnosis;
