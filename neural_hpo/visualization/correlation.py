"""Rank correlation between parameters and the metric."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import spearmanr

from neural_hpo.labels import short
from neural_hpo.visualization._common import (
    design_matrix,
    empty_figure,
    metric_data,
    new_figure,
    param_scales,
)

#: above this many variables the cells are too small to print their value in
ANNOTATE_UP_TO = 12


def plot_correlation_heatmap(trials: Any, metric: str) -> Figure:
    """Spearman correlation of every ordered parameter and ``metric`` with each other.

    Categorical parameters take part when their choices are numbers (ordered); others are named
    under the plot, since a rank correlation means nothing for unordered choices.
    """
    data = metric_data(trials, metric)
    title = f"Correlation with {metric} (Spearman)"
    scales = param_scales(data.trials_set)
    ordered = [s for s in scales if s.kind != "categorical" or s.numeric_choices()]
    if len(data.trials) < 3 or not ordered:
        return empty_figure(title, "needs 3 complete trials and a numeric parameter")
    x = design_matrix(data.trials, ordered)
    for j, s in enumerate(ordered):  # numeric choices: rank by value, not by list position
        if s.kind == "categorical":
            x[:, j] = [t.params.get(s.name, np.nan) for t in data.trials]
    cols = np.column_stack([x, data.values])
    names = [s.name for s in ordered] + [metric]
    corr = np.eye(len(names))
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            corr[i, j] = corr[j, i] = _spearman(cols[:, i], cols[:, j])
    fig, (ax,) = new_figure(1, panel_size=(1.0 + 0.6 * len(names), 0.8 + 0.55 * len(names)))
    image = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    ticks = range(len(names))
    ax.set_xticks(ticks, labels=[short(n) for n in names], rotation=45, ha="right")
    ax.set_yticks(ticks, labels=[short(n) for n in names])
    if len(names) <= ANNOTATE_UP_TO:
        for (i, j), v in np.ndenumerate(corr):
            text = "–" if np.isnan(v) else f"{v:.2f}"
            color = "white" if abs(v) > 0.6 else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize="x-small", color=color)
    fig.colorbar(image, ax=ax, label="Spearman ρ")
    ax.set_title(title)
    skipped = [s.name for s in scales if s not in ordered]
    if skipped:
        ax.set_xlabel("not shown (unordered): " + ", ".join(short(n) for n in skipped))
    return fig


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """ρ over the trials that have both; NaN when either side is constant."""
    both = np.isfinite(a) & np.isfinite(b)
    if both.sum() < 3 or np.ptp(a[both]) == 0 or np.ptp(b[both]) == 0:
        return float("nan")
    return float(spearmanr(a[both], b[both]).statistic)
