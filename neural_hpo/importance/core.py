"""One importance analysis: trials in, an ``ImportanceResult`` with its confidence out.

Every method runs on fully-active sub-problems. Parameters active in every trial are analysed
over all trials; a conditional parameter (absent from some trials) only over the trials where it
is active, and its score is weighted by the share of the metric's variance those trials hold
(fraction of trials x their variance / total variance) before all scores are normalized.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from neural_hpo.importance.encoding import Encoded, encode
from neural_hpo.importance.fanova import fanova_importance
from neural_hpo.importance.forest import gradient_boosting_importance, random_forest_importance
from neural_hpo.importance.gp import gp_importance
from neural_hpo.importance.permutation import permutation_importance
from neural_hpo.importance.result import Estimate, ImportanceResult
from neural_hpo.trials import load_trials

Method = Callable[[Encoded, int], Estimate]

#: method name -> estimator on a fully-active sub-problem
METHODS: dict[str, Method] = {
    "fanova": lambda d, seed: fanova_importance(d.X, d.y, seed),
    "random_forest": lambda d, seed: random_forest_importance(d.X, d.y, seed),
    "gradient_boosting": lambda d, seed: gradient_boosting_importance(d.X, d.y, seed),
    "permutation": lambda d, seed: permutation_importance(d.X, d.y, seed),
    "gp": lambda d, seed: gp_importance(d.X, d.y, d.spaces, seed),
}
DEFAULT_METHOD = "fanova"

#: fewest trials for which a method's numbers are worth acting on
MIN_TRIALS: dict[str, int] = {
    "fanova": 100,
    "random_forest": 50,
    "gradient_boosting": 50,
    "permutation": 50,
    "gp": 30,
}
#: held-out R² below which the surrogate explains too little to attribute variance
MIN_R2 = 0.5
#: raw Sobol-index fields an estimate may carry
RAW_FIELDS = ("first_order", "first_order_std", "total_order", "total_order_std")
#: fewest trials an analysis runs on at all, and a parameter group is scored on
MIN_ROWS = 3
MIN_CONDITIONAL_ROWS = 10


def check_method(method: str) -> str:
    """``method`` when known; otherwise an error listing the known ones."""
    if method not in METHODS:
        raise ValueError(f"method: unknown {method!r}; choose one of {', '.join(METHODS)}")
    return method


def importance(
    trials: Any, target_metric: str, method: str = DEFAULT_METHOD, seed: int = 0
) -> ImportanceResult:
    """Importance of each parameter for ``target_metric`` by ``method``, with its confidence."""
    check_method(method)
    data = encode(load_trials(trials), target_metric)
    return analyze_encoded(data, method, seed)


def analyze_encoded(data: Encoded, method: str, seed: int = 0) -> ImportanceResult:
    """The result for already-encoded trials (the bootstrap resamples these)."""
    n = len(data.y)
    reasons: list[str] = []
    notes: list[str] = []
    if n < MIN_ROWS:
        raise ValueError(
            f"trials: {n} complete trial(s) recorded {data.metric!r}; need at least {MIN_ROWS}"
        )
    if n < MIN_TRIALS[method]:
        reasons.append(f"{n} trials; {method} needs {MIN_TRIALS[method]}+")
    names = data.names
    zeros = dict.fromkeys(names, 0.0)
    if np.ptp(data.y) == 0 or not names:
        why = "the metric never varies" if names else "no parameter varies"
        return _result(data, method, zeros, None, [*reasons, why], notes, None)

    pairs: dict[tuple[str, str], float] | None = None
    scores = np.zeros(len(names))
    std: np.ndarray | None = np.zeros(len(names))
    raw: dict[str, dict[str, float]] = {k: {} for k in RAW_FIELDS}
    main = Estimate(np.zeros(0))
    marginals: dict[str, list[list[float]]] = {}
    for rows, fit_cols, cols in subproblems(data):
        label = ", ".join(names[c] for c in cols)
        if len(rows) < n and len(rows) < MIN_CONDITIONAL_ROWS:
            reasons.append(f"{label} active in only {len(rows)} trials; not scored")
            continue
        est = METHODS[method](data.take(rows, fit_cols), seed)
        weight = len(rows) / n * float(np.var(data.y[rows]) / np.var(data.y))
        if len(rows) == n:
            main = est
        else:
            notes.append(f"{label}: scored on the {len(rows)} trials where active")
        kept = [fit_cols.index(c) for c in cols]
        scores[cols] = weight * est.scores[kept]
        if std is not None and est.std is not None:
            std[cols] = weight * est.std[kept]
        else:
            std = None
        for key in RAW_FIELDS:
            values = getattr(est, key)
            if values is not None:
                raw[key].update({names[c]: weight * float(values[k]) for c, k in zip(cols, kept)})
        if est.marginals is not None:
            marginals.update({names[c]: _curve(est.marginals, k) for c, k in zip(cols, kept)})
        if est.pairwise is not None and len(rows) == n:
            fit_names = [names[c] for c in fit_cols]
            pairs = {(fit_names[i], fit_names[k]): v for (i, k), v in est.pairwise.items()}

    total = float(scores.sum())
    if total <= 0:
        reasons.append("no parameter explains any variance")
        return _result(data, method, zeros, None, reasons, notes, main.r2)
    importances = dict(zip(names, scores / total))
    std_map = dict(zip(names, std / total)) if std is not None else None
    if main.r2 is not None and main.r2 < MIN_R2:
        reasons.append(f"surrogate explains only {main.r2:.2f} of held-out variance (R²)")
    result = _result(data, method, importances, std_map, reasons, notes, main.r2)
    for key, values in raw.items():
        setattr(result, key, {k: values[k] for k in importances if k in values} or None)
    result.interactions = pairs
    result.marginals = marginals or None
    return result


def _curve(marginals: tuple[np.ndarray, np.ndarray], k: int) -> list[list[float]]:
    """Column ``k``'s marginal ``[mean, std]`` at 6 significant digits (it is stored as JSON)."""
    return [[float(f"{v:.6g}") for v in side[k]] for side in marginals]


