"""Trade-offs between objectives and the trials no other trial beats on all of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from optuna.trial import FrozenTrial

from neural_hpo.engine.pareto import non_dominated
from neural_hpo.trials import is_feasible, load_trials
from neural_hpo.visualization._common import (
    MAX_POINTS,
    RASTERIZE_ABOVE,
    empty_figure,
    metric_data,
)


def pareto_front(trials: Any, metrics: Sequence[str]) -> tuple[list[FrozenTrial], np.ndarray]:
    """Complete trials that recorded every metric, and a mask of the non-dominated ones.

    Returns the trials and a boolean array; directions come from each metric. Trials that broke
    a constraint are returned but never on the front, and do not dominate anything.
    """
    ts = load_trials(trials)
    datas = [metric_data(ts, m, arg=f"metric {m!r}") for m in metrics]
    common = set.intersection(*({t.number for t in d.trials} for d in datas))
    done = [t for t in datas[0].trials if t.number in common]
    # minimisation form: lower is better on every column
    cost = np.array(
        [[ts.metric_value(t, d.metric) * (-1 if d.maximize else 1) for d in datas] for t in done]
    ).reshape(len(done), len(datas))
    feasible = np.array([is_feasible(t) for t in done], dtype=bool)
    mask = np.zeros(len(done), dtype=bool)
    mask[feasible] = non_dominated(cost[feasible])
    return done, mask


def plot_multi_objective_pareto(
    trials: Any,
    obj_x: str,
    obj_y: str,
    obj_z: str | None = None,
    highlight_pareto: bool = True,
) -> Figure:
    """Trials in objective space (2D, or 3D with ``obj_z``), the Pareto front highlighted and
    trials that broke a constraint marked apart."""
    names = [obj_x, obj_y] + ([obj_z] if obj_z else [])
    datas = [metric_data(trials, m, arg=a) for a, m in zip(("obj_x", "obj_y", "obj_z"), names)]
    if len(set(names)) < len(names):
        raise ValueError(f"obj_x, obj_y, obj_z: objectives must differ, got {names}")
    done, mask = pareto_front(trials, names)
    title = "Pareto front" if highlight_pareto else "Objective trade-offs"
    if not done:
        return empty_figure(title, "no complete trial recorded " + " and ".join(names))
    ts = load_trials(trials)
    points = np.array([[ts.metric_value(t, m) for m in names] for t in done])
    rng = np.random.default_rng(0)
    infeasible = np.array([not is_feasible(t) for t in done], dtype=bool)
    rest = np.flatnonzero(~mask & ~infeasible) if highlight_pareto else np.arange(len(done))
    if len(rest) > MAX_POINTS:
        rest = np.sort(rng.choice(rest, MAX_POINTS, replace=False))
    fig = Figure(figsize=(6.5, 5.0), layout="constrained")
    ax = fig.add_subplot(projection="3d" if obj_z else None)
    labels = [f"{d.metric} ({d.direction[:3]})" for d in datas]
    _scatter(ax, points, rest, infeasible if highlight_pareto else None)
    if highlight_pareto:
        _draw_front(ax, points[mask], step_line=not obj_z, maximize_x=datas[0].maximize)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if obj_z:
        ax.set_zlabel(labels[2])
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return fig


def _scatter(ax: Any, points: np.ndarray, rest: np.ndarray, infeasible: np.ndarray | None) -> None:
    """The trials off the front (``rest``), and those that broke a constraint apart."""
    ax.scatter(
        *points[rest].T,
        s=10,
        color="tab:blue",
        alpha=0.4,
        label="trials",
        rasterized=len(rest) > RASTERIZE_ABOVE,
    )
    if infeasible is not None and infeasible.any():
        ax.scatter(
            *points[infeasible].T,
            s=14,
            marker="x",
            color="0.55",
            label=f"infeasible ({int(infeasible.sum())})",
            rasterized=int(infeasible.sum()) > RASTERIZE_ABOVE,
        )


def _draw_front(ax: Any, front: np.ndarray, step_line: bool, maximize_x: bool) -> None:
    """The front's points, and in 2D the edge of the region it dominates."""
    ax.scatter(
        *front.T,
        s=30,
        color="tab:red",
        edgecolor="black",
        zorder=3,
        label=f"Pareto front ({len(front)})",
    )
    if step_line and len(front) > 1:
        line = front[np.argsort(front[:, 0])]
        steps = "steps-pre" if maximize_x else "steps-post"
        ax.plot(line[:, 0], line[:, 1], color="tab:red", linewidth=1, drawstyle=steps)
