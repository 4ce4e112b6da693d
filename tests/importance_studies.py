"""Real Optuna studies with known answers, for the importance tests and the benchmark."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

ISHIGAMI_FIRST = (0.314, 0.442, 0.0)
ISHIGAMI_TOTAL = (0.558, 0.442, 0.244)
G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
G_FIRST = (0.716, 0.179, 0.024, 0.007, 0.0, 0.0)
LINEAR_A = np.array([1.0, 2.0, 3.0, 0.5])
LINEAR_FIRST = tuple(LINEAR_A**2 / np.sum(LINEAR_A**2))


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def g_function(x: np.ndarray) -> np.ndarray:
    return np.prod((np.abs(4 * x - 2) + G_A) / (1 + G_A), axis=1)


def linear(x: np.ndarray) -> np.ndarray:
    return x @ LINEAR_A


#: name -> (function, low, high, dimensions, analytic first-order indices)
BENCHMARKS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], float, float, int, tuple]] = {
    "ishigami": (ishigami, -np.pi, np.pi, 3, ISHIGAMI_FIRST),
    "g_function": (g_function, 0.0, 1.0, 6, G_FIRST),
    "linear": (linear, 0.0, 1.0, 4, LINEAR_FIRST),
}


def uniform_study(name: str, n: int, seed: int = 0) -> optuna.Study:
    """A study of ``n`` uniform random trials of benchmark ``name``; params x0, x1, ..."""
    f, low, high, d, _ = BENCHMARKS[name]
    x = np.random.default_rng(seed).uniform(low, high, size=(n, d))
    y = f(x)
    dist = FloatDistribution(low, high)
    study = optuna.create_study(study_name=name)
    study.add_trials(
        [
            create_trial(
                params={f"x{j}": float(row[j]) for j in range(d)},
                distributions={f"x{j}": dist for j in range(d)},
                value=float(v),
            )
            for row, v in zip(x, y)
        ]
    )
    return study
