"""``optimize_and_return``: the seed's one-call interface to a whole study.

Three steps: the arguments resolved into a frozen ``RunSpec`` (``run_spec``), the study opened
(``open_run``), and both handed to the executor the spec names (``executors``: local workers,
or Ray when ``neural_hpo.distributed`` is registered, as the front door does).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.dsl.catalog import METRIC_DIRECTIONS
from neural_hpo.dsl.constraints import Constraint
from neural_hpo.storage import resolve_storage
from neural_hpo.trials import history, is_feasible, trial_to_dict

from .datasets import DatasetSource
from .events import RUN_ATTR, EventHandler, StudyWatcher, reuse_event
from .executors import Executor, StudyRun, executor_for
from .objective import ObjectiveFn
from .reuse import Reuse
from .run_spec import RunSpec, resolve_run
from .samplers import keep_study_sampler
from .study import (
    IN_MEMORY,
    default_lineage,
    default_study_name,
    fail_orphaned_trials,
    open_storage,
    open_study,
)
from .workers import WorkerReport


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
    ray_options: Any = None,
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
    ``neural_hpo.RayOptions``; see docs/distributed.md) into the same study.
    Everything is checked before any training starts.
    """
    arguments = dict(locals())  # the parameters as given: nothing else is bound yet
    del arguments["on_event"]
    spec = resolve_run(**arguments)
    executor = executor_for(spec.executor)
    executor.check(spec)
    if spec.prepare is not None:
        spec.prepare()  # a missing dataset, or one that does not fit the input, fails before any trial
    run = open_run(spec, on_event)
    return _result(run, _execute(executor, spec, run, on_event))


def open_run(spec: RunSpec, on_event: EventHandler | None = None) -> StudyRun:
    """Open (create, resume or seed from its parent) the spec's study, fail trials orphaned by
    a dead run, and give a resumed study the sampler it was created with."""
    url = resolve_storage(spec.storage)
    if url == IN_MEMORY and (spec.n_jobs > 1 or spec.executor != "local"):
        raise ValueError(
            f"storage={IN_MEMORY!r} lives in this process: n_jobs > 1 and use_ray need a "
            "storage URL that other processes can open"
        )
    loaded, names, dirs, bounds = spec.loaded, list(spec.names), list(spec.directions), spec.bounds
    study, reuse = open_study(
        open_storage(url),
        spec.study_name or default_study_name(loaded, names, spec.plan.sampler, dirs, bounds),
        loaded,
        names,
        dirs,
        spec.plan.make_sampler(loaded.space),
        spec.plan.make_pruner(),
        allow_space_change=spec.allow_space_change,
        constraints=[str(c) for c in bounds],
        lineage=spec.study_name or default_lineage(loaded, names, spec.plan.sampler, dirs, bounds),
        fresh=spec.fresh,
    )
    if reuse is not None and on_event is not None:
        on_event(reuse_event(study, spec.n_trials, reuse))
    fail_orphaned_trials(study)
    deadline = None if spec.timeout is None else time.time() + spec.timeout
    first = len(study.get_trials(deepcopy=False))
    plan = keep_study_sampler(study, spec.plan, spec.named_sampler, loaded.space)
    if first or plan != spec.plan:
        study.sampler = plan.make_sampler(loaded.space, done=first)
    return StudyRun(study, url, first, plan, reuse, deadline)


def _execute(
    executor: Executor, spec: RunSpec, run: StudyRun, on_event: EventHandler | None
) -> WorkerReport | None:
    """The executor's run, watched for ``on_event``; Ctrl-C becomes ``StudyInterrupted``."""
    watched = spec.run_id if executor.tags_trials else None
    try:
        if on_event is None:
            return executor.run(spec, run)
        with StudyWatcher(
            run.study, spec.n_trials, on_event, first_number=run.first, run_id=watched
        ):
            return executor.run(spec, run)
    except KeyboardInterrupt:
        raise StudyInterrupted(run.study, run.first, watched) from None


def _result(run: StudyRun, report: WorkerReport | None) -> OptimizationResult:
    """The result of a run that completed a feasible trial (else its error)."""
    trials = run.study.get_trials(deepcopy=False)
    if not any(t.state == TrialState.COMPLETE for t in trials):
        raise NoCompletedTrialError(run.study)
    if not any(t.state == TrialState.COMPLETE and is_feasible(t) for t in trials):
        raise NoFeasibleTrialError(run.study)
    result = OptimizationResult(run.study, report)  # report: None from a Ray run
    result.reuse = run.reuse
    return result


def best_trial_summary(trial: FrozenTrial) -> str:
    """``accuracy=0.97 loss=0.11`` for a trial's recorded metrics."""
    shown = [f"{k}={v:.4g}" for k, v in trial.user_attrs.items() if k in METRIC_DIRECTIONS]
    return " ".join(shown)
