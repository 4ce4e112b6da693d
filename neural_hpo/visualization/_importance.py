"""Parameter importance for the plots and the report, behind one function.

A stand-in: the importance package will replace the body of ``importance_rows`` with
``ParameterImportanceAnalyzer(method).analyze(trials, metric)`` (a mapping param -> importance
carrying ``.std`` and ``.confidence``), turned into these rows. Until then a bootstrap random
forest gives importance with uncertainty; plots and the report read only the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neural_hpo.visualization._common import design_matrix, metric_data, param_scales
from neural_hpo.visualization._surrogate import fit_forest

#: rows per bootstrap resample; larger studies resample this many (m-out-of-n bootstrap)
MAX_RESAMPLE = 1000


@dataclass(frozen=True)
class ImportanceRow:
    """One parameter's importance, its bootstrap std and 95% interval."""

    param: str
    importance: float
    std: float
    low: float
    high: float


def importance_rows(
    trials: Any, metric: str, n_bootstrap: int = 12, seed: int = 0
) -> list[ImportanceRow]:
    """Importance of each parameter for ``metric``, most important first; [] below 3 trials."""
    data = metric_data(trials, metric)
    scales = param_scales(data.trials_set)
    if len(data.trials) < 3 or not scales:
        return []
    x = design_matrix(data.trials, scales)
    rng = np.random.default_rng(seed)
    draws = []
    for b in range(n_bootstrap):
        idx = rng.integers(0, len(x), min(len(x), MAX_RESAMPLE))
        imp = fit_forest(x[idx], data.values[idx], seed=seed + b).feature_importances_
        draws.append(imp / imp.sum() if imp.sum() > 0 else imp)
    d = np.array(draws)
    low, high = np.percentile(d, [2.5, 97.5], axis=0)
    rows = [
        ImportanceRow(s.name, float(m), float(sd), float(lo), float(hi))
        for s, m, sd, lo, hi in zip(scales, d.mean(0), d.std(0), low, high)
    ]
    return sorted(rows, key=lambda r: -r.importance)
