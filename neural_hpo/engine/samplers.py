"""Sampler and pruner choice: the call's argument, else the DSL's training block, else TPE."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import optuna

from neural_hpo.dsl.catalog import SAMPLERS
from neural_hpo.dsl.checks.network import resolve_sampler
from neural_hpo.dsl.model import Network
from neural_hpo.dsl.space import SearchSpace

from .grid import OnGrid

PRUNERS = ("median", "hyperband", "none")


def sampler_name(requested: str | None, network: Network) -> str:
    """The sampler to use: ``requested``, the DSL's ``sampler`` or ``search_method``, or tpe."""
    name = (requested or resolve_sampler(network) or "tpe").lower()
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}: use one of {', '.join(SAMPLERS)}")
    return name


@dataclass(frozen=True)
class SearchPlan:
    """How a study searches: sampler, seed, pruner. Picklable, so each worker builds its own."""

    sampler: str = "tpe"
    seed: int | None = None
    n_objectives: int = 1
    pruner: str = "none"

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {self.sampler!r}: use one of {', '.join(SAMPLERS)}")
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
        s = optuna.samplers
        if self.sampler == "tpe":
            return s.TPESampler(seed=seed)
        if self.sampler == "cmaes":
            return s.CmaEsSampler(seed=seed, warn_independent_sampling=False)
        if self.sampler == "random":
            return s.RandomSampler(seed=seed)
        if self.sampler == "gp":
            return s.GPSampler(seed=seed)
        if self.sampler == "qmc":
            with warnings.catch_warnings():  # chosen by name; Optuna still labels it experimental
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return s.QMCSampler(seed=seed, warn_independent_sampling=False)
        if self.sampler == "nsgaii":
            return s.NSGAIISampler(seed=seed)
        return s.GridSampler(grid_of(space), seed=seed)

    def make_pruner(self) -> optuna.pruners.BasePruner:
        """Median (after 5 complete trials, from the first epoch on), Hyperband, or none."""
        if self.pruner == "median":
            return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)
        if self.pruner == "hyperband":
            return optuna.pruners.HyperbandPruner(min_resource=1)
        return optuna.pruners.NopPruner()


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
    """``pruner`` when given; median when pruning is enabled without one; else none."""
    if pruner is not None:
        return pruner.lower()
    return "median" if enable_pruning else "none"
