"""What every plot needs: trials resolved to metric values, parameter scales, figure helpers.

Plots share these so that a metric's direction, a log or categorical parameter and a large study
are handled the same way in each of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import FrozenTrial

from neural_hpo.labels import short
from neural_hpo.log_axes import log_scale
from neural_hpo.trials import TrialSet, load_trials

#: scatter points and lines beyond which a plot rasterizes them (keeps SVG small)
RASTERIZE_ABOVE = 300
#: most points one scatter draws; the best ones are always kept
MAX_POINTS = 2000


@dataclass(frozen=True)
class MetricData:
    """Complete trials that recorded ``metric``, their values, and its direction."""

    trials_set: TrialSet
    metric: str
    trials: list[FrozenTrial]
    values: np.ndarray
    direction: str

    @property
    def maximize(self) -> bool:
        return self.direction == "maximize"

    def best_index(self) -> int:
        """Index (into ``trials``) of the best trial."""
        return int(np.argmax(self.values) if self.maximize else np.argmin(self.values))

    def order(self) -> np.ndarray:
        """Indices from best to worst."""
        return np.argsort(-self.values if self.maximize else self.values, kind="stable")

    def best_so_far(self) -> np.ndarray:
        acc = np.maximum if self.maximize else np.minimum
        return acc.accumulate(self.values)

    def cmap(self) -> str:
        """Colormap in which brighter always means better."""
        return "viridis" if self.maximize else "viridis_r"

    def label(self) -> str:
        arrow = "higher" if self.maximize else "lower"
        return f"{self.metric} ({arrow} is better)"


def metric_data(trials: Any, metric: str, arg: str = "metric") -> MetricData:
    """Resolve ``metric`` on ``trials``; a clear error naming ``arg`` when it is unknown.

    A study with no finished trial yet is not an error when the metric's direction is known,
    so that plots and the report of a fresh study show "no data" instead of failing.
    """
    ts = load_trials(trials)
    if metric in ts.available_metrics():
        column, values = ts.metric_column(metric)
        done = list(column)
    elif not ts.complete():
        done, values = [], np.zeros(0)
    else:
        raise KeyError(f"{arg}: unknown metric {metric!r}; {_recorded(ts)}")
    try:
        direction = ts.direction(metric)
    except KeyError:
        why = "no direction is known for" if done else "unknown"
        raise KeyError(f"{arg}: {why} metric {metric!r}; {_recorded(ts)}") from None
    return MetricData(ts, metric, done, values, direction)


def _recorded(ts: TrialSet) -> str:
    names = ts.available_metrics()
    return f"the trials record {', '.join(names)}" if names else "the trials record no metrics"


@dataclass(frozen=True)
class ParamScale:
    """How one parameter is drawn and encoded: linear, log, or categorical with its choices."""

    name: str
    kind: Literal["linear", "log", "categorical"]
    choices: tuple[Any, ...] = ()

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        """Numbers a model can use: log10 for log, choice index for categorical; NaN if missing."""
        if self.kind == "categorical":
            index = {c: i for i, c in enumerate(self.choices)}
            return np.array([index.get(v, np.nan) for v in values], dtype=float)
        out = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        return np.log10(out) if self.kind == "log" else out

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        """Axis positions of encoded grid points."""
        return 10**encoded if self.kind == "log" else encoded

    def grid(self, encoded: np.ndarray, n: int) -> np.ndarray:
        """Encoded grid spanning the observed values; every choice for categoricals."""
        if self.kind == "categorical":
            return np.arange(len(self.choices), dtype=float)
        finite = encoded[np.isfinite(encoded)]
        if finite.size == 0:
            return np.zeros(1)
        return np.linspace(finite.min(), finite.max(), n)

    def numeric_choices(self) -> bool:
        return all(_is_real(c) for c in self.choices)

    def style_axis(self, ax: Axes, axis: Literal["x", "y"] = "x") -> None:
        """Label the axis; log scale for log parameters, choice ticks for categoricals."""
        getattr(ax, f"set_{axis}label")(short(self.name, 60))
        if self.kind == "log":
            log_scale(ax, axis)
        elif self.kind == "categorical":
            getattr(ax, f"set_{axis}ticks")(
                range(len(self.choices)), labels=[short(c) for c in self.choices]
            )
            lo, hi = -0.5, len(self.choices) - 0.5
            getattr(ax, f"set_{axis}lim")(lo, hi)


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def param_scales(
    ts: TrialSet, params: Sequence[str] | None = None, arg: str = "params"
) -> list[ParamScale]:
    """Scales of ``params`` (all of them by default); a clear error for an unknown name."""
    dists = ts.distributions()
    names = list(dists) if params is None else list(params)
    unknown = [p for p in names if p not in dists]
    if unknown:
        known = ", ".join(dists) or "none"
        raise KeyError(f"{arg}: unknown parameter {unknown[0]!r}; the trials have {known}")
    return [scale_of(p, dists[p]) for p in names]


def scale_of(name: str, dist: Any) -> ParamScale:
    if isinstance(dist, CategoricalDistribution):
        return ParamScale(name, "categorical", tuple(dist.choices))
    if isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log:
        return ParamScale(name, "log")
    return ParamScale(name, "linear")


def design_matrix(trials: Sequence[FrozenTrial], scales: Sequence[ParamScale]) -> np.ndarray:
    """Encoded parameters, one row per trial (NaN where a trial lacks a parameter)."""
    if not scales:
        return np.empty((len(trials), 0))
    return np.column_stack([s.encode([t.params.get(s.name) for t in trials]) for s in scales])


def sample_indices(data: MetricData, limit: int = MAX_POINTS, keep_best: int = 100) -> np.ndarray:
    """Indices of at most ``limit`` trials: the best ``keep_best`` and an even random rest."""
    n = len(data.trials)
    if n <= limit:
        return np.arange(n)
    order = data.order()
    rest = np.random.default_rng(0).choice(order[keep_best:], limit - keep_best, replace=False)
    return np.sort(np.concatenate([order[:keep_best], rest]))


def new_figure(
    n_panels: int = 1, ncols: int = 3, panel_size: tuple[float, float] = (4.0, 3.2)
) -> tuple[Figure, list[Axes]]:
    """A figure (outside pyplot, so nothing leaks) with ``n_panels`` axes in a grid."""
    ncols = max(1, min(ncols, n_panels))
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(
        figsize=(panel_size[0] * ncols + 1.0, panel_size[1] * nrows + 0.6), layout="constrained"
    )
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n_panels:]:
        ax.remove()
    return fig, axes[:n_panels]


def empty_figure(title: str, reason: str) -> Figure:
    """A figure that says why there is nothing to draw, instead of an exception."""
    fig, (ax,) = new_figure(1, panel_size=(6.0, 3.0))
    ax.set_title(title)
    ax.text(0.5, 0.5, reason, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_axis_off()
    return fig
