"""Learning curves: the values trials reported while training, pruned trials marked."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from optuna.trial import TrialState

from neural_hpo.visualization._common import RASTERIZE_ABOVE, empty_figure, metric_data, new_figure

#: most curves drawn; the best complete trials and the latest pruned ones are kept
MAX_CURVES = 300


def plot_intermediate_values(trials: Any, metric: str, max_curves: int = MAX_CURVES) -> Figure:
    """Reported values by step; complete trials coloured by final ``metric``, pruned in grey."""
    data = metric_data(trials, metric)
    title = "Intermediate values"
    reported = [t for t in data.trials_set.trials if t.intermediate_values]
    if not reported:
        return empty_figure(title, "no trial reported intermediate values")
    final = {t.number: v for t, v in zip(data.trials, data.values)}
    sign = -1.0 if data.maximize else 1.0
    complete = sorted(
        (t for t in reported if t.number in final), key=lambda t: sign * final[t.number]
    )
    pruned = [t for t in reported if t.state == TrialState.PRUNED]
    complete, pruned = complete[: max_curves // 2 or 1], pruned[-(max_curves // 2 or 1) :]
    fig, (ax,) = new_figure(1, panel_size=(7.0, 3.6))
    if complete:
        norm = Normalize(data.values.min(), data.values.max())
        lines = LineCollection(
            [_curve(t) for t in complete],
            array=np.array([final[t.number] for t in complete]),
            cmap=data.cmap(),
            norm=norm,
            linewidths=1.0,
            rasterized=len(complete) > RASTERIZE_ABOVE,
        )
        ax.add_collection(lines)
        fig.colorbar(lines, ax=ax, label=f"final {data.label()}")
    if pruned:
        ax.add_collection(
            LineCollection([_curve(t) for t in pruned], colors="0.6", linewidths=0.8, alpha=0.7)
        )
        ends = np.array([_curve(t)[-1] for t in pruned])
        ax.scatter(ends[:, 0], ends[:, 1], marker="x", color="tab:red", s=20, label="pruned")
        ax.legend(loc="best", fontsize="small")
    ax.autoscale_view()
    shown = len(complete) + len(pruned)
    note = f" ({shown} of {len(reported)} curves)" if shown < len(reported) else ""
    ax.set(title=title + note, xlabel="step", ylabel="intermediate value")
    return fig


def _curve(trial: Any) -> np.ndarray:
    return np.array(sorted(trial.intermediate_values.items()), dtype=float)
