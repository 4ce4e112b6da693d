"""Importance figures: the bars, the fANOVA interaction heatmap and the marginal effects.

These are the only implementations; ``neural_hpo.visualization`` and the HTML report re-export
and reuse them, so a figure always shows the numbers ``importance`` returns. Each returns a
matplotlib ``Figure`` built without pyplot, so plotting needs no display and leaves no global
state behind; save it with ``fig.savefig(path)``."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neural_hpo.importance.core import DEFAULT_METHOD, importance, subproblems
from neural_hpo.importance.encoding import Encoded, ParamSpace, encode
from neural_hpo.importance.fanova import MARGINAL_GRID, marginal_curves
from neural_hpo.importance.result import ImportanceResult
from neural_hpo.labels import short
from neural_hpo.log_axes import log_scale
from neural_hpo.trials import load_trials


def subtitle(result: ImportanceResult) -> str:
    """Method, trial count and the confidence verdict, wrapped to fit above a figure."""
    line = f"{result.method}, {result.n_trials} trials, {result.confidence} confidence"
    line += f" ({'; '.join(result.reasons)})" if result.reasons else ""
    return textwrap.fill(line, width=60)


def bar_chart(
    series: dict[str, tuple[dict[str, float], dict[str, float] | None]],
    title: str,
    xlabel: str = "importance",
) -> Figure:
    """Horizontal bars per parameter, one colour per series, with ± std whiskers."""
    names = list(next(iter(series.values()))[0])
    fig = Figure(figsize=(7, 1.2 + 0.45 * len(names) * max(len(series), 1)), layout="tight")
    ax = fig.add_subplot()
    height = 0.8 / len(series)
    ypos = np.arange(len(names))[::-1]
    for s, (label, (values, std)) in enumerate(series.items()):
        err = [std.get(n, 0.0) for n in names] if std else None
        ax.barh(
            ypos + (len(series) - 1 - 2 * s) * height / 2,
            [values.get(n, 0.0) for n in names],
            height=height,
            xerr=err,
            capsize=3,
            label=label,
        )
    ax.set_yticks(ypos, [short(n) for n in names])
    ax.set_xlabel(xlabel)
    ax.set_xlim(left=0)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend()
    return fig


def plot_param_importance(
    trials: Any, metric: str, method: str = DEFAULT_METHOD, seed: int = 0
) -> Figure:
    """Importances of ``method`` with their std, titled with the confidence verdict."""
    return importance_bars(importance(trials, metric, method, seed))


def importance_bars(result: ImportanceResult) -> Figure:
    """The bars of ``plot_param_importance`` for a result already computed (the report's)."""
    title = f"Importance for {result.metric}\n{subtitle(result)}"
    return bar_chart({result.method: (result.importances, result.std)}, title)


def plot_interaction_heatmap(trials: Any, metric: str, seed: int = 0) -> Figure:
    """fANOVA's main effects and pairwise interactions of ``metric`` as a heatmap."""
    return interaction_heatmap(importance(trials, metric, "fanova", seed))


def interaction_heatmap(result: ImportanceResult) -> Figure:
    """First-order fractions on the diagonal, pairwise interaction fractions off it."""
    names = list(result.importances)
    index = {n: i for i, n in enumerate(names)}
    matrix = np.full((len(names), len(names)), np.nan)
    for n, v in (result.first_order or {}).items():
        matrix[index[n], index[n]] = v
    for (a, b), v in (result.interactions or {}).items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = v
    fig = Figure(figsize=(1.5 + 0.8 * len(names), 1.2 + 0.7 * len(names)), layout="tight")
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="viridis", vmin=0)
    fig.colorbar(image, ax=ax, label="fraction of variance")
    labels = [short(n) for n in names]
    ax.set_xticks(range(len(names)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), labels)
    for (i, k), v in np.ndenumerate(matrix):
        if np.isfinite(v):
            ax.text(k, i, f"{v:.2f}", ha="center", va="center", color="w", fontsize=8)
    ax.set_title(f"fANOVA main (diagonal) and pairwise terms\n{subtitle(result)}", fontsize=9)
    return fig


def plot_marginal_effects(
    trials: Any, metric: str, params: list[str] | None = None, seed: int = 0
) -> Figure:
    """How ``metric`` moves with each parameter (or each of ``params``), the others averaged."""
    return marginal_effects(encode(load_trials(trials), metric), seed, params)


def marginal_effects(
    data: Encoded,
    seed: int = 0,
    params: list[str] | None = None,
    known: dict[str, list[list[float]]] | None = None,
) -> Figure:
    """Per parameter, the forest's marginal effect on the metric with a ± std band over trees.

    Conditional parameters are drawn from the trials where they are active. Log parameters get
    a log axis, categorical ones a tick per choice. ``known`` holds curves already computed
    (``ImportanceResult.marginals``, from the same forest): no forest is fitted for those.
    """
    wanted = data.names if params is None else params
    unknown = [p for p in wanted if p not in data.names]
    if unknown:
        raise KeyError(
            f"params: no varying parameter {unknown[0]!r}; the trials vary {', '.join(data.names)}"
        )
    grid = MARGINAL_GRID
    known = known or {}
    curves: dict[str, tuple[ParamSpace, np.ndarray, np.ndarray]] = {
        s.name: (s, np.array(known[s.name][0]), np.array(known[s.name][1]))
        for s in data.spaces
        if s.name in known
    }
    for rows, fit_cols, cols in subproblems(data):
        if not any(data.names[c] in wanted and data.names[c] not in curves for c in cols):
            continue
        mean, std = marginal_curves(data.X[np.ix_(rows, fit_cols)], data.y[rows], grid, seed)
        for c in cols:
            k = fit_cols.index(c)
            curves[data.names[c]] = (data.spaces[c], mean[k], std[k])
    ncols = min(3, max(len(wanted), 1))
    nrows = -(-len(wanted) // ncols)
    fig = Figure(figsize=(4 * ncols, 3 * max(nrows, 1)), layout="tight")
    for k, name in enumerate(wanted):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        _marginal_panel(ax, grid, *curves[name])
        ax.set_ylabel(f"predicted {data.metric}")
    fig.suptitle(f"Marginal effects on {data.metric} ({len(data.y)} trials)", fontsize=10)
    return fig


def _marginal_panel(
    ax: Any, grid: np.ndarray, space: ParamSpace, mean: np.ndarray, std: np.ndarray
) -> None:
    if space.kind == "categorical":
        centres = (np.arange(space.n_values) + 0.5) / space.n_values
        at = np.minimum(np.searchsorted(grid, centres), len(grid) - 1)
        ax.errorbar(range(space.n_values), mean[at], yerr=std[at], fmt="o", capsize=3)
        ax.set_xticks(range(space.n_values), [short(c) for c in space.choices])
    else:
        x = space.from_unit(grid)
        ax.plot(x, mean)
        ax.fill_between(x, mean - std, mean + std, alpha=0.3)
        if space.log:
            log_scale(ax)
    ax.set_xlabel(short(space.name, 60))
