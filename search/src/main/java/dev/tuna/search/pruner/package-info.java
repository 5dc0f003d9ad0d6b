/**
 * Pruners: each decides, after a running trial reported, whether it should stop, and says why in words a person
 * reads ("below the median at step 5: 0.61 &lt; 0.73"). {@link dev.tuna.search.pruner.MedianPruner},
 * {@link dev.tuna.search.pruner.PercentilePruner}, {@link dev.tuna.search.pruner.SuccessiveHalvingPruner} and
 * {@link dev.tuna.search.pruner.HyperbandPruner} follow Optuna 3.1 (same defaults, same decisions on the same
 * curves of numbers; at a rank between a number and an infinity, where numpy's NaN keeps every trial, Tuna takes the
 * infinity); {@link dev.tuna.search.pruner.ThresholdPruner}, {@link dev.tuna.search.pruner.PatiencePruner} and
 * {@link dev.tuna.search.pruner.DivergencePruner} judge a trial on its own curves;
 * {@link dev.tuna.search.pruner.CurveExtrapolationPruner} predicts where a curve ends;
 * {@link dev.tuna.search.pruner.AnyOf} combines them.
 */
package dev.tuna.search.pruner;
