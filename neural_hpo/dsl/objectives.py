"""Objectives by the names of the metrics a trial records, and the direction each is optimized in.

Pure Python, in the language part: the engine checks a call's ``objectives``/``directions`` with
it, and ``MultiObjectiveOptimizer`` its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from neural_hpo.dsl.arguments import did_you_mean
from neural_hpo.dsl.catalog import METRIC_DIRECTIONS

DIRECTIONS = ("minimize", "maximize")


def resolve_directions(
    objectives: Sequence[str], directions: Sequence[str] | None = None, *, stacklevel: int = 3
) -> list[str]:
    """The direction of each objective: ``directions`` checked, or each metric's natural one.

    Raises ValueError naming ``objectives`` or ``directions`` for an unknown or repeated metric,
    a length mismatch or a misspelt direction. A direction against the metric's nature (maximize
    loss) is allowed, with a warning: it is almost always a slip (``stacklevel``: the caller's
    caller by default, the frame the warning names).
    """
    names = list(objectives)
    if isinstance(objectives, str) or not names:
        raise ValueError(
            f"objectives: give a list of metric names, e.g. ['loss', 'accuracy'], not {objectives!r}"
        )
    for name in names:
        if name not in METRIC_DIRECTIONS:
            raise ValueError(
                f"objectives: unknown metric {name!r}{did_you_mean(name, list(METRIC_DIRECTIONS))}; "
                f"a trial records {', '.join(METRIC_DIRECTIONS)}"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"objectives: a metric is repeated in {names}")
    if directions is None:
        return [METRIC_DIRECTIONS[n] for n in names]
    if isinstance(directions, str):
        raise ValueError(
            f"directions: give one direction per objective as a list, not {directions!r}"
        )
    out = [str(d).lower() for d in directions]
    if len(out) != len(names):
        raise ValueError(
            f"directions: {len(out)} direction(s) for {len(names)} objective(s) {names}; "
            "give one per objective"
        )
    for name, d in zip(names, out):
        if d not in DIRECTIONS:
            raise ValueError(
                f"directions: {d!r} (for {name!r}) is not a direction"
                f"{did_you_mean(d, DIRECTIONS)}; use 'minimize' or 'maximize'"
            )
        if d != METRIC_DIRECTIONS[name]:
            warnings.warn(
                f"directions: {name!r} is set to {d}, but it improves when it "
                f"{'falls' if METRIC_DIRECTIONS[name] == 'minimize' else 'rises'}",
                UserWarning,
                stacklevel=stacklevel,
            )
    return out
