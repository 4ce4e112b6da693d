"""Metric bounds a trial must meet, such as ``latency_ms < 100``, in the form Optuna samplers use.

A constraint is written ``{metric: "< bound"}`` (operators ``<``, ``<=``, ``>``, ``>=``) in a call
(``constraints=``) or in the DSL (``training: { constraints: { latency_ms: "< 100" } }``). After
a trial has trained, its value for each bounded metric (the user attribute the objective recorded)
becomes an Optuna constraint value with ``trial.set_constraint``: zero or less when the bound is
met, the size of the violation otherwise. Optuna 5's samplers (TPE, GP, NSGA-II) read those values
to steer away from infeasible regions, and ``study.best_trial``/``best_trials`` skip infeasible
trials. (Optuna 5 deprecates ``constraints_func`` in favour of ``set_constraint``.)

Pure Python, in the language part: the DSL checker reads bounds with ``parse_bound``, the engine
turns checked ones into constraint values (``engine.objective.record_constraints``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS = ("<", "<=", ">", ">=")
_BOUND = re.compile(r"\s*(<=|>=|<|>)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*")


@dataclass(frozen=True)
class Constraint:
    """``metric op bound``, e.g. ``latency_ms < 100``."""

    metric: str
    op: str
    bound: float

    @property
    def key(self) -> str:
        """The name the trial's constraint value is stored under, e.g. ``latency_ms<100``."""
        return f"{self.metric}{self.op}{self.bound:g}"

    def violation(self, value: float) -> float:
        """Optuna's constraint value: ≤ 0 when ``value`` meets the bound, else how far off it is.

        Strict bounds use the nearest float inside the bound, so ``value == bound`` violates
        ``<`` and ``>`` (by a hair) instead of counting as feasible.
        """
        if self.op == "<":
            return value - math.nextafter(self.bound, -math.inf)
        if self.op == "<=":
            return value - self.bound
        if self.op == ">":
            return math.nextafter(self.bound, math.inf) - value
        return self.bound - value

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"


def parse_bound(text: Any) -> tuple[str, float] | None:
    """``(op, bound)`` of a bound such as ``"< 100"``; None when it is not one."""
    if not isinstance(text, str):
        return None
    m = _BOUND.fullmatch(text)
    if m is None or not math.isfinite(float(m.group(2))):
        return None
    return m.group(1), float(m.group(2))


def parse_constraints(
    constraints: Mapping[str, str] | Iterable[Constraint] | None,
    known_metrics: Iterable[str],
    arg: str = "constraints",
) -> tuple[Constraint, ...]:
    """Constraints from ``{metric: "op bound"}`` (or Constraint objects), checked.

    Raises ValueError naming ``arg`` for an unknown metric or a malformed bound.
    """
    if not constraints:
        return ()
    if not isinstance(constraints, Mapping):
        items = tuple(constraints)
        if not all(isinstance(c, Constraint) for c in items):
            raise TypeError(f"{arg}: give a mapping such as {{'latency_ms': '< 100'}}")
        return items
    known = list(known_metrics)
    out = []
    for metric, text in constraints.items():
        if metric not in known:
            raise ValueError(
                f"{arg}: unknown metric {metric!r}; a constraint bounds one of {', '.join(known)}"
            )
        parsed = parse_bound(text)
        if parsed is None:
            raise ValueError(
                f"{arg}[{metric!r}]: {text!r} is not a bound; write e.g. '< 100' "
                f"(operators {', '.join(OPERATORS)})"
            )
        out.append(Constraint(metric, *parsed))
    return tuple(out)
