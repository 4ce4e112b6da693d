"""Bootstrap spread of any method: rerun it on trials resampled with replacement.

This is the uncertainty every method has, whether or not it carries its own std: how much the
importances move when the same study had happened to draw a different set of trials.
"""

from __future__ import annotations

import numpy as np

from neural_hpo.importance.core import analyze_encoded
from neural_hpo.importance.encoding import Encoded


def bootstrap(
    data: Encoded, method: str, n_iterations: int, seed: int = 0
) -> tuple[dict[str, float], dict[str, float]]:
    """Mean and std of each parameter's importance over ``n_iterations`` resamples."""
    if n_iterations < 2:
        raise ValueError(f"n_iterations: need at least 2 resamples, got {n_iterations}")
    rng = np.random.default_rng(seed)
    n, cols = len(data.y), list(range(len(data.spaces)))
    draws = np.array(
        [
            [
                analyze_encoded(data.take(rng.integers(0, n, n), cols), method, seed + i).get(
                    name, 0.0
                )
                for name in data.names
            ]
            for i in range(n_iterations)
        ]
    )
    return dict(zip(data.names, draws.mean(axis=0))), dict(zip(data.names, draws.std(axis=0)))
