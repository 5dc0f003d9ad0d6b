#!/usr/bin/env python3
"""Optuna 3.1's pruners on Tuna's pruning benchmark: the same 100 learning curves, the same fixed order.

Reads examples/src/main/resources/dev/tuna/examples/bench/curves.json (the suite `./tuna bench pruners` uses),
trains configuration i in trial i for up to 27 epochs (reporting its validation loss each epoch and asking the
pruner), and writes examples/results/pruners-optuna.json: epochs spent as a fraction of training every
configuration fully, and the relative regret of the best completed trial against the best final value.

    apt-get install -y python3-optuna && /usr/bin/python3 examples/optuna/pruners.py
"""
import json
import math
import os
import time
from datetime import datetime, timezone

import optuna

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CURVES = os.path.join(ROOT, "examples/src/main/resources/dev/tuna/examples/bench/curves.json")
OUT = os.path.join(ROOT, "examples/results/pruners-optuna.json")


def value(curve, epoch):
    v = curve[epoch - 1]
    return float("nan") if v is None else v


def run(suite, name, pruner):
    start = time.perf_counter()
    configs = suite["configs"]
    epochs_total = suite["epochs"]
    spent = [0]

    def objective(trial):
        c = configs[trial.number]
        v = float("nan")
        for epoch in range(1, epochs_total + 1):
            spent[0] += 1
            v = value(c["valLoss"], epoch)
            trial.report(v, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return v  # NaN fails the trial, as in Tuna

    study = optuna.create_study(study_name="pruners", direction="minimize", sampler=optuna.samplers.RandomSampler(seed=0), pruner=pruner)
    study.optimize(objective, n_trials=len(configs), catch=())
    states = [t.state for t in study.trials]
    completed = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = min(completed) if completed else float("nan")
    optimum = min(value(c["valLoss"], epochs_total) for c in configs if not math.isnan(value(c["valLoss"], epochs_total)))
    return {
        "pruner": name,
        "epochs": spent[0],
        "fraction": spent[0] / (len(configs) * epochs_total),
        "completed": states.count(optuna.trial.TrialState.COMPLETE),
        "pruned": states.count(optuna.trial.TrialState.PRUNED),
        "failed": states.count(optuna.trial.TrialState.FAIL),
        "bestCompleted": best,
        "regret": (best - optimum) / optimum,
        "seconds": time.perf_counter() - start,
    }


def main():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with open(CURVES) as f:
        suite = json.load(f)
    pruners = [
        ("none", optuna.pruners.NopPruner()),
        ("median", optuna.pruners.MedianPruner()),
        ("percentile 25", optuna.pruners.PercentilePruner(25.0)),
        ("asha (successive halving)", optuna.pruners.SuccessiveHalvingPruner()),
        ("hyperband", optuna.pruners.HyperbandPruner()),
        ("threshold (upper 1.0 from epoch 5)", optuna.pruners.ThresholdPruner(upper=1.0, n_warmup_steps=5)),
        ("patience 3", optuna.pruners.PatientPruner(None, patience=3, min_delta=0.001)),
    ]
    results = []
    print(f"Optuna {optuna.__version__} on {len(suite['configs'])} curves of {suite['epochs']} epochs")
    for name, pruner in pruners:
        r = run(suite, name, pruner)
        results.append(r)
        print(f"  {name:36s} epochs {r['epochs']:5d} ({100 * r['fraction']:5.1f}%)  completed {r['completed']:3d}  "
              f"pruned {r['pruned']:3d}  failed {r['failed']:3d}  best {r['bestCompleted']:.4f}  "
              f"regret {100 * r['regret']:6.2f}%  {r['seconds']:.2f} s")
    report = {"tool": "optuna", "version": optuna.__version__,
              "date": datetime.now(timezone.utc).isoformat(), "results": results}
    with open(OUT, "w") as f:
        json.dump(report, f, indent=2)
    print(f"Wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
