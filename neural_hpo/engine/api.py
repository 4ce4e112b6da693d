"""``optimize_and_return``: the seed's one-call interface to a whole study."""

from __future__ import annotations

import functools
import math
import os
import time
import uuid
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.dsl.catalog import METRIC_DIRECTIONS, metric_for
from neural_hpo.dsl.checks.network import network_losses
from neural_hpo.dsl.constraints import Constraint, parse_constraints
from neural_hpo.dsl.objectives import resolve_directions
from neural_hpo.storage import resolve_storage
from neural_hpo.trials import history, is_feasible, trial_to_dict

from .config import LoadedNetwork, load_network
from .datasets import DatasetSource
from .devices import jobs_for, resolve_device
from .events import RUN_ATTR, EventHandler, StudyWatcher, reuse_event
from .objective import ObjectiveFn, TrialRunner, check_backend, objective, warm_up
from .precision import warn_if_ignored
from .reuse import Reuse
from .samplers import SearchPlan, keep_study_sampler, named_sampler, pruner_name, sampler_name
from .study import (
    IN_MEMORY,
    default_lineage,
    default_study_name,
    fail_orphaned_trials,
    open_storage,
    open_study,
    register_worker,
    unregister_worker,
)
from .values import training_value
from .workers import SharedBudget, WorkerReport, WorkerSpec, gpu_count, run_processes, run_worker

if TYPE_CHECKING:  # Ray's modules load only for a Ray run
    from neural_hpo.distributed.options import RayOptions


class OptimizationResult(dict):
    """The best parameters by DSL name, plus ``'_study'`` and ``'_trials_history'`` entries.

    Attributes: ``study``, ``trials_history``, ``best_value``, ``best_trial``, ``best_trials``
    (for several objectives the Pareto front; the parameters are those of the front's best
    trial on the first objective) and ``pareto_front`` (also ``'_pareto_front'``: each front
    trial's number, parameters, objective values and metrics). Trials that broke a constraint
    are in none of them. ``workers``: the worker processes that died during the run and the
    trials of the budget that could not be run because of them (a ``WorkerReport``). ``reuse``: what the study took over from its parent (None if
    nothing).
    """

    reuse: Reuse | None = None

    def __init__(self, study: optuna.Study, workers: WorkerReport | None = None):
        self.study = study
        self.workers = workers or WorkerReport()
        self.trials_history = history(study)
        if len(study.directions) == 1:
            self.best_trials = [study.best_trial]
            self.best_trial = study.best_trial
        else:
            self.best_trials = study.best_trials
            sign = 1 if study.directions[0] == optuna.study.StudyDirection.MAXIMIZE else -1
            self.best_trial = max(self.best_trials, key=lambda t: sign * t.values[0])
        self.best_value = self.best_trial.values[0]
        names = study.metric_names or ["value"]
        self.pareto_front = [_front_entry(t, names) for t in self.best_trials]
        super().__init__(self.best_trial.params)
        self["_study"] = study
        self["_trials_history"] = self.trials_history
        self["_pareto_front"] = self.pareto_front

    @property
    def params(self) -> dict[str, Any]:
        """The best parameters alone."""
        return dict(self.best_trial.params)

    def __repr__(self) -> str:
        return f"{self.params!r} (best {self.best_value:.4g}, study {self.study.study_name!r})"


def _front_entry(trial: FrozenTrial, names: Sequence[str]) -> dict[str, Any]:
    entry = trial_to_dict(trial, names)
    return {
        "number": trial.number,
        "params": entry["params"],
        "values": dict(zip(names, trial.values)),
        "metrics": entry["metrics"],
    }


class NoFeasibleTrialError(RuntimeError):
    """Trials completed, but none met the constraints; ``.study`` holds them all."""

    def __init__(self, study: optuna.Study):
        self.study = study
        bounds = study.user_attrs.get("constraints") or []
        super().__init__(
            f"no complete trial of study {study.study_name!r} met the constraints "
            f"({', '.join(bounds)}): relax them or run more trials"
        )


class StudyInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the run; every finished trial is stored and the trial in flight is failed
    with reason "interrupted". ``saved`` counts this run's finished trials (those tagged with
    ``run_id``, or numbered ``first_number`` or later for an untagged Ray run); rerunning resumes.
    """

    def __init__(self, study: optuna.Study, first_number: int, run_id: str | None):
        self.study = study
        done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        self.saved = sum(
            t.number >= first_number and run_id in (None, t.system_attrs.get(RUN_ATTR))
            for t in done
        )
        super().__init__(f"interrupted: {self.saved} trials saved; rerun to resume")


class NoCompletedTrialError(RuntimeError):
    """No trial of the study completed; ``.study`` holds the failed and pruned trials."""

    def __init__(self, study: optuna.Study):
        self.study = study
        reasons = sorted(
            {
                str(t.user_attrs.get("fail_reason", t.state.name.lower()))
                for t in study.get_trials(deepcopy=False)
            }
        )
        super().__init__(
            f"no trial of study {study.study_name!r} completed; reasons: {'; '.join(reasons)}"
        )


def _metric_names(metric: str, objectives: Sequence[str] | None) -> list[str]:
    """The objectives' names (checked with their directions), else the single ``metric``;
    an alias (``top_k_accuracy``) becomes the metric it names."""
    if objectives:
        return [metric_for(n) or n for n in objectives]
    name = metric_for(metric)
    if name is None:
        raise ValueError(f"unknown metric {metric!r}: use {', '.join(METRIC_DIRECTIONS)}")
    return [name]


def _canonical_bounds(
    bounds: Mapping[str, str] | Sequence[Constraint] | None, loaded: LoadedNetwork
) -> Mapping[str, str] | Sequence[Constraint] | None:
    """``{metric: bound}`` under the recorded metrics' names: an alias (``top_k_accuracy``) or
    the network's loss name becomes the metric it names; anything else is left to be refused."""
    if not isinstance(bounds, Mapping):
        return bounds
    losses = network_losses(loaded.network, loaded.space) or ()
    return {metric_for(k, losses) or k: v for k, v in bounds.items()}


def _pruner(enable_pruning: bool, pruner: str | None, n_objectives: int) -> str:
    """The pruner; with several objectives none, with a warning (Optuna cannot prune them)."""
    name = pruner_name(enable_pruning, pruner)
    if name != "none" and n_objectives > 1:
        warnings.warn(
            f"pruning ({name}) is switched off: Optuna cannot prune a study with several objectives",
            UserWarning,
            stacklevel=3,
        )
        return "none"
    return name


