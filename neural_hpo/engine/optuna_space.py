"""The search space as Optuna sees it: a distribution per parameter, and define-by-run sampling
from a trial (the model itself, ``neural_hpo.dsl.space``, imports no Optuna)."""

from __future__ import annotations

from typing import Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from neural_hpo.dsl.space.model import Param, SearchSpace


def distribution(p: Param) -> BaseDistribution:
    """The Optuna distribution of one parameter."""
    if p.kind == "categorical":
        return CategoricalDistribution(list(p.choices))
    if p.kind == "int":
        return IntDistribution(int(p.low), int(p.high), log=p.log, step=int(p.step or 1))
    return FloatDistribution(p.low, p.high, log=p.log, step=p.step)


def distributions(space: SearchSpace) -> dict[str, BaseDistribution]:
    """``{name: optuna distribution}`` for every parameter (conditional ones included)."""
    return {p.name: distribution(p) for p in space}


def suggest_space(space: SearchSpace, trial: Any) -> dict[str, Any]:
    """Sample one configuration from an Optuna trial, define-by-run: a conditional parameter
    is asked for only when its parent chose it."""
    values: dict[str, Any] = {}
    for p in space:
        if not p.is_active(values):
            continue
        if p.kind == "categorical":
            values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
        elif p.kind == "int":
            values[p.name] = trial.suggest_int(
                p.name, int(p.low), int(p.high), step=int(p.step or 1), log=p.log
            )
        else:
            values[p.name] = trial.suggest_float(p.name, p.low, p.high, step=p.step, log=p.log)
    return values
