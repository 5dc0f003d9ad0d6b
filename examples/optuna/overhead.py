#!/usr/bin/python3
"""Optuna's side of `tuna bench overhead`: the same trivial 4-parameter objective and random sampler, in memory
and on SQLite (each trial committed when it is told), measured the same way (a warm-up round, then the median
of several rounds). Written for Debian's python3-optuna (Optuna 3.1):

    apt-get install -y python3-optuna
    /usr/bin/python3 examples/optuna/overhead.py            # writes examples/results/overhead-optuna.json
"""
import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timezone

import optuna

CHOICES = ["a", "b", "c"]


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    n = trial.suggest_int("n", 0, 10)
    c = trial.suggest_categorical("c", CHOICES)
    return x * x + y * y + n + CHOICES.index(c)


def run_round(storage, trials, seed):
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=seed))
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    elapsed = time.perf_counter() - start
    complete = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))
    if complete != trials:
        raise SystemExit(f"the study holds {complete} completed trials, expected {trials}")
    return trials / elapsed


def measure(name, detail, trials, rounds, storage_for_round, seed):
    warm = run_round(storage_for_round(0), trials, seed)
    print(f"  {name:<7} warm-up   {warm:12,.0f} trials/s", flush=True)
    rates = []
    for r in range(1, rounds + 1):
        rate = run_round(storage_for_round(r), trials, seed + r)
        rates.append(rate)
        print(f"  {name:<7} round {r}/{rounds} {rate:12,.0f} trials/s", flush=True)
    median = statistics.median(rates)
    return {"storage": name, "detail": detail, "trialsPerRound": trials, "trialsPerSecond": rates,
            "medianTrialsPerSecond": median, "medianMicrosPerTrial": 1e6 / median}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-trials", type=int, default=20000)
    parser.add_argument("--sqlite-trials", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="examples/results/overhead-optuna.json")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(f"Optuna {optuna.__version__} overhead: random sampler, 4 parameters, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")

    results = [measure("memory", "InMemoryStorage", args.memory_trials, args.rounds, lambda r: None, args.seed)]
    with tempfile.TemporaryDirectory(prefix="optuna-bench-") as tmp:
        results.append(measure("sqlite", "RDBStorage on SQLite, a commit per told trial", args.sqlite_trials,
                               args.rounds, lambda r: f"sqlite:///{tmp}/round-{r}.db", args.seed))

    print(f"\n{'storage':<8} {'trials/round':>12} {'rounds':>7} {'median trials/s':>16} {'us/trial':>11}")
    for r in results:
        print(f"{r['storage']:<8} {r['trialsPerRound']:12,d} {len(r['trialsPerSecond']):7d} "
              f"{r['medianTrialsPerSecond']:16,.0f} {r['medianMicrosPerTrial']:11,.1f}")
    report = {
        "benchmark": "overhead",
        "date": datetime.now(timezone.utc).isoformat(),
        "objective": "x^2 + y^2 + n + index(c): x, y float in [-10, 10], n int in [0, 10], c in {a, b, c}",
        "sampler": f"optuna.samplers.RandomSampler(seed={args.seed})",
        "warmupRounds": 1,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "optuna": optuna.__version__,
                    "os": f"{platform.system()} {platform.machine()}", "loadAverage": os.getloadavg()[0]},
        "results": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nWrote {args.out}")


if __name__ == "__main__":
    main()
