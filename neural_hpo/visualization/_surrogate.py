"""A random-forest surrogate of the metric.

The contour plot describes the metric as a function of two parameters; trials alone are too
sparse for that, so it reads a forest fitted on them.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

#: rows a surrogate is fitted on; larger studies are subsampled (the shape barely changes)
MAX_FIT_ROWS = 2000


def fit_forest(x: np.ndarray, y: np.ndarray, seed: int = 0) -> RandomForestRegressor:
    """A forest fitted on at most ``MAX_FIT_ROWS`` rows of ``x`` (NaN marks a missing param)."""
    rng = np.random.default_rng(seed)
    if len(x) > MAX_FIT_ROWS:
        keep = rng.choice(len(x), MAX_FIT_ROWS, replace=False)
        x, y = x[keep], y[keep]
    model = RandomForestRegressor(n_estimators=48, min_samples_leaf=2, random_state=seed)
    return model.fit(x, y)
