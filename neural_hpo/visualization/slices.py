"""The metric against each parameter on its own."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neural_hpo.visualization._common import (
    RASTERIZE_ABOVE,
    design_matrix,
    empty_figure,
    metric_data,
    new_figure,
    param_scales,
    sample_indices,
)


def plot_slice(trials: Any, metric: str, params: list[str] | None = None) -> Figure:
    """One panel per parameter: ``metric`` of each trial at its value, coloured by trial number.

    Categorical values are jittered sideways so that trials with the same choice stay visible.
    """
    data = metric_data(trials, metric)
    scales = param_scales(data.trials_set, params)
    title = f"Slice plot of {metric}"
    if not data.trials or not scales:
        return empty_figure(title, "no complete trial with parameters to draw")
    shown = sample_indices(data)
    enc = design_matrix([data.trials[i] for i in shown], scales)
    numbers = np.array([data.trials[i].number for i in shown])
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(shown))
    best = int(np.flatnonzero(shown == data.best_index())[0])
    fig, axes = new_figure(len(scales))
    for j, (ax, scale) in enumerate(zip(axes, scales)):
        x = scale.decode(enc[:, j]) + (jitter if scale.kind == "categorical" else 0.0)
        points = ax.scatter(
            x,
            data.values[shown],
            c=numbers,
            cmap="viridis",
            s=10,
            edgecolor="none",
            rasterized=len(shown) > RASTERIZE_ABOVE,
        )
        ax.scatter(
            x[best],
            data.values[shown][best],
            marker="*",
            s=140,
            color="gold",
            edgecolor="black",
            zorder=3,
        )
        scale.style_axis(ax, "x")
        ax.set_ylabel(data.label())
    fig.colorbar(points, ax=axes, label="trial number", shrink=0.8)
    fig.suptitle(title)
    return fig
