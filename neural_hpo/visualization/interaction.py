"""Which pairs of parameters act together rather than one by one."""

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
    short,
)
from neural_hpo.visualization._surrogate import background, fit_forest, partial_dependence

GRID_POINTS = 8


def interaction_strengths(trials: Any, metric: str) -> tuple[list[str], np.ndarray]:
    """Friedman's H² for every pair of parameters, on a forest fitted to the trials.

    H² is the share of the pair's joint partial dependence that the two single effects do not
    explain: 0 when the parameters act additively, near 1 when only their combination matters.
    """
    data = metric_data(trials, metric)
    scales = param_scales(data.trials_set)
    names = [s.name for s in scales]
    h2 = np.full((len(scales), len(scales)), np.nan)
    if len(data.trials) < 5 or len(scales) < 2:
        return names, h2
    x = design_matrix(data.trials, scales)
    model = fit_forest(x, data.values)
    rows = background(x)
    grids = [s.grid(x[:, j], GRID_POINTS) for j, s in enumerate(scales)]
    single = [partial_dependence(model, rows, [j], [g]).mean(-1) for j, g in enumerate(grids)]
    for j in range(len(scales)):
        for k in range(j + 1, len(scales)):
            joint = partial_dependence(model, rows, [j, k], [grids[j], grids[k]]).mean(-1)
            joint = joint - joint.mean()
            additive = (single[j] - single[j].mean())[:, None] + (single[k] - single[k].mean())
            total = (joint**2).sum()
            h2[j, k] = h2[k, j] = ((joint - additive) ** 2).sum() / total if total > 0 else 0.0
    return names, h2


def plot_interaction_heatmap(trials: Any, metric: str) -> Figure:
    """Friedman's H² of each pair of parameters as a heatmap (see ``interaction_strengths``)."""
    names, h2 = interaction_strengths(trials, metric)
    title = f"Parameter interactions on {metric} (H²)"
    if np.isnan(h2).all():
        return empty_figure(title, "needs 5 complete trials and 2 parameters")
    n = len(names)
    fig, (ax,) = new_figure(1, panel_size=(1.2 + 0.6 * n, 0.8 + 0.55 * n))
    image = ax.imshow(h2, cmap="magma_r", vmin=0, vmax=max(0.05, float(np.nanmax(h2))))
    ax.set_xticks(range(n), labels=[short(m) for m in names], rotation=45, ha="right")
    ax.set_yticks(range(n), labels=[short(m) for m in names])
    for (i, j), v in np.ndenumerate(h2):
        if i != j:
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize="x-small")
    fig.colorbar(image, ax=ax, label="H² (0 = additive)")
    ax.set_title(title)
    return fig
