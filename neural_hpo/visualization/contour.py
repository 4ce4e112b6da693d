"""The metric over two parameters, as a surrogate sees it, with the trials on top."""

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
from neural_hpo.visualization._surrogate import fit_forest


def plot_contour(
    trials: Any, x_param: str, y_param: str, metric: str, resolution: int = 40
) -> Figure:
    """Predicted ``metric`` over ``x_param`` × ``y_param``, fitted on those two alone.

    A forest on the two parameters averages the others out the way the search sampled them;
    categorical parameters get one cell per choice.
    """
    if x_param == y_param:
        raise ValueError(f"y_param: must differ from x_param ({x_param!r})")
    data = metric_data(trials, metric)
    sx = param_scales(data.trials_set, [x_param], arg="x_param")[0]
    sy = param_scales(data.trials_set, [y_param], arg="y_param")[0]
    title = f"{metric} over {x_param} and {y_param}"
    enc = design_matrix(data.trials, [sx, sy])
    has_both = np.isfinite(enc).all(axis=1)
    if has_both.sum() < 2:
        return empty_figure(title, "needs 2 complete trials that set both parameters")
    gx, gy = sx.grid(enc[has_both, 0], resolution), sy.grid(enc[has_both, 1], resolution)
    mesh_x, mesh_y = np.meshgrid(gx, gy)
    model = fit_forest(enc[has_both], data.values[has_both])
    z = model.predict(np.column_stack([mesh_x.ravel(), mesh_y.ravel()])).reshape(mesh_x.shape)
    fig, (ax,) = new_figure(1, panel_size=(6.0, 4.6))
    cx, cy = sx.decode(mesh_x), sy.decode(mesh_y)
    image = ax.pcolormesh(cx, cy, z, cmap=data.cmap(), shading="nearest", rasterized=True)
    if "categorical" not in (sx.kind, sy.kind) and len(gx) > 1 and len(gy) > 1:
        ax.contour(cx, cy, z, levels=6, colors="white", linewidths=0.5)
    fig.colorbar(image, ax=ax, label=f"predicted {data.label()}")
    shown = [i for i in sample_indices(data) if has_both[i]]
    ax.scatter(
        sx.decode(enc[shown, 0]),
        sy.decode(enc[shown, 1]),
        s=8,
        color="black",
        alpha=0.5,
        label="trials",
        rasterized=len(shown) > RASTERIZE_ABOVE,
    )
    best = data.best_index()
    if has_both[best]:
        ax.scatter(
            sx.decode(enc[best, 0]),
            sy.decode(enc[best, 1]),
            marker="*",
            s=180,
            color="gold",
            edgecolor="black",
            zorder=3,
            label="best",
        )
    sx.style_axis(ax, "x")
    sy.style_axis(ax, "y")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    return fig
