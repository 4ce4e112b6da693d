"""The ``auto`` sampler, the default: a model chosen for the budget and the space.

Trial ``k`` of a study (its number, unique across all workers sharing the storage) is sampled by:

- ``k < GP_TRIALS`` when the space is mostly numeric without conditional parameters: Optuna's
  ``GPSampler`` (its first 10 trials random; Gaussian-process BO after, conditioning on running
  trials, so parallel workers do not propose the same point). Its fits cost more per trial as
  trials accumulate (seconds at 100 trials on a loaded core), hence the switch;
- otherwise Optuna's ``TPESampler`` (multivariate, with the constant liar for running trials).
  The GP's trials are the study's trials, so TPE starts informed: its 10 random start-up trials
  are long past when it takes over.

A proposal that repeats another trial's values exactly (discrete spaces) is replaced by a random
point not yet tried: a deterministic objective would only return the same value again.

``bench/quality.py`` chose the rule over GP until trial 50 (the same at 25 trials, a little
better at 50 and worse at 100 and 200 on the seed tried, for 1.5x the wall time); until
``GP_TRIALS`` the auto sampler proposes exactly what ``sampler="gp"`` does with the same seed.
docs/engine.md carries the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
)
from optuna.samplers import BaseSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.dsl.space.model import SearchSpace

GP_TRIALS = 25
#: random draws tried in place of a proposal that repeats a trial of the study
DEDUP_TRIES = 20
#: the GP is used only when at most this share of the parameters is categorical
MAX_CATEGORICAL_SHARE = 0.5


def uses_gp(space: SearchSpace) -> bool:
    """Whether the GP phase applies: no conditional parameters, mostly numeric ones."""
    if not len(space) or any(p.parent is not None for p in space):
        return False
    categorical = sum(p.kind == "categorical" for p in space)
    return categorical <= MAX_CATEGORICAL_SHARE * len(space)


def rule(space: SearchSpace) -> str:
    """The rule in words, recorded in the study (``sampler_rule``)."""
    if uses_gp(space):
        return f"gp until trial {GP_TRIALS - 1}, tpe after"
    return "tpe (the space is conditional or mostly categorical)"


class AutoSampler(BaseSampler):
    """GP while the study is small (numeric spaces), then TPE; each trial's phase follows from
    its number alone, so workers and resumed runs agree on it."""

    def __init__(self, space: SearchSpace, seed: int | None = None, worker_seed: int | None = None):
        worker_seed = seed if worker_seed is None else worker_seed
        self._random = optuna.samplers.RandomSampler(seed=worker_seed)
        #: trials numbered below this are the GP's
        self.gp_until = GP_TRIALS if uses_gp(space) else 0
        self._gp = optuna.samplers.GPSampler(seed=worker_seed, warn_independent_sampling=False)
        self._tpe = optuna.samplers.TPESampler(seed=worker_seed)
        #: numbers of the trials whose proposal this sampler replaced (this process's only)
        self.replaced: list[int] = []

    def phase(self, number: int) -> BaseSampler:
        """The sampler of trial ``number``."""
        return self._gp if number < self.gp_until else self._tpe

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self.phase(trial.number).infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """The phase's proposal, unless another trial of the study already has exactly these
        values (a discrete space, a model that converged): then a random point not yet tried."""
        params = self.phase(trial.number).sample_relative(study, trial, search_space)
        if not params:
            return params
        names = sorted(params)
        seen = {
            tuple(t.params.get(n) for n in names)
            for t in study.get_trials(deepcopy=False)
            if t.number != trial.number
        }
        for attempt in range(DEDUP_TRIES):
            if tuple(params[n] for n in names) not in seen:
                break
            if not attempt:
                self.replaced.append(trial.number)
            params = {
                n: self._random.sample_independent(study, trial, n, d)
                for n, d in search_space.items()
            }
        return params

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self.phase(trial.number).sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self.phase(trial.number).before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self.phase(trial.number).after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        for s in (self._random, self._gp, self._tpe):
            s.reseed_rng()
