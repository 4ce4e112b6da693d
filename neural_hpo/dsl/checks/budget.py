"""Warnings about the search space as a whole: degenerate parameters, budget, sampler fit."""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..space.model import SearchSpace

#: trials per parameter below which a model-based sampler has too little to learn from
TRIALS_PER_PARAM = 10

#: samplers that model categorical parameters only by falling back to independent sampling
_NO_CATEGORICAL = {"cmaes": "CMA-ES", "qmc": "QMC"}


def check_space(space: SearchSpace, n_trials: int | None, sampler: str | None) -> list[Diagnostic]:
    """W501 one-value categoricals, W502 constant ranges, W503 budget, W504 sampler fit."""
    out: list[Diagnostic] = []
    for p in space:
        if p.kind == "categorical" and len(p.choices) == 1:
            out.append(
                Diagnostic(
                    "W501",
                    f"{p.name} has one value: it is a constant, not a parameter",
                    p.span,
                    hint=f"write {p.choices[0]} instead",
                )
            )
        elif p.kind == "float" and not p.step:
            width = abs(p.high - p.low)
            scale = max(abs(p.low), abs(p.high))
            if scale > 0 and width / scale < 1e-6:
                out.append(
                    Diagnostic("W502", f"{p.name}: the range is so narrow it is a constant", p.span)
                )
        if sampler in _NO_CATEGORICAL and p.kind == "categorical":
            out.append(
                Diagnostic(
                    "W504",
                    f"{_NO_CATEGORICAL[sampler]} cannot model the categorical {p.name}: "
                    "it is sampled at random",
                    p.span,
                    hint="use tpe, or a range for numeric values",
                )
            )
        if sampler == "grid" and p.size() is None:
            out.append(
                Diagnostic(
                    "W504",
                    f"the grid sampler needs a finite grid, but {p.name} is continuous",
                    p.span,
                    hint="give the range a step, e.g. step=0.1",
                )
            )
    if n_trials is not None and len(space) > 0:
        size = space.size()
        needed = TRIALS_PER_PARAM * len(space)
        if (size is None or size > n_trials) and n_trials < needed:
            first = space.params[0]
            out.append(
                Diagnostic(
                    "W503",
                    f"{len(space)} parameters need about {needed} trials to be explored; the budget "
                    f"is {n_trials}",
                    first.span,
                    hint="raise the trial budget or fix the parameters that matter least",
                )
            )
    return out
