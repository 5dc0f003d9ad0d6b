#!/usr/bin/python3
"""Optuna's side of `tuna bench mixed-spaces`: the same two problems, where a categorical parameter picks a branch,
with Optuna 3.1's TPE (univariate and multivariate) and random samplers, the same seeds and budgets; median and mean
final regret and the share of runs that found the optimum's branch (final regret below 0.1). Written for Debian's
python3-optuna (Optuna 3.1):

    apt-get install -y python3-optuna
    /usr/bin/python3 examples/optuna/mixed_spaces.py          # prints the table only
    /usr/bin/python3 examples/optuna/mixed_spaces.py --out examples/results/mixed-spaces-optuna.json
    /usr/bin/python3 examples/optuna/mixed_spaces.py --problems mixed --seeds 5 --samplers tpe-multivariate-group

mixed: a categorical model (linear, quad, wave) picks the formula of a float x, an int n and a log-scale float lr;
best 0.5 in quad, a trap at 0.7 in wave, 1.0 in linear. conditional: a classifier (svm, rf, mlp) with parameters of
its own, defined by run; best 0.15 in mlp, 0.25 in rf, 0.30 in svm. As on the Java side, each (problem, sampler,
seed) runs once for the largest budget: the best value after the first b trials is the result of a run with budget
b (no sampler looks at the budget).
"""
import argparse
import json
import math
import os
import platform
import statistics
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone

import optuna

RIGHT_BRANCH_REGRET = 0.1


def sq(x):
    return x * x


def mixed(trial):
    model = trial.suggest_categorical("model", ["linear", "quad", "wave"])
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 20)
    u = math.log10(trial.suggest_float("lr", 1e-4, 1, log=True))
    if model == "linear":
        return 1.0 + 0.3 * abs(x - 1) + 0.05 * abs(n - 7) + 0.5 * sq(u + 2)
    if model == "quad":
        return 0.5 + sq(x + 2) / 4 + sq(n - 15) / 50.0 + 0.5 * sq(u + 3)
    return 0.7 + 0.3 * (1 + math.sin(3 * x)) + sq(n - 3) / 30.0 + 0.5 * sq(u + 1)


def conditional(trial):
    clf = trial.suggest_categorical("clf", ["svm", "rf", "mlp"])
    if clf == "svm":
        c = math.log10(trial.suggest_float("svm_C", 1e-3, 1e3, log=True))
        g = math.log10(trial.suggest_float("svm_gamma", 1e-4, 1, log=True))
        return 0.30 + 0.02 * sq(c - 1) + 0.03 * sq(g + 2)
    if clf == "rf":
        depth = trial.suggest_int("rf_depth", 1, 32)
        trees = math.log10(trial.suggest_int("rf_trees", 10, 1000, log=True))
        return 0.25 + 0.1 * sq((depth - 12) / 10.0) + 0.05 * sq(trees - 2.5)
    lr = math.log10(trial.suggest_float("mlp_lr", 1e-5, 1, log=True))
    layers = trial.suggest_int("mlp_layers", 1, 5)
    units = math.log2(trial.suggest_int("mlp_units", 16, 1024, log=True))
    dropout = trial.suggest_float("mlp_dropout", 0, 0.5)
    return (0.15 + 0.04 * sq(lr + 2.5) + 0.02 * sq(layers - 3) + 0.03 * sq(units - 8) / 4
            + 0.5 * sq(dropout - 0.2))


# name: (objective, optimum, the categorical parameter that picks the branch)
PROBLEMS = {
    "mixed": (mixed, 0.5, "model"),
    "conditional": (conditional, 0.15, "clf"),
}

SAMPLERS = {
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "tpe-multivariate": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=True),
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
    # Not in the default list: multivariate TPE that models each branch's parameters jointly.
    "tpe-multivariate-group": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True),
}
DEFAULT_SAMPLERS = "tpe,tpe-multivariate,random"


def run(problem, sampler, seed, trials):
    """One seeded study: after each trial, the regret of the best trial so far and that trial's branch."""
    objective, optimum, branch_param = PROBLEMS[problem]
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    # Multivariate TPE on a conditional space warns that it falls back to independent sampling, once per trial.
    warnings.filterwarnings("ignore", category=UserWarning)
    study = optuna.create_study(sampler=SAMPLERS[sampler](seed))
    study.optimize(objective, n_trials=trials)
    best, best_branch = math.inf, "none"
    regret, branch = [], []
    for t in study.trials:
        if t.value is not None and t.value < best:
            best, best_branch = t.value, t.params[branch_param]
        regret.append(max(0.0, best - optimum))
        branch.append(best_branch)
    return regret, branch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--samplers", default=DEFAULT_SAMPLERS, help=f"any of {list(SAMPLERS)}")
    parser.add_argument("--budgets", default="50,100")
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--processes", type=int, default=os.cpu_count())
    parser.add_argument("--out", help="where to write the JSON results (default: none, the table only)")
    args = parser.parse_args()
    problems = args.problems.split(",")
    samplers = args.samplers.split(",")
    budgets = [int(b) for b in args.budgets.split(",")]
    for p in problems:
        if p not in PROBLEMS:
            parser.error(f"--problems: unknown problem '{p}'; expected one of {list(PROBLEMS)}")
    for s in samplers:
        if s not in SAMPLERS:
            parser.error(f"--samplers: unknown sampler '{s}'; expected one of {list(SAMPLERS)}")
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    if any(b < 1 for b in budgets):
        parser.error(f"--budgets must be positive, got {budgets}")
    trials = max(budgets)
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        futures = {(p, s, seed): pool.submit(run, p, s, seed, trials)
                   for p in problems for s in samplers for seed in range(args.seeds)}
        runs = {}
        for p in problems:
            for s in samplers:
                for seed in range(args.seeds):
                    runs[(p, s, seed)] = futures[(p, s, seed)].result()
                print(f"  done {p:12} {s}", flush=True)
    results = []
    for p in problems:
        for s in samplers:
            done = [runs[(p, s, seed)] for seed in range(args.seeds)]
            for b in budgets:
                finals = [regret[b - 1] for regret, _ in done]
                results.append({
                    "problem": p, "sampler": s, "budget": b,
                    "medianRegret": statistics.median(finals), "meanRegret": statistics.fmean(finals),
                    "rightBranch": sum(r < RIGHT_BRANCH_REGRET for r in finals) / len(finals),
                    "bestBranch": dict(sorted(Counter(branch[b - 1] for _, branch in done).items())),
                    "regrets": finals,
                })
    print()
    print(f"Median final regret (mean in brackets) and share of runs in the right branch (regret < "
          f"{RIGHT_BRANCH_REGRET}) over {args.seeds} seeds, Optuna {optuna.__version__}")
    print(f"{'problem':12} {'trials':>6}" + "".join(f" {s:>26}" for s in samplers))
    for p in problems:
        for b in budgets:
            row = f"{p:12} {b:6d}"
            for s in samplers:
                r = next(x for x in results if x["problem"] == p and x["sampler"] == s and x["budget"] == b)
                row += f" {r['medianRegret']:8.3g} ({r['meanRegret']:8.3g}) {100 * r['rightBranch']:4.0f}%"
            print(row)
    if args.out:
        report = {
            "benchmark": "mixed-spaces",
            "date": datetime.now(timezone.utc).isoformat(),
            "seeds": args.seeds,
            "budgets": budgets,
            "rightBranchRegret": RIGHT_BRANCH_REGRET,
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "optuna": optuna.__version__,
                        "os": f"{platform.system()} {platform.machine()}"},
            "results": results,
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=2)
        print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
