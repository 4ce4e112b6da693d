"""How the search progressed: one study's history, several searches compared."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neural_hpo.visualization._common import (
    RASTERIZE_ABOVE,
    empty_figure,
    metric_data,
    new_figure,
    sample_indices,
)


def plot_optimization_history(trials: Any, metric: str) -> Figure:
    """``metric`` of each complete trial by trial number, with the best-so-far line."""
    data = metric_data(trials, metric)
    title = f"Optimization history of {metric}"
    if not data.trials:
        return empty_figure(title, f"no complete trial recorded {metric}")
    numbers = np.array([t.number for t in data.trials])
    fig, (ax,) = new_figure(1, panel_size=(7.0, 3.6))
    shown = sample_indices(data)
    ax.scatter(
        numbers[shown],
        data.values[shown],
        s=12,
        color="tab:blue",
        alpha=0.6,
        label="trial",
        rasterized=len(shown) > RASTERIZE_ABOVE,
    )
    ax.step(numbers, data.best_so_far(), where="post", color="tab:red", label="best so far")
    best = data.best_index()
    ax.scatter(
        [numbers[best]],
        [data.values[best]],
        marker="*",
        s=160,
        color="gold",
        edgecolor="black",
        zorder=3,
        label=f"best (trial {numbers[best]})",
    )
    ax.set(title=title, xlabel="trial", ylabel=data.label())
    ax.legend(loc="best", fontsize="small")
    return fig


def plot_convergence_comparison(runs: Mapping[str, Any], metric: str) -> Figure:
    """Best-so-far ``metric`` against the number of complete trials, one line per search."""
    if not runs:
        raise ValueError("runs: give at least one search, e.g. {'TPE': study}")
    datas = {name: metric_data(t, metric, arg=f"runs[{name!r}]") for name, t in runs.items()}
    if len({d.direction for d in datas.values()}) > 1:
        raise ValueError(f"runs: the searches disagree on the direction of {metric!r}")
    fig, (ax,) = new_figure(1, panel_size=(7.0, 3.6))
    for name, data in datas.items():
        if data.trials:
            steps = np.arange(1, len(data.trials) + 1)
            ax.step(steps, data.best_so_far(), where="post", label=f"{name} ({len(steps)})")
    label = next(iter(datas.values())).label()
    ax.set(title=f"Convergence of {metric}", xlabel="complete trials", ylabel=f"best {label}")
    if ax.lines:
        ax.legend(loc="best", fontsize="small")
    return fig
