"""The ``auto`` sampler, the default: a space-filling start, then a model chosen for the budget.

Trial ``k`` of a study (its number, unique across all workers sharing the storage) is sampled by:

- ``k < STARTUP_TRIALS``: point ``k`` of a scrambled Sobol sequence seeded by the study's seed.
  Workers and resumed runs index the same sequence by trial number, so no two trials get the
  same start point, and a rerun with the same seed gets the same points.
- ``k < GP_TRIALS`` and the space is mostly numeric without conditional parameters: Optuna's
  ``GPSampler`` (Gaussian-process BO; it conditions on running trials, so parallel workers do
  not propose the same point). GP fits cost seconds per trial as trials accumulate.
- otherwise: Optuna's ``TPESampler`` (multivariate, with the constant liar for running trials).

A proposal that repeats another trial's values exactly (discrete spaces) is replaced by a random
point not yet tried: a deterministic objective would only return the same value again.

``bench/quality.py`` chose the thresholds; docs/engine.md carries its figures.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    IntDistribution,
)
from optuna.samplers import BaseSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.dsl.space import SearchSpace

STARTUP_TRIALS = 10
GP_TRIALS = 30
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
    start = f"sobol for trials 0-{STARTUP_TRIALS - 1}"
    if uses_gp(space):
        return f"{start}, gp until trial {GP_TRIALS - 1}, tpe after"
    return f"{start}, tpe after (the space is conditional or mostly categorical)"


def from_unit(u: float, dist: BaseDistribution) -> Any:
    """The value of ``dist`` at position ``u`` in [0, 1) (log scale for log distributions)."""
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[min(int(u * len(dist.choices)), len(dist.choices) - 1)]
    low, high = float(dist.low), float(dist.high)
    if dist.log:  # ints: log-uniform over [low, high + 1), floored
        top = high + 1 if isinstance(dist, IntDistribution) else high
        x = math.exp(math.log(low) + u * (math.log(top) - math.log(low)))
        return int(min(math.floor(x), high)) if isinstance(dist, IntDistribution) else float(x)
    step = dist.step or (1 if isinstance(dist, IntDistribution) else None)
    if step is None:
        return float(low + u * (high - low))
    n = round((high - low) / step)
    x = low + min(int(u * (n + 1)), n) * step
    return int(x) if isinstance(dist, IntDistribution) else round(float(x), 12)


class SobolStart(BaseSampler):
    """Point ``trial.number`` of one scrambled Sobol sequence over the unconditional parameters
    (``space``); conditional parameters and anything else come from ``fallback``."""

    def __init__(self, space: dict[str, BaseDistribution], seed: int | None, fallback: BaseSampler):
        self._space = dict(sorted(space.items()))
        self._seed = seed if seed is not None else int(np.random.SeedSequence().entropy % 2**31)
        self._fallback = fallback

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._space

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        from scipy.stats import qmc

        engine = qmc.Sobol(len(search_space), scramble=True, seed=self._seed)
        if trial.number:
            engine.fast_forward(trial.number)
        with warnings.catch_warnings():  # one point at a time: scipy warns about balance
            warnings.simplefilter("ignore", UserWarning)
            point = engine.random(1)[0]
        return {name: from_unit(u, d) for (name, d), u in zip(search_space.items(), point)}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def reseed_rng(self) -> None:
        self._fallback.reseed_rng()


class AutoSampler(BaseSampler):
    """Sobol start, then GP while the study is small (numeric spaces), then TPE; each trial's
    phase follows from its number alone, so workers and resumed runs agree on it."""

    def __init__(self, space: SearchSpace, seed: int | None = None, worker_seed: int | None = None):
        worker_seed = seed if worker_seed is None else worker_seed
        unconditional = {p.name: p.distribution() for p in space if p.parent is None}
        random = optuna.samplers.RandomSampler(seed=worker_seed)
        self._random = random
        self._start = SobolStart(unconditional, seed, random)
        self._gp_until = GP_TRIALS if uses_gp(space) else STARTUP_TRIALS
        self._gp = optuna.samplers.GPSampler(
            seed=worker_seed,
            n_startup_trials=0,
            independent_sampler=random,
            warn_independent_sampling=False,
        )
        self._tpe = optuna.samplers.TPESampler(seed=worker_seed, n_startup_trials=STARTUP_TRIALS)

    def phase(self, number: int) -> BaseSampler:
        """The sampler of trial ``number``."""
        if number < STARTUP_TRIALS:
            return self._start
        return self._gp if number < self._gp_until else self._tpe

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
        for _ in range(DEDUP_TRIES):
            if tuple(params[n] for n in names) not in seen:
                break
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
        for s in (self._start, self._gp, self._tpe):
            s.reseed_rng()
