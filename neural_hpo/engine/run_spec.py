"""A run's arguments resolved and checked once, into the frozen ``RunSpec`` an executor runs.

``optimize_and_return`` is three steps: ``resolve_run`` (every argument checked, defaults taken
from the DSL, the network loaded; nothing trains and nothing is written), opening the study,
and handing both to the executor ``RunSpec.executor`` names (``engine.executors``).
"""

from __future__ import annotations

import functools
import math
import os
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neural_hpo.dsl.catalog import METRIC_DIRECTIONS, metric_for
from neural_hpo.dsl.checks.network import network_losses
from neural_hpo.dsl.constraints import Constraint, parse_constraints
from neural_hpo.dsl.objectives import resolve_directions

from .config import LoadedNetwork, load_network
from .datasets import DatasetSource
from .devices import jobs_for, resolve_device
from .objective import ObjectiveFn, TrialRunner, check_backend, objective, warm_up
from .precision import warn_if_ignored
from .samplers import SearchPlan, named_sampler, pruner_name, sampler_name
from .values import training_value
from .workers import gpu_count


@dataclass(frozen=True)
class RunSpec:
    """Everything a run needs, resolved: the network, objectives, bounds, budget, search plan,
    the trial runner, and where it runs (``executor``: 'local' or 'ray', with its options)."""

    loaded: LoadedNetwork
    names: tuple[str, ...]  # the objectives' metric names (one for a single objective)
    directions: tuple[str, ...]
    bounds: tuple[Constraint, ...]
    n_trials: int
    n_jobs: int
    timeout: float | None
    device: str
    dataset_name: DatasetSource
    data_dir: str | None
    seed: int | None
    epochs: int | None
    limit: int | None
    plan: SearchPlan
    named_sampler: str | None  # the sampler the call or the DSL names (None: the default)
    objective_fn: ObjectiveFn | None  # the caller's replacement objective, if any
    runner: TrialRunner
    prepare: Callable[[], None] | None  # loads what every trial shares; fails before any trial
    storage: str | None
    study_name: str | None
    allow_space_change: bool
    fresh: bool
    executor: str
    executor_options: Any  # the executor's own settings (RayOptions for 'ray'), or None

    @property
    def run_id(self) -> str | None:
        """The id this run's trials are tagged with (``events.RUN_ATTR``)."""
        return self.runner.run_id


def resolve_run(
    *,
    config: str | os.PathLike,
    n_trials: int | None,
    dataset_name: DatasetSource,
    backend: str,
    device: str,
    sampler: str | None,
    objectives: Sequence[str] | None,
    use_ray: bool,
    enable_pruning: bool,
    study_name: str | None,
    storage: str | None,
    timeout: float | None,
    n_jobs: int,
    seed: int | None,
    metric: str,
    network: str | None,
    pruner: str | None,
    data_dir: str | None,
    epochs: int | None,
    limit: int | None,
    allow_space_change: bool,
    fresh: bool,
    objective_fn: ObjectiveFn | None,
    directions: Sequence[str] | None,
    constraints: Mapping[str, str] | Sequence[Constraint] | None,
    ray_options: Any,
    trials_per_gpu: int | None,
) -> RunSpec:
    """The ``RunSpec`` of ``optimize_and_return``'s arguments (all but ``on_event``); ValueError
    naming the argument for anything it cannot run."""
    _check_call(ray_options, use_ray, backend, n_jobs)
    names = _metric_names(metric, objectives)
    dirs = resolve_directions(names, directions, stacklevel=4)
    loaded = load_network(config, network)
    bounds = _bounds(constraints, loaded)
    n_trials = int(n_trials if n_trials is not None else training_value(loaded.network, "n_trials"))
    _check_budget(n_trials, epochs, limit, timeout)
    n_jobs = _workers(loaded, n_jobs, trials_per_gpu, device, use_ray)
    if seed is None and loaded.network.training("seed") is not None:
        seed = int(training_value(loaded.network, "seed"))
    plan = SearchPlan(
        sampler=sampler_name(sampler, loaded.network),
        seed=seed,
        n_objectives=len(names),
        pruner=_pruner(enable_pruning, pruner, len(names)),
    )
    data = {"dataset_name": dataset_name, "data_dir": data_dir, "seed": seed, "limit": limit}
    runner, prepare = _runner(loaded, names, objective_fn, backend, device, bounds, epochs, **data)
    return RunSpec(
        loaded=loaded,
        names=tuple(names),
        directions=tuple(dirs),
        bounds=bounds,
        n_trials=n_trials,
        n_jobs=n_jobs,
        timeout=timeout,
        device=device,
        epochs=epochs,
        plan=plan,
        named_sampler=named_sampler(sampler, loaded.network),
        objective_fn=objective_fn,
        runner=runner,
        prepare=prepare,
        storage=storage,
        study_name=study_name,
        allow_space_change=allow_space_change,
        fresh=fresh,
        executor="ray" if use_ray else "local",
        executor_options=ray_options,
        **data,
    )


