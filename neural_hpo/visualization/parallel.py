"""Parallel coordinates: which parameter combinations the good trials share."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from neural_hpo.labels import short
from neural_hpo.visualization._common import (
    RASTERIZE_ABOVE,
    ParamScale,
    design_matrix,
    empty_figure,
    metric_data,
    new_figure,
    param_scales,
    sample_indices,
)

#: most lines drawn in grey behind the highlighted top trials
MAX_BACKGROUND = 1000


def plot_parallel_coordinates(
    trials: Any, metric: str, top_n: int | None = None, params: list[str] | None = None
) -> Figure:
    """One vertical axis per parameter plus ``metric``; each trial a line across them.

    With ``top_n`` the best ``top_n`` trials are coloured and the rest drawn faint grey.
    """
    if top_n is not None and top_n < 1:
        raise ValueError(f"top_n: must be a positive number of trials, got {top_n}")
    data = metric_data(trials, metric)
    scales = param_scales(data.trials_set, params)
    title = f"Parallel coordinates ({metric})"
    if not data.trials or not scales:
        return empty_figure(title, "no complete trial with parameters to draw")
    cols = np.column_stack([design_matrix(data.trials, scales), data.values])
    lo, hi = np.nanmin(cols, axis=0), np.nanmax(cols, axis=0)
    for j, scale in enumerate(scales):  # every choice on the axis, seen or not
        if scale.kind == "categorical":
            lo[j], hi[j] = 0, len(scale.choices) - 1
    span = np.where(hi > lo, hi - lo, 1.0)
    unit = (cols - lo) / span
    xs = np.arange(cols.shape[1], dtype=float)
    order = data.order()
    top = order[: top_n or len(order)]
    fig, (ax,) = new_figure(1, panel_size=(max(6.0, 1.3 * len(xs)), 4.0))
    if top_n is not None and len(order) > top_n:
        rest = np.intersect1d(sample_indices(data, MAX_BACKGROUND + top_n), order[top_n:])
        ax.add_collection(
            LineCollection(
                [np.column_stack([xs, unit[i]]) for i in rest],
                colors="0.75",
                linewidths=0.6,
                alpha=0.5,
                rasterized=len(rest) > RASTERIZE_ABOVE,
            )
        )
    else:
        top = np.intersect1d(sample_indices(data, MAX_BACKGROUND), top)
    # the best last, so it is drawn on top
    top = top[np.argsort(data.values[top] * (1 if data.maximize else -1))]
    lines = LineCollection(
        [np.column_stack([xs, unit[i]]) for i in top],
        array=data.values[top],
        cmap=data.cmap(),
        norm=Normalize(data.values.min(), data.values.max()),
        linewidths=1.2,
        rasterized=len(top) > RASTERIZE_ABOVE,
    )
    ax.add_collection(lines)
    fig.colorbar(lines, ax=ax, label=data.label())
    for x, scale, a, b in zip(xs, [*scales, ParamScale(metric, "linear")], lo, hi):
        _draw_axis(ax, x, scale, a, b)
    ax.set_xticks(
        xs, labels=[short(s.name) for s in scales] + [short(metric)], rotation=20, ha="right"
    )
    ax.set(xlim=(-0.3, xs[-1] + 0.3), ylim=(-0.05, 1.05), yticks=[], title=title)
    ax.spines[["left", "right", "top"]].set_visible(False)
    shown = f"top {len(top)} of {len(data.trials)}" if top_n else f"{len(top)} trials"
    ax.set_xlabel(shown)
    return fig


def _draw_axis(ax: Any, x: float, scale: ParamScale, lo: float, hi: float) -> None:
    """A vertical axis with its own tick labels (choices, or values on a linear/log scale)."""
    ax.axvline(x, color="black", linewidth=0.8)
    if scale.kind == "categorical":
        ticks = np.arange(len(scale.choices), dtype=float)
        labels = [short(c, 16) for c in scale.choices]
    else:
        ticks = np.linspace(lo, hi, 3) if hi > lo else np.array([lo])
        labels = [f"{v:.3g}" for v in scale.decode(ticks)]
    span = hi - lo if hi > lo else 1.0
    for t, label in zip(ticks, labels):
        ax.text(x + 0.03, (t - lo) / span, label, fontsize="x-small", va="center")
