#!/usr/bin/python3
"""A yardstick for the GP sampler's rosenbrock4 figure at 50 trials: SciPy's local methods started from the best of
10 scrambled Sobol points (as the GP's startup), with the other 40 evaluations left, on rosenbrock4 over
[-2.048, 2.048]^4. Prints the median final regret per method over the seeds and how many runs end below 1.

    python3 examples/optuna/local_rosenbrock.py            # seeds 0-99; SciPy 1.14 or later (COBYQA)
    python3 examples/optuna/local_rosenbrock.py --seeds 10
"""
import argparse
import statistics
import warnings

import numpy as np
import scipy.optimize
from scipy.stats import qmc

LOW, HIGH, STARTUP, BUDGET = -2.048, 2.048, 10, 50


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


class Budget(Exception):
    pass


def run(method, seed):
    points = qmc.Sobol(4, seed=seed).random(STARTUP) * (HIGH - LOW) + LOW
    values = [rosenbrock(p) for p in points]
    best = [min(values)]
    used = [STARTUP]

    def objective(x):
        if used[0] >= BUDGET:
            raise Budget()
        used[0] += 1
        value = rosenbrock(x)
        best[0] = min(best[0], value)
        return value

    options = {"maxfev": BUDGET - STARTUP}
    if method == "COBYQA":
        options["initial_tr_radius"] = 0.5
    try:
        scipy.optimize.minimize(objective, points[int(np.argmin(values))], method=method,
                                bounds=[(LOW, HIGH)] * 4, options=options)
    except Budget:
        pass
    return best[0]  # the optimum is 0: the value is the regret


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # Sobol's balance warning for 10 points
    for method in ["COBYQA", "Powell", "Nelder-Mead"]:
        regrets = [run(method, seed) for seed in range(args.seeds)]
        print(f"{method:12s} median regret at {BUDGET} evaluations: {statistics.median(regrets):.3g}"
              f" ({sum(r < 1 for r in regrets)} of {args.seeds} runs below 1)")


if __name__ == "__main__":
    main()
