#!/usr/bin/python3
"""Optuna's side of `tuna bench samplers`: the same four functions, domains and budgets with Optuna 3.1's
samplers (random, TPE, multivariate TPE, CMA-ES, QMC), median and mean final regret over the seeds, and the
median time of one TPE suggestion with 4 parameters at 100 and 1,000 finished trials. Written for Debian's
python3-optuna (Optuna 3.1):

    apt-get install -y python3-optuna python3-scipy           # scipy for the QMC sampler
    /usr/bin/python3 examples/optuna/samplers.py            # writes examples/results/samplers-optuna.json
    /usr/bin/python3 examples/optuna/samplers.py --functions branin --seeds 3 --samplers tpe

As on the Java side, each (function, sampler, seed) runs once for the largest budget: the best value after the
first b trials is the result of a run with budget b (no sampler looks at the budget).
"""
import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone

import warnings

import optuna

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def branin(x):
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


FUNCTIONS = {
    "branin": ([-5, 0], [10, 15], 0.397887, branin),
    "hartmann6": ([0] * 6, [1] * 6, -3.32237, hartmann6),
    "rosenbrock4": ([-2.048] * 4, [2.048] * 4, 0.0, rosenbrock),
    "ackley5": ([-10] * 5, [30] * 5, 0.0, ackley),
}

SAMPLERS = {
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "tpe-multivariate": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=True),
    "cmaes": lambda seed: optuna.samplers.CmaEsSampler(seed=seed),
    "qmc": lambda seed: optuna.samplers.QMCSampler(seed=seed),
}


def run(function, sampler, seed, trials):
    low, high, optimum, f = FUNCTIONS[function]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    def objective(trial):
        return f([trial.suggest_float(f"x{i}", low[i], high[i]) for i in range(len(low))])

    study = optuna.create_study(sampler=SAMPLERS[sampler](seed))
    study.optimize(objective, n_trials=trials)
    best = math.inf
    regret = []
    for t in study.trials:
        if t.value is not None:
            best = min(best, t.value)
        regret.append(max(0.0, best - optimum))
    return regret


def latency(n):
    """Median time of one TPE suggestion (ask plus four suggestions) with n finished trials."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(lambda t: sum(t.suggest_float(f"x{i}", 0, 1) for i in range(4)), n_trials=n)
    study.sampler = optuna.samplers.TPESampler(seed=1)
    times = []
    for _ in range(15):
        start = time.perf_counter()
        trial = study.ask()
        value = sum(trial.suggest_float(f"x{i}", 0, 1) for i in range(4))
        times.append((time.perf_counter() - start) * 1e3)
        study.tell(trial, value)
    return {"finishedTrials": n, "parameters": 4, "sampler": "tpe", "medianMillis": statistics.median(times)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--budgets", default="50,100")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=os.cpu_count())
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--out", default="examples/results/samplers-optuna.json")
    args = parser.parse_args()
    functions = args.functions.split(",")
    samplers = args.samplers.split(",")
    budgets = [int(b) for b in args.budgets.split(",")]
    for f in functions:
        if f not in FUNCTIONS:
            parser.error(f"--functions: unknown function '{f}'; expected one of {list(FUNCTIONS)}")
    for s in samplers:
        if s not in SAMPLERS:
            parser.error(f"--samplers: unknown sampler '{s}'; expected one of {list(SAMPLERS)}")
    if "qmc" in samplers and importlib.util.find_spec("scipy") is None:
        # Optuna's QMCSampler draws its points with scipy.stats.qmc (apt-get install python3-scipy).
        print("Skipping qmc: it needs scipy, which is not installed")
        samplers.remove("qmc")
    trials = max(budgets)
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        futures = {(f, s, seed): pool.submit(run, f, s, seed, trials)
                   for f in functions for s in samplers for seed in range(args.seeds)}
        traces = {key: fut.result() for key, fut in futures.items()}
    results = []
    curves = {}
    for f in functions:
        for s in samplers:
            runs = [traces[(f, s, seed)] for seed in range(args.seeds)]
            curves.setdefault(f, {})[s] = [statistics.median(r[t] for r in runs) for t in range(trials)]
            for b in budgets:
                finals = [r[b - 1] for r in runs]
                results.append({"function": f, "sampler": s, "budget": b, "medianRegret": statistics.median(finals),
                                "meanRegret": statistics.fmean(finals), "regrets": finals})
    lat = [] if args.no_latency else [latency(n) for n in (100, 1000)]
    print(f"Median final regret (mean in brackets) over {args.seeds} seeds, Optuna {optuna.__version__}")
    print(f"{'function':12} {'trials':>6}" + "".join(f" {s:>22}" for s in samplers))
    for f in functions:
        for b in budgets:
            row = f"{f:12} {b:6d}"
            for s in samplers:
                r = next(x for x in results if x["function"] == f and x["sampler"] == s and x["budget"] == b)
                row += f" {r['medianRegret']:10.4g} ({r['meanRegret']:9.3g})"
            print(row)
    for entry in lat:
        print(f"TPE suggestion, 4 params, {entry['finishedTrials']} finished trials: median {entry['medianMillis']:.1f} ms")
    report = {
        "benchmark": "samplers",
        "date": datetime.now(timezone.utc).isoformat(),
        "seeds": args.seeds,
        "budgets": budgets,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "optuna": optuna.__version__,
                    "os": f"{platform.system()} {platform.machine()}"},
        "results": results,
        "medianBestSoFar": curves,
        "latency": lat,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=2)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