def optimize_and_return(
    config: str | os.PathLike,
    n_trials: int | None = None,
    dataset_name: DatasetSource = "digits",
    backend: str = "pytorch",
    device: str = "auto",
    sampler: str | None = None,
    objectives: Sequence[str] | None = None,
    use_ray: bool = False,
    enable_pruning: bool = False,
    study_name: str | None = None,
    storage: str | None = None,
    timeout: float | None = None,
    n_jobs: int = 1,
    seed: int | None = None,
    metric: str = "accuracy",
    *,
    network: str | None = None,
    pruner: str | None = None,
    data_dir: str | None = None,
    epochs: int | None = None,
    limit: int | None = None,
    allow_space_change: bool = False,
    fresh: bool = False,
    objective_fn: ObjectiveFn | None = None,
    on_event: EventHandler | None = None,
    directions: Sequence[str] | None = None,
    constraints: Mapping[str, str] | Sequence[Constraint] | None = None,
    ray_options: RayOptions | None = None,
    trials_per_gpu: int | None = None,
) -> OptimizationResult:
    """Run a study of the network in ``config`` (DSL text or a ``.neural`` path) and return the
    best parameters.

    ``n_trials`` trials run in this call (default: the DSL's ``n_trials``), across ``n_jobs``
    worker processes (``trials_per_gpu=K``: K workers on each GPU instead; more workers than GPUs
    share them round-robin). ``objectives=[...]`` with several metrics optimizes all of them (directions
    from METRIC_DIRECTIONS unless ``directions`` says otherwise; pruning is then switched off with
    a warning); otherwise ``metric`` is optimized. ``constraints`` (``{'latency_ms': '< 100'}``,
    default: the DSL's ``training.constraints``) bound recorded metrics: infeasible trials are
    never the best nor on the front. ``study_name`` resumes a stored
    study (default: network name + a hash of source, objectives and sampler, so rerunning a file
    with the same settings resumes). A new study (an edited file, or a named study whose space
    changed, unless ``allow_space_change`` resumes it as is) starts with the finished trials of
    its parent that fit its space (``result.reuse`` says how many; ``fresh=True`` reuses none;
    see docs/engine.md). ``objective_fn``
    replaces the objective (same signature as ``objective``). ``on_event`` receives study
    events (see ``events``). ``use_ray=True`` runs the trials on Ray Tune (``ray_options``:
    ``neural_hpo.distributed.RayOptions``; see docs/distributed.md) into the same study.
    Everything is checked before any training starts.
    """
    if ray_options is not None and not use_ray:
        raise ValueError("ray_options are for use_ray=True")
    check_backend(backend)
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be at least 1, not {n_jobs}")
    names = _metric_names(metric, objectives)
    dirs = resolve_directions(names, directions)
    loaded = load_network(config, network)
    bounds = parse_constraints(
        _canonical_bounds(
            constraints
            if constraints is not None
            else training_value(loaded.network, "constraints"),
            loaded,
        ),
        METRIC_DIRECTIONS,
        arg="constraints" if constraints is not None else "training.constraints",
    )
    n_trials = int(n_trials if n_trials is not None else training_value(loaded.network, "n_trials"))
    for name, value in (("n_trials", n_trials), ("epochs", epochs), ("limit", limit)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")
    if timeout is not None and not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
    resolved = resolve_device(device)  # an unusable device fails now, not in every trial
    n_jobs = _jobs(n_jobs, trials_per_gpu, device, use_ray)
    if not use_ray:  # a Ray trial's device is its node's: each trial records its precision
        warn_if_ignored(str(training_value(loaded.network, "precision")), resolved)
    if seed is None and loaded.network.training("seed") is not None:
        seed = int(training_value(loaded.network, "seed"))
    plan = SearchPlan(
        sampler=sampler_name(sampler, loaded.network),
        seed=seed,
        n_objectives=len(names),
        pruner=_pruner(enable_pruning, pruner, len(names)),
    )
    if use_ray:
        from neural_hpo.distributed.dsl_run import ray_arguments_problem
        from neural_hpo.distributed.options import RayOptions

        ray_options = ray_options or RayOptions()
        problem = ray_arguments_problem(n_jobs, objective_fn, len(names), plan.pruner, ray_options)
        if problem is None and bounds:
            problem = "constraints are not supported on Ray; run them locally"
        if problem is not None:
            raise ValueError(f"use_ray=True: {problem}")
    fn = objective_fn or functools.partial(
        objective,
        network=loaded.network.name,
        metric=names[0],
        objectives=names if len(names) > 1 else None,
        data_dir=data_dir,
        seed=seed,
        epochs=epochs,
        limit=limit,
    )
    prepare = None
    if objective_fn is None:
        prepare = functools.partial(
            warm_up,
            loaded.source,
            dataset_name,
            network=loaded.network.name,
            data_dir=data_dir,
            seed=seed,
            limit=limit,
        )
    run_id = uuid.uuid4().hex
    runner = TrialRunner(fn, loaded.source, dataset_name, backend, device, prepare, bounds, run_id)
    if prepare is not None:
        prepare()  # a missing dataset, or one that does not fit the input, fails before any trial
    url = resolve_storage(storage)
    if url == IN_MEMORY and (n_jobs > 1 or use_ray):
        raise ValueError(
            f"storage={IN_MEMORY!r} lives in this process: n_jobs > 1 and use_ray need a "
            "storage URL that other processes can open"
        )
    study, reuse = open_study(
        open_storage(url),
        study_name or default_study_name(loaded, names, plan.sampler, dirs, bounds),
        loaded,
        names,
        dirs,
        plan.make_sampler(loaded.space),
        plan.make_pruner(),
        allow_space_change=allow_space_change,
        constraints=[str(c) for c in bounds],
        lineage=study_name or default_lineage(loaded, names, plan.sampler, dirs, bounds),
        fresh=fresh,
    )
    if reuse is not None and on_event is not None:
        on_event(reuse_event(study, n_trials, reuse))
    fail_orphaned_trials(study)
    deadline = None if timeout is None else time.time() + timeout
    first = len(study.get_trials(deepcopy=False))
    kept = keep_study_sampler(study, plan, named_sampler(sampler, loaded.network), loaded.space)
    if first or kept != plan:
        plan = kept
        study.sampler = plan.make_sampler(loaded.space, done=first)
    if use_ray:
        from neural_hpo.distributed.dsl_run import run_on_ray

        run = functools.partial(
            run_on_ray,
            study,
            loaded,
            url,
            n_trials,
            sampler=study.sampler,
            dataset_name=dataset_name,
            device=device,
            metric=names[0],
            seed=seed,
            data_dir=data_dir,
            epochs=epochs,
            limit=limit,
            timeout=timeout,
            options=ray_options,
        )
    else:
        run = functools.partial(
            _run, study, runner, plan, loaded, url, n_trials, n_jobs, deadline, device, first
        )
    watched = None if use_ray else run_id  # Ray trials are not tagged
    try:
        if on_event is None:
            report = run()
        else:
            with StudyWatcher(study, n_trials, on_event, first_number=first, run_id=watched):
                report = run()
    except KeyboardInterrupt:
        raise StudyInterrupted(study, first, watched) from None
    trials = study.get_trials(deepcopy=False)
    if not any(t.state == TrialState.COMPLETE for t in trials):
        raise NoCompletedTrialError(study)
    if not any(t.state == TrialState.COMPLETE and is_feasible(t) for t in trials):
        raise NoFeasibleTrialError(study)
    result = OptimizationResult(study, report)  # report: None from a Ray run
    result.reuse = reuse
    return result


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


def _run(
    study: optuna.Study,
    runner: TrialRunner,
    plan: SearchPlan,
    loaded: LoadedNetwork,
    url: str,
    n_trials: int,
    n_jobs: int,
    deadline: float | None,
    device: str,
    done: int,
) -> WorkerReport:
    if n_jobs == 1:
        _run_here(study, runner, deadline, n_trials=n_trials)
        return WorkerReport()
    specs = [
        WorkerSpec(
            url,
            study.study_name,
            runner,
            plan,
            loaded.network.name,
            i,
            done,
            deadline,
            optuna.logging.get_verbosity(),
        )
        for i in range(n_jobs)
    ]
    here = functools.partial(_run_here, study, runner, deadline)
    pin = device.lower() in ("auto", "cuda", "gpu")
    return run_processes(study, specs, n_trials, pin, here)


def _run_here(
    study: optuna.Study,
    runner: TrialRunner,
    deadline: float | None,
    shared: SharedBudget | None = None,
    n_trials: int | None = None,
) -> None:
    """Trials in this process, registered as one of the study's workers."""
    key = register_worker(study)
    try:
        run_worker(study, runner, deadline, n_trials=n_trials, shared=shared)
    finally:
        unregister_worker(study, key)


def best_trial_summary(trial: FrozenTrial) -> str:
    """``accuracy=0.97 loss=0.11`` for a trial's recorded metrics."""
    shown = [f"{k}={v:.4g}" for k, v in trial.user_attrs.items() if k in METRIC_DIRECTIONS]
    return " ".join(shown)