def subproblems(data: Encoded) -> list[tuple[np.ndarray, list[int], list[int]]]:
    """(rows, columns to fit, columns to report) for the always-active parameters over all
    trials, then for each group of conditional parameters over the trials where they are active.
    """
    active = ~np.isnan(data.X)
    all_rows = np.arange(len(data.y))
    always = [c for c in range(active.shape[1]) if active[:, c].all()]
    out = [(all_rows, always, always)] if always else []
    groups: dict[bytes, list[int]] = {}
    for c in range(active.shape[1]):
        if c not in always:
            groups.setdefault(active[:, c].tobytes(), []).append(c)
    for cols in groups.values():
        rows = np.flatnonzero(active[:, cols[0]])
        fit_cols = [c for c in range(active.shape[1]) if active[rows][:, c].all()]
        out.append((rows, fit_cols, cols))
    return out


def _result(
    data: Encoded,
    method: str,
    importances: dict[str, float],
    std: dict[str, float] | None,
    reasons: list[str],
    notes: list[str],
    r2: float | None,
) -> ImportanceResult:
    if data.excluded:
        left_out = ", ".join(f"{count} {state}" for state, count in data.excluded.items())
        notes = [f"left out: {left_out}", *notes]
    ordered = dict(sorted(importances.items(), key=lambda kv: -kv[1]))
    return ImportanceResult(
        importances={k: float(v) for k, v in ordered.items()},
        method=method,
        metric=data.metric,
        n_trials=len(data.y),
        confidence="low" if reasons else "high",
        reasons=reasons,
        notes=notes,
        std={k: float(std[k]) for k in ordered} if std is not None else None,
        r2=r2,
        excluded=dict(data.excluded),
    )
