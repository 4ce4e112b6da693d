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
point not yet tried: a deterministic objective would only return the same value again. Each
proposal is stored in its trial (``auto:proposal``) before the others are compared, so two
workers proposing at the same moment cannot both keep the same point. The GP's random start-up
points are drawn whole (from the same stream, in the same order, as ``sampler="gp"`` draws them)
so that they are checked as well; TPE's start-up (conditional or mostly categorical spaces)
draws parameter by parameter and is not checked.

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

from .optuna_space import distributions

GP_TRIALS = 25
#: random draws tried in place of a proposal that repeats a trial of the study
DEDUP_TRIES = 20
#: the GP is used only when at most this share of the parameters is categorical
MAX_CATEGORICAL_SHARE = 0.5
#: a trial's proposal, stored as soon as it is made so that other workers see it before the
#: trial's parameters are suggested
PROPOSAL_ATTR = "auto:proposal"


def _repeats(study: Study, number: int, params: dict[str, Any]) -> bool:
    """Whether another trial of the study has, or was proposed, exactly ``params``."""
    names = sorted(params)
    key = tuple(params[n] for n in names)
    for t in study.get_trials(deepcopy=False):
        if t.number == number:
            continue
        proposal = t.system_attrs.get(PROPOSAL_ATTR) or {}
        if key in (tuple(t.params.get(n) for n in names), tuple(proposal.get(n) for n in names)):
            return True
    return False


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
        #: the GP's start-up draws and the redraws of repeats: one stream, as ``sampler="gp"``'s
        self._random = optuna.samplers.RandomSampler(seed=worker_seed)
        #: trials numbered below this are the GP's
        self.gp_until = GP_TRIALS if uses_gp(space) else 0
        #: the whole space, for the GP's start-up points, drawn at once so they are checked too
        self._full = distributions(space) if self.gp_until else {}
        self._gp = optuna.samplers.GPSampler(
            seed=worker_seed, independent_sampler=self._random, warn_independent_sampling=False
        )
        self._tpe = optuna.samplers.TPESampler(seed=worker_seed)
        #: numbers of the trials whose proposal this sampler replaced (this process's only)
        self.replaced: list[int] = []

    def phase(self, number: int) -> BaseSampler:
        """The sampler of trial ``number``."""
        return self._gp if number < self.gp_until else self._tpe

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        found = self.phase(trial.number).infer_relative_search_space(study, trial)
        return found or (dict(self._full) if trial.number < self.gp_until else found)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """The phase's proposal, unless another trial of the study already has exactly these
        values (a discrete space, a model that converged): then a random point not yet tried."""
        params = self.phase(trial.number).sample_relative(study, trial, search_space)
        if not params and trial.number < self.gp_until:  # the GP's random start-up trials
            params = self._draw(study, trial, search_space)
        if not params:
            return params
        for attempt in range(DEDUP_TRIES):
            # written before the others are read: of two workers proposing the same point at
            # once, at least the later reader sees the earlier one's proposal and redraws
            study._storage.set_trial_system_attr(trial._trial_id, PROPOSAL_ATTR, params)
            if not _repeats(study, trial.number, params):
                break
            if not attempt:
                self.replaced.append(trial.number)
            params = self._draw(study, trial, search_space)
        return params

    def _draw(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """A random point, in the space's order: the values the GP's start-up would draw."""
        return {
            n: self._random.sample_independent(study, trial, n, d) for n, d in search_space.items()
        }

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
