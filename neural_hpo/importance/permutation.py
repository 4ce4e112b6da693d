"""Permutation importance on held-out trials: how much worse a forest predicts once a
parameter's values are shuffled.

Shuffling a parameter breaks its main effect and all its interactions, so the drop ranks like a
total-order index; measured on folds the forest never saw, it cannot reward memorised noise.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold

from neural_hpo.importance.forest import n_jobs
from neural_hpo.importance.result import Estimate

N_FOLDS = 3
N_REPEATS = 5


def permutation_importance(X: np.ndarray, y: np.ndarray, seed: int) -> Estimate:
    """Mean rise in held-out squared error per shuffled parameter, as a share of Var(y).

    std is the spread over folds and repeats; R² is the forest's cross-validated fit. All
    shuffled copies of a fold go through the forest in one call.
    """
    rng = np.random.default_rng(seed)
    variance = float(np.var(y))
    p = X.shape[1]
    drops, residual = [], 0.0
    for fit, test in KFold(N_FOLDS, shuffle=True, random_state=seed).split(X):
        forest = RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=n_jobs(len(fit)))
        forest.fit(X[fit], y[fit])
        base = float(np.mean((forest.predict(X[test]) - y[test]) ** 2))
        residual += base * len(test)
        copies = np.repeat(X[test][None], p * N_REPEATS, axis=0)  # (p * repeats, m, p)
        for r in range(p * N_REPEATS):
            copies[r, :, r // N_REPEATS] = rng.permutation(copies[r, :, r // N_REPEATS])
        shuffled = forest.predict(copies.reshape(-1, p)).reshape(p * N_REPEATS, len(test))
        errors = np.mean((shuffled - y[test]) ** 2, axis=1).reshape(p, N_REPEATS)
        drops.append((errors - base) / variance)
    all_drops = np.hstack(drops)  # (features, folds * repeats)
    r2 = 1.0 - residual / (variance * len(y))
    return Estimate(np.clip(all_drops.mean(axis=1), 0.0, None), all_drops.std(axis=1), r2)
