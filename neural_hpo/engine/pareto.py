"""Pareto maths: the non-dominated rows of a cost matrix, and the hypervolume of a study's front.

Pure numpy over ``load_trials``: the figures and the report (``visualization``) and
``MultiObjectiveOptimizer`` read the front and the hypervolume from here.

The hypervolume of a front is the volume between it and a reference point that every front
point beats. It only grows as trials are added, and its growth is the usual progress measure of a
multi-objective search (a single objective's "best so far" has no meaning there).

Default reference point: for each objective, the worst value among the study's feasible complete
trials, moved 10% of that objective's range further out (10% of its magnitude, or 0.1, when all
trials tie). A given ``reference_point`` is in the metrics' own units, in objective order; only
trials better than it on every objective count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neural_hpo.trials import TrialSet, load_trials

#: how far beyond the worst trial the default reference point lies, as a fraction of the range
REFERENCE_MARGIN = 0.1


def non_dominated(cost: np.ndarray) -> np.ndarray:
    """Mask of rows no other row is at least as good on every column and better on one.

    After a lexicographic sort a row can only be dominated by an earlier one, and if by any
    then by one already on the front, so each row is checked against the front alone.
    """
    order = np.lexsort(cost.T[::-1])
    front: list[int] = []
    mask = np.zeros(len(cost), dtype=bool)
    for i in order:
        f = cost[front]
        dominated = ((f <= cost[i]).all(axis=1) & (f < cost[i]).any(axis=1)).any()
        if not dominated:
            front.append(i)
            mask[i] = True
    return mask


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Exact hypervolume of ``points`` (rows; lower is better on every column) up to
    ``reference``. Points not strictly better than the reference on every column add nothing."""
    pts = np.asarray(points, dtype=float).reshape(-1, len(reference))
    ref = np.asarray(reference, dtype=float)
    pts = pts[(pts < ref).all(axis=1)]
    if not len(pts):
        return 0.0
    return float(_volume(pts[non_dominated(pts)], ref))


def _volume(pts: np.ndarray, ref: np.ndarray) -> float:
    """Slice along the last axis: each slab adds the (d-1)-volume of the points below it."""
    if pts.shape[1] == 1:
        return float(ref[0] - pts[:, 0].min())
    if pts.shape[1] == 2:
        pts = pts[np.argsort(pts[:, 0], kind="stable")]
        widths = np.diff(np.append(pts[:, 0], ref[0]))
        return float((widths * (ref[1] - np.minimum.accumulate(pts[:, 1]))).sum())
    pts = pts[np.argsort(pts[:, -1], kind="stable")]
    tops = np.append(pts[1:, -1], ref[-1])
    total = 0.0
    for i in range(len(pts)):
        height = tops[i] - pts[i, -1]
        if height > 0:
            below = pts[: i + 1, :-1]
            total += height * _volume(below[non_dominated(below)], ref[:-1])
    return total


def _objectives(ts: TrialSet, objectives: Sequence[str] | None) -> list[str]:
    names = list(objectives) if objectives else list(ts.metric_names)
    if len(names) < 2:
        raise ValueError(
            "objectives: hypervolume needs two or more objectives "
            f"(the trials have {names or 'none named'})"
        )
    return names


def _costs(ts: TrialSet, names: Sequence[str]) -> tuple[list[int], np.ndarray]:
    """Numbers and minimisation-form values of the feasible complete trials that recorded every
    objective, in trial order."""
    signs = np.array([-1.0 if ts.direction(m) == "maximize" else 1.0 for m in names])
    numbers, rows = [], []
    for t in sorted(ts.feasible(), key=lambda t: t.number):
        values = [ts.metric_value(t, m) for m in names]
        if all(v is not None and np.isfinite(v) for v in values):
            numbers.append(t.number)
            rows.append(values)
    return numbers, np.array(rows, dtype=float).reshape(len(rows), len(names)) * signs


def default_reference_point(trials: Any, objectives: Sequence[str] | None = None) -> list[float]:
    """The documented default reference point (module docstring), in the metrics' own units."""
    ts = load_trials(trials)
    names = _objectives(ts, objectives)
    _, cost = _costs(ts, names)
    if not len(cost):
        raise ValueError("no feasible complete trial recorded " + ", ".join(names))
    return _to_units(ts, names, _default_reference(cost))


def _default_reference(cost: np.ndarray) -> np.ndarray:
    worst, best = cost.max(axis=0), cost.min(axis=0)
    span = worst - best
    span = np.where(span > 0, span, np.maximum(np.abs(worst), 1.0))
    return worst + REFERENCE_MARGIN * span


def _to_units(ts: TrialSet, names: Sequence[str], cost_point: np.ndarray) -> list[float]:
    return [float(-v if ts.direction(m) == "maximize" else v) for m, v in zip(names, cost_point)]


def hypervolume_steps(
    trials: Any,
    reference_point: Sequence[float] | None = None,
    objectives: Sequence[str] | None = None,
) -> tuple[list[int], list[float], list[float]]:
    """Trial numbers, the hypervolume after each, and the reference point used (in units)."""
    ts = load_trials(trials)
    names = _objectives(ts, objectives)
    numbers, cost = _costs(ts, names)
    if reference_point is None:
        if not len(cost):
            return [], [], []
        ref = _default_reference(cost)
    else:
        if len(reference_point) != len(names):
            raise ValueError(
                f"reference_point: {len(reference_point)} value(s) for {len(names)} objectives "
                f"{names}"
            )
        signs = np.array([-1.0 if ts.direction(m) == "maximize" else 1.0 for m in names])
        ref = np.asarray(reference_point, dtype=float) * signs
    history, current = [], 0.0
    front = np.empty((0, len(names)))
    for point in cost:
        # the front changes only when no point on it is at least as good as the new one
        if not (front <= point).all(axis=1).any():
            beaten = (point <= front).all(axis=1)
            front = np.vstack([front[~beaten], point])
            current = hypervolume(front, ref)
        history.append(current)
    return numbers, history, _to_units(ts, names, ref)


def hypervolume_history(
    trials: Any,
    reference_point: Sequence[float] | None = None,
    objectives: Sequence[str] | None = None,
) -> list[float]:
    """The hypervolume of the feasible front after each feasible complete trial, in trial order.

    ``trials``: anything ``load_trials`` takes; ``objectives`` default to the study's;
    ``reference_point`` defaults as the module docstring says.
    """
    return hypervolume_steps(trials, reference_point, objectives)[1]
