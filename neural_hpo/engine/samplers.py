"""Sampler and pruner choice: the call's argument, else the DSL's training block, else ``auto``
(``auto_sampler``), or, for a resumed study, the sampler it was created with."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import optuna

from neural_hpo.dsl.model import Network
from neural_hpo.dsl.space.model import SearchSpace
from neural_hpo.dsl.training import resolve_sampler

from .auto_sampler import AutoSampler
from .auto_sampler import rule as auto_rule
from .grid import OnGrid

PRUNERS = ("median", "hyperband", "halving", "none")
DEFAULT_PRUNER = "median"


DEFAULT_SAMPLER = "auto"


def _qmc(seed: int | None) -> optuna.samplers.BaseSampler:
    with warnings.catch_warnings():  # chosen by name; Optuna still labels it experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.QMCSampler(seed=seed, warn_independent_sampling=False)


#: ``(space, the run's seed, this worker's seed) -> sampler``
SamplerFactory = Callable[[SearchSpace, int | None, int | None], optuna.samplers.BaseSampler]

#: every sampler the engine builds, by the catalog's name (``neural_hpo.dsl.catalog.SAMPLERS``,
#: which documents them; tests/test_engine_sampling.py keeps the two in step)
SAMPLER_FACTORIES: dict[str, SamplerFactory] = {
    "auto": lambda space, base, seed: AutoSampler(space, base, seed),
    "tpe": lambda space, base, seed: optuna.samplers.TPESampler(seed=seed),
    "cmaes": lambda space, base, seed: optuna.samplers.CmaEsSampler(
        seed=seed, warn_independent_sampling=False
    ),
    "random": lambda space, base, seed: optuna.samplers.RandomSampler(seed=seed),
    "gp": lambda space, base, seed: optuna.samplers.GPSampler(seed=seed),
    "qmc": lambda space, base, seed: _qmc(seed),
    "grid": lambda space, base, seed: optuna.samplers.GridSampler(grid_of(space), seed=seed),
    "nsgaii": lambda space, base, seed: optuna.samplers.NSGAIISampler(seed=seed),
}


def _unknown_sampler(name: str) -> str:
    return f"unknown sampler {name!r}: use one of {', '.join(SAMPLER_FACTORIES)}"


def named_sampler(requested: str | None, network: Network) -> str | None:
    """The sampler the call or the DSL names (``sampler`` or ``search_method``), if any."""
    return (requested or resolve_sampler(network) or "").lower() or None


def sampler_name(requested: str | None, network: Network) -> str:
    """The sampler to use: ``requested``, the DSL's ``sampler`` or ``search_method``, or auto."""
    name = named_sampler(requested, network) or DEFAULT_SAMPLER
    if name not in SAMPLER_FACTORIES:
        raise ValueError(_unknown_sampler(name))
    return name


@dataclass(frozen=True)
class SearchPlan:
    """How a study searches: sampler, seed, pruner. Picklable, so each worker builds its own."""

    sampler: str = DEFAULT_SAMPLER
    seed: int | None = None
    n_objectives: int = 1
    pruner: str = "none"

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLER_FACTORIES:
            raise ValueError(_unknown_sampler(self.sampler))
        if self.sampler == "nsgaii" and self.n_objectives < 2:
            raise ValueError(
                "sampler 'nsgaii' is for several objectives: pass objectives=[...] with two or "
                "more metrics, or choose tpe, cmaes, random, gp, qmc or grid"
            )
        if self.pruner not in PRUNERS:
            raise ValueError(f"unknown pruner {self.pruner!r}: use one of {', '.join(PRUNERS)}")
        if self.pruner != "none" and self.n_objectives > 1:
            raise ValueError("pruning needs a single objective (Optuna cannot prune otherwise)")

    def make_sampler(
        self, space: SearchSpace, worker: int = 0, done: int = 0
    ) -> optuna.samplers.BaseSampler:
        """The Optuna sampler, its stepped floats on the grid (``OnGrid``). The seed is offset by the worker index and by ``done``, the
        trials the study held when this run started, so that parallel workers and a resumed
        run do not repeat the same draws (and a rerun with the same seed is reproducible)."""
        seed = None if self.seed is None else self.seed + 100_003 * worker + done
        return OnGrid(self._named_sampler(space, seed))

    def _named_sampler(self, space: SearchSpace, seed: int | None) -> optuna.samplers.BaseSampler:
        factory = SAMPLER_FACTORIES.get(self.sampler)
        if factory is None:  # __post_init__ refuses it; a guard against a table edited alone
            raise ValueError(_unknown_sampler(self.sampler))
        return factory(space, self.seed, seed)

    def make_pruner(self) -> optuna.pruners.BasePruner:
        """Median (after 5 complete trials, from the first epoch on), Hyperband, successive
        halving (asynchronous, from one epoch, reduction factor 4), or none."""
        if self.pruner == "median":
            return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)
        if self.pruner == "hyperband":
            return optuna.pruners.HyperbandPruner(min_resource=1)
        if self.pruner == "halving":
            return optuna.pruners.SuccessiveHalvingPruner(min_resource=1)
        return optuna.pruners.NopPruner()


def keep_study_sampler(
    study: optuna.Study, plan: SearchPlan, named: str | None, space: SearchSpace
) -> SearchPlan:
    """The plan with the sampler the study was created with when this run names none (so a
    resumed study keeps its sampler, whatever the default is now); a study that records none
    yet records this plan's (``sampler`` user attribute, and ``sampler_rule`` for auto)."""
    stored = study.user_attrs.get("sampler")
    if stored is None:
        study.set_user_attr("sampler", plan.sampler)
        if plan.sampler == "auto":
            study.set_user_attr("sampler_rule", auto_rule(space))
        return plan
    if named is None and stored != plan.sampler and stored in SAMPLER_FACTORIES:
        return replace(plan, sampler=stored)
    return plan


def grid_of(space: SearchSpace) -> dict[str, list]:
    """Every value of every parameter, for the grid sampler; continuous ones are an error."""
    grid = {}
    for p in space:
        values = p.grid()
        if values is None:
            raise ValueError(
                f"the grid sampler needs discrete parameters; {p.name} is {p.describe()} "
                "(give it a step, or make it categorical)"
            )
        grid[p.name] = values
    return grid


def pruner_name(enable_pruning: bool, pruner: str | None) -> str:
    """``pruner`` when given; when pruning is enabled without one, the median pruner (of those
    that kept the best accuracy within a point on every seed of bench/pruning.py, the one that
    saved the most epochs; docs/engine.md); else none."""
    if pruner is not None:
        return pruner.lower()
    return DEFAULT_PRUNER if enable_pruning else "none"
