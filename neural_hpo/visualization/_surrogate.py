"""A random-forest surrogate of the metric and partial dependence on it.

Marginal effects, interactions and contours describe the metric as a function of parameters;
trials alone are too sparse for that, so those plots read a forest fitted on them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import RandomForestRegressor

#: rows a surrogate is fitted on; larger studies are subsampled (the shape barely changes)
MAX_FIT_ROWS = 2000
#: rows partial dependence averages over
MAX_PD_ROWS = 100


def fit_forest(x: np.ndarray, y: np.ndarray, seed: int = 0) -> RandomForestRegressor:
    """A forest fitted on at most ``MAX_FIT_ROWS`` rows of ``x`` (NaN marks a missing param)."""
    rng = np.random.default_rng(seed)
    if len(x) > MAX_FIT_ROWS:
        keep = rng.choice(len(x), MAX_FIT_ROWS, replace=False)
        x, y = x[keep], y[keep]
    model = RandomForestRegressor(n_estimators=48, min_samples_leaf=2, random_state=seed)
    return model.fit(x, y)


def background(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """The rows partial dependence averages over."""
    if len(x) <= MAX_PD_ROWS:
        return x
    return x[np.random.default_rng(seed).choice(len(x), MAX_PD_ROWS, replace=False)]


def partial_dependence(
    model: RandomForestRegressor,
    rows: np.ndarray,
    cols: Sequence[int],
    grids: Sequence[np.ndarray],
) -> np.ndarray:
    """Predictions with ``cols`` set to each point of the grid product, one column per row.

    Shape: ``(len(grids[0]), ..., len(grids[-1]), len(rows))``; averaging the last axis gives
    the partial dependence, its spread the individual conditional expectations.
    """
    mesh = np.meshgrid(*grids, indexing="ij")
    points = np.column_stack([m.ravel() for m in mesh])
    batch = np.repeat(rows[None, :, :], len(points), axis=0)
    for j, col in enumerate(cols):
        batch[:, :, col] = points[:, j, None]
    pred = model.predict(batch.reshape(-1, rows.shape[1]))
    return pred.reshape(*mesh[0].shape, len(rows))