def _runner(
    loaded: LoadedNetwork,
    names: Sequence[str],
    objective_fn: ObjectiveFn | None,
    backend: str,
    device: str,
    bounds: tuple[Constraint, ...],
    epochs: int | None,
    *,
    dataset_name: DatasetSource,
    data_dir: str | None,
    seed: int | None,
    limit: int | None,
) -> tuple[TrialRunner, Callable[[], None] | None]:
    """The trial runner (the engine's ``objective`` unless ``objective_fn`` replaces it, which
    then skips the warm-up) and the warm-up it runs in each worker."""
    shared = {"network": loaded.network.name, "data_dir": data_dir, "seed": seed, "limit": limit}
    fn = objective_fn or functools.partial(
        objective,
        metric=names[0],
        objectives=list(names) if len(names) > 1 else None,
        epochs=epochs,
        **shared,
    )
    prepare = None
    if objective_fn is None:
        prepare = functools.partial(warm_up, loaded.source, dataset_name, **shared)
    run_id = uuid.uuid4().hex
    runner = TrialRunner(fn, loaded.source, dataset_name, backend, device, prepare, bounds, run_id)
    return runner, prepare


def _metric_names(metric: str, objectives: Sequence[str] | None) -> list[str]:
    """The objectives' names (checked with their directions), else the single ``metric``;
    an alias (``top_k_accuracy``) becomes the metric it names."""
    if objectives:
        return [metric_for(n) or n for n in objectives]
    name = metric_for(metric)
    if name is None:
        raise ValueError(f"unknown metric {metric!r}: use {', '.join(METRIC_DIRECTIONS)}")
    return [name]


def _bounds(
    constraints: Mapping[str, str] | Sequence[Constraint] | None, loaded: LoadedNetwork
) -> tuple[Constraint, ...]:
    """The call's ``constraints``, else the DSL's ``training.constraints``, checked."""
    given = constraints is not None
    return parse_constraints(
        _canonical_bounds(
            constraints if given else training_value(loaded.network, "constraints"), loaded
        ),
        METRIC_DIRECTIONS,
        arg="constraints" if given else "training.constraints",
    )


def _canonical_bounds(
    bounds: Mapping[str, str] | Sequence[Constraint] | None, loaded: LoadedNetwork
) -> Mapping[str, str] | Sequence[Constraint] | None:
    """``{metric: bound}`` under the recorded metrics' names: an alias (``top_k_accuracy``) or
    the network's loss name becomes the metric it names; anything else is left to be refused."""
    if not isinstance(bounds, Mapping):
        return bounds
    losses = network_losses(loaded.network, loaded.space) or ()
    return {metric_for(k, losses) or k: v for k, v in bounds.items()}


def _check_call(ray_options: Any, use_ray: bool, backend: str, n_jobs: int) -> None:
    if ray_options is not None and not use_ray:
        raise ValueError("ray_options are for use_ray=True")
    check_backend(backend)
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be at least 1, not {n_jobs}")


def _check_budget(
    n_trials: int, epochs: int | None, limit: int | None, timeout: float | None
) -> None:
    for name, value in (("n_trials", n_trials), ("epochs", epochs), ("limit", limit)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")
    if timeout is not None and not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")


def _pruner(enable_pruning: bool, pruner: str | None, n_objectives: int) -> str:
    """The pruner; with several objectives none, with a warning (Optuna cannot prune them)."""
    name = pruner_name(enable_pruning, pruner)
    if name != "none" and n_objectives > 1:
        warnings.warn(
            f"pruning ({name}) is switched off: Optuna cannot prune a study with several objectives",
            UserWarning,
            stacklevel=4,
        )
        return "none"
    return name


def _workers(
    loaded: LoadedNetwork, n_jobs: int, trials_per_gpu: int | None, device: str, use_ray: bool
) -> int:
    """The local worker count, once ``device`` is checked (an unusable one fails now, not in
    every trial) and the DSL's precision with it (a Ray trial records its node's)."""
    resolved = resolve_device(device)
    n_jobs = _jobs(n_jobs, trials_per_gpu, device, use_ray)
    if not use_ray:
        warn_if_ignored(str(training_value(loaded.network, "precision")), resolved)
    return n_jobs


def _jobs(n_jobs: int, trials_per_gpu: int | None, device: str, use_ray: bool) -> int:
    """The local worker count: ``n_jobs``, or ``trials_per_gpu`` x the GPUs ``device`` uses."""
    if trials_per_gpu is None:
        return n_jobs
    if use_ray:
        raise ValueError(
            "trials_per_gpu is for local workers; on Ray a trial asks for a fraction of a GPU "
            "(RayOptions(gpus_per_trial=1/K), --ray-gpus)"
        )
    name = device.lower()
    gpus = gpu_count() if name in ("auto", "cuda", "gpu") else 0
    if name.startswith("cuda:"):
        gpus = 1  # the one GPU named (resolve_device checked that it exists)
    return jobs_for(n_jobs, trials_per_gpu, gpus)
