"""Importance: time and error against analytic Sobol indices, per method and for Optuna's fANOVA.

Each benchmark is a real Optuna study of uniform random trials (Ishigami, Sobol G-function,
linear). Columns: seconds per analysis; ``first err``: max |raw first-order index - analytic|
(variance-based methods only); ``norm err``: max |normalized importance - normalized analytic
first-order|, comparable across all methods; ``rank rho``: Spearman correlation with the
analytic total-order indices; ``vs optuna``: Optuna fANOVA's time divided by this method's,
measured in the same run on the same study.

    python bench/importance.py [--sizes 100 300 1000] [--skip-optuna]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import optuna
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from importance_studies import BENCHMARKS, G_A, ISHIGAMI_TOTAL, uniform_study

from neural_hpo.importance import METHODS, importance

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # normalize=False


def total_order(name: str) -> np.ndarray:
    """Analytic total-order indices."""
    if name == "ishigami":
        return np.array(ISHIGAMI_TOTAL)
    if name == "g_function":
        v = 1.0 / (3.0 * (1.0 + G_A) ** 2)
        total = np.prod(1.0 + v) - 1.0
        return np.array([v[i] * np.prod(np.delete(1.0 + v, i)) for i in range(len(v))]) / total
    return np.array(BENCHMARKS[name][4])


def row(name: str, n: int, method: str, seconds: float, values: dict, first: dict | None):
    truth = np.array(BENCHMARKS[name][4])
    keys = [f"x{j}" for j in range(len(truth))]
    got = np.array([values.get(k, 0.0) for k in keys])
    norm_err = np.max(np.abs(got / got.sum() - truth / truth.sum()))
    first_err = (
        np.max(np.abs(np.array([first[k] for k in keys]) - truth)) if first is not None else None
    )
    rho = spearmanr(got, total_order(name)).statistic
    return [name, n, method, seconds, first_err, norm_err, rho]


def optuna_fanova(study: optuna.Study) -> tuple[float, dict, dict]:
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
    start = time.perf_counter()
    raw = optuna.importance.get_param_importances(study, evaluator=evaluator, normalize=False)
    return time.perf_counter() - start, raw, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--skip-optuna", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in BENCHMARKS:
        for n in args.sizes:
            study = uniform_study(name, n)
            block = []
            for method in METHODS:
                start = time.perf_counter()
                result = importance(study, "value", method)
                block.append(
                    row(name, n, method, time.perf_counter() - start, result, result.first_order)
                )
            reference = None
            if not args.skip_optuna:
                seconds, values, raw = optuna_fanova(study)
                block.append(row(name, n, "optuna fanova", seconds, values, raw))
                reference = seconds
            for r in block:
                r.append(reference / r[3] if reference else None)
            rows += block
            print_table(block, header=not rows[: -len(block)])
    print()


def fmt(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def print_table(rows: list[list], header: bool) -> None:
    cols = ["function", "trials", "method", "seconds", "first err", "norm err", "rank rho"]
    cols.append("vs optuna")
    widths = [12, 6, 17, 8, 9, 8, 8, 9]
    if header:
        print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for r in rows:
        print("  ".join(fmt(v).ljust(w) for v, w in zip(r, widths)), flush=True)


if __name__ == "__main__":
    main()
