"""Marginal effects: how the metric moves with one parameter, the others averaged out."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neural_hpo.visualization._common import (
    design_matrix,
    empty_figure,
    metric_data,
    new_figure,
    param_scales,
)
from neural_hpo.visualization._surrogate import background, fit_forest, partial_dependence

GRID_POINTS = 25


def plot_marginal_effects(trials: Any, metric: str, params: list[str] | None = None) -> Figure:
    """Partial dependence of ``metric`` on each parameter, with the 10–90% band of trials.

    The line is the surrogate's prediction averaged over the trials with the parameter set to
    each value; the band shows how much that effect differs from trial to trial.
    """
    data = metric_data(trials, metric)
    scales = param_scales(data.trials_set, params)
    title = f"Marginal effects on {metric}"
    if len(data.trials) < 3 or not scales:
        return empty_figure(title, "needs 3 complete trials and a parameter")
    all_scales = param_scales(data.trials_set)
    x = design_matrix(data.trials, all_scales)
    model = fit_forest(x, data.values)
    rows = background(x)
    fig, axes = new_figure(len(scales))
    for ax, scale in zip(axes, scales):
        col = all_scales.index(scale)
        grid = scale.grid(x[:, col], GRID_POINTS)
        ice = partial_dependence(model, rows, [col], [grid])
        at = scale.decode(grid)
        low, high = np.percentile(ice, [10, 90], axis=1)
        ax.fill_between(at, low, high, color="tab:blue", alpha=0.2, linewidth=0)
        style = "o-" if scale.kind == "categorical" else "-"
        ax.plot(at, ice.mean(axis=1), style, color="tab:blue")
        scale.style_axis(ax, "x")
        ax.set_ylabel(f"predicted {metric}")
    fig.suptitle(f"{title} ({data.label()})")
    return fig
