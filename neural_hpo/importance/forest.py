"""Tree-ensemble importances: mean decrease in impurity of a random forest or boosted trees.

These are quick and rank parameters by their whole effect, interactions included (impurity
drops wherever a parameter splits), but they are shares of the fitted model, not of the
metric's variance; the forest's spread across trees is reported as std, boosting has none.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin, clone
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from neural_hpo.importance.result import Estimate

#: below this many trials a held-out split says nothing; R² is then not reported
MIN_HOLDOUT = 10
MAX_DEPTH = 6
#: below this many trials a forest fits faster on one thread than it starts a pool
PARALLEL_FROM = 300


def n_jobs(n_trials: int) -> int | None:
    """Worker threads for a forest on ``n_trials`` trials."""
    return -1 if n_trials >= PARALLEL_FROM else None


def holdout_r2(model: RegressorMixin, X: np.ndarray, y: np.ndarray, seed: int) -> float | None:
    """R² of ``model`` on a 20 % split it was not fitted on (None with too few trials)."""
    if len(y) < MIN_HOLDOUT:
        return None
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.2, random_state=seed)
    return float(r2_score(y_test, clone(model).fit(X_fit, y_fit).predict(X_test)))


def random_forest_importance(X: np.ndarray, y: np.ndarray, seed: int) -> Estimate:
    """Impurity importance of a random forest; std across its trees; out-of-bag R².

    Trees stop at depth 6: deeper splits chase fine structure, and impurity importance then
    credits the parameters that need many splits (a wiggly main effect) over those that move the
    metric most (on Ishigami, deep trees rank x2 above x1 against the total-order indices).
    """
    oob = len(y) >= 2 * MIN_HOLDOUT
    forest = RandomForestRegressor(
        n_estimators=100,
        max_depth=MAX_DEPTH,
        oob_score=oob,
        random_state=seed,
        n_jobs=n_jobs(len(y)),
    ).fit(X, y)
    per_tree = np.array([e.feature_importances_ for e in forest.estimators_])
    r2 = float(forest.oob_score_) if oob else None
    return Estimate(forest.feature_importances_, per_tree.std(axis=0), r2)


def gradient_boosting_importance(X: np.ndarray, y: np.ndarray, seed: int) -> Estimate:
    """Impurity importance of gradient-boosted shallow trees; held-out R²."""
    model = GradientBoostingRegressor(
        n_estimators=200, max_depth=3, learning_rate=0.05, subsample=0.8, random_state=seed
    )
    r2 = holdout_r2(model, X, y, seed)
    return Estimate(model.fit(X, y).feature_importances_, None, r2)
