"""Parameter importance with its uncertainty."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from neural_hpo.visualization._common import empty_figure, new_figure, short
from neural_hpo.visualization._importance import ImportanceRow, importance_rows


def plot_param_importance(trials: Any, metric: str) -> Figure:
    """Importance of each parameter for ``metric`` as bars, ± one standard deviation.

    Wide bars overlapping zero mean the study cannot tell yet whether the parameter matters.
    """
    return importance_figure(importance_rows(trials, metric), metric)


def importance_figure(rows: list[ImportanceRow], metric: str) -> Figure:
    """The bars of ``plot_param_importance`` from rows already computed (the report's)."""
    title = f"Parameter importance for {metric}"
    if not rows:
        return empty_figure(title, "needs 3 complete trials and a parameter")
    rows = rows[::-1]  # most important at the top
    fig, (ax,) = new_figure(1, panel_size=(6.5, 0.9 + 0.35 * len(rows)))
    ax.barh(
        range(len(rows)),
        [r.importance for r in rows],
        xerr=[r.std for r in rows],
        color="tab:blue",
        ecolor="black",
        capsize=3,
    )
    ax.set_yticks(range(len(rows)), labels=[short(r.param) for r in rows])
    ax.set(title=title, xlabel="importance (mean ± std over bootstrap resamples)")
    ax.set_xlim(left=0)
    return fig
