"""Sampled values on the step grid as the DSL writes them: 0.6, not 0.6000000000000001.

Optuna's samplers place a stepped float at ``low + k * step`` computed in floats; ``OnGrid``
wraps any sampler and rounds those values to the step's digits before the trial stores them, so
the storage, the CLI, the report, the server's hovers and optuna-dashboard all show 0.6, and the
trial trains with it.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.dsl.space.model import round_to_grid


def on_grid(value: Any, distribution: BaseDistribution) -> Any:
    """``value`` rounded to the step of a stepped float distribution; any other value as is."""
    if isinstance(distribution, FloatDistribution) and distribution.step and not distribution.log:
        return round_to_grid(float(value), distribution.step)
    return value


class OnGrid(BaseSampler):
    """``base`` with every stepped float it samples rounded onto the grid (see module doc).
    Attributes other than the sampler protocol are ``base``'s."""

    def __init__(self, base: BaseSampler):
        self.base = base

    def __getattr__(self, name: str) -> Any:
        if name == "base":  # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.base, name)

    def __str__(self) -> str:
        return str(self.base)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self.base.infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        values = self.base.sample_relative(study, trial, search_space)
        return {k: on_grid(v, search_space[k]) for k, v in values.items()}

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        value = self.base.sample_independent(study, trial, param_name, param_distribution)
        return on_grid(value, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.base.before_trial(study, trial)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Any,
    ) -> None:
        self.base.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self.base.reseed_rng()
