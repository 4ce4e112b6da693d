"""``optimize_and_return(..., use_ray=True)``: a DSL study's trials run as Ray Tune trials.

The engine opens the study as for a local run; here each Ray trial trains the network with the
engine's training path (``trainable``), the search is Ray's OptunaSearch with the study's sampler
(told the study's finished trials, reused ones included, and held to the budget by ``budget``;
or random search, or PBT), and ``recorder`` writes every finished Ray trial into the study.
Experiments live in ``<storage_path>/<study name>/run-<k>``: each call starts run k+1, or with
``resume`` continues the latest one that Tune can restore.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from typing import Any

import optuna
from optuna.trial import TrialState

from neural_hpo.dsl.catalog import METRIC_DIRECTIONS
from neural_hpo.engine.config import LoadedNetwork
from neural_hpo.engine.datasets import DatasetSource
from neural_hpo.engine.optuna_space import distributions
from neural_hpo.engine.values import training_value

from .experiment import Experiment
from .hpo import default_storage_path
from .options import RayOptions
from .ray_space import ray_space
from .runtime import connected, require_ray, trial_resources
from .schedulers import check_names, make_scheduler, make_search_alg

RUN_PREFIX = "run-"


def run_on_ray(
    study: optuna.Study,
    loaded: LoadedNetwork,
    storage_url: str,
    n_trials: int,
    *,
    sampler: optuna.samplers.BaseSampler,
    dataset_name: DatasetSource,
    device: str,
    metric: str,
    seed: int | None,
    data_dir: str | None,
    epochs: int | None,
    limit: int | None,
    timeout: float | None,
    options: RayOptions,
) -> None:
    """Run ``n_trials`` Ray trials of ``loaded`` into ``study`` (see the module docstring)."""
    require_ray()
    from .pbt import SnapToSpace, mutations
    from .recorder import OptunaRecorder
    from .trainable import DSLTrainable, finished_training

    algorithm = check_names(options.scheduler, options.search_alg)
    max_epochs = most_epochs(loaded, epochs)
    interval = options.perturbation_interval or max(1, max_epochs // 4)
    pbt = options.scheduler == "pbt"
    checkpoint_every = options.checkpoint_every
    if checkpoint_every is None:
        checkpoint_every = interval if pbt else 0
    mode = "max" if METRIC_DIRECTIONS[metric] == "maximize" else "min"
    root = os.path.join(options.storage_path or default_storage_path(), study.study_name)
    name = experiment_name(root, options.resume)
    path = os.path.join(root, name)
    with connected(options.address, runtime_env=options.runtime_env):
        experiment = Experiment(
            trainable=DSLTrainable(
                loaded.source,
                loaded.network.name,
                dataset_name,
                device,
                seed,
                data_dir,
                epochs,
                limit,
                checkpoint_every,
            ),
            param_space={} if algorithm == "optuna" else ray_space(loaded.space),
            metric=metric,
            mode=mode,
            num_samples=n_trials,
            scheduler=make_scheduler(
                options.scheduler,
                max_t=max_epochs,
                mutations=mutations(loaded) if pbt else None,
                perturbation_interval=interval,
                explore=SnapToSpace(loaded.space) if pbt else None,
            ),
            search_alg=search_algorithm(
                algorithm,
                study,
                loaded,
                n_trials,
                storage_url,
                path,
                metric=metric,
                mode=mode,
                sampler=sampler,
                seed=seed,
            ),
            resources=trial_resources(options.cpus_per_trial, options.gpus_per_trial),
            storage_path=root,
            name=name,
            callbacks=[
                OptunaRecorder(
                    storage_url,
                    study.study_name,
                    loaded.source,
                    loaded.network.name,
                    metric,
                    path,
                )
            ],
            stop=finished_training,
            time_budget_s=timeout,
            max_concurrent_trials=options.max_concurrent_trials,
            verbose=0,
            max_failures=options.max_failures,
        )
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            # a retried or restored trial reports its epochs again to OptunaSearch's own
            # in-memory study, which keeps the first value and warns once per epoch
            warnings.filterwarnings("ignore", "The reported value is ignored", UserWarning)
            experiment.run(resume=options.resume)  # stdout may carry JSON events


def tell_finished(search: Any, study: optuna.Study, loaded: LoadedNetwork) -> Any:
    """``search``, told the study's finished trials (earlier runs' and those reused from a parent
    study), so that Ray's OptunaSearch starts informed as a local run's sampler does. Ray samples
    every parameter, so a trial without an inactive conditional one is left out."""
    if not hasattr(search, "add_evaluated_point"):  # random search learns nothing
        return search
    names = set(loaded.space.names())
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)):
        if set(t.params) == names:
            steps = [t.intermediate_values[k] for k in sorted(t.intermediate_values)]
            value = t.value if t.state == TrialState.COMPLETE else None
            search.add_evaluated_point(
                dict(t.params),
                value,
                pruned=t.state == TrialState.PRUNED,
                intermediate_values=steps or None,
            )
    return search


def search_algorithm(
    algorithm: str,
    study: optuna.Study,
    loaded: LoadedNetwork,
    n_trials: int,
    storage_url: str,
    path: str,
    **options: Any,
) -> Any:
    """The search algorithm of the experiment at ``path`` (``options``: make_search_alg's):
    told the study's finished trials and, when it is a Searcher (Ray's OptunaSearch), held to
    ``n_trials`` across a hard kill (``budget``). Random search, whose trial ids are numbered,
    needs no such count."""
    from ray.tune.search import Searcher

    from .budget import StudyBudget

    found = make_search_alg(algorithm, space=distributions(loaded.space), **options)
    found = tell_finished(found, study, loaded)
    if not isinstance(found, Searcher):
        return found
    return StudyBudget(found, n_trials, storage_url, study.study_name, path)


def most_epochs(loaded: LoadedNetwork, epochs: int | None) -> int:
    """The most epochs a trial can train: ``epochs``, else the largest the DSL allows."""
    if epochs:
        return int(epochs)
    tuned = [p for p in loaded.space if p.path == "training.epochs"]
    if tuned:
        return int(max(tuned[0].grid() or [tuned[0].high]))
    return int(training_value(loaded.network, "epochs"))


def experiment_name(root: str, resume: bool) -> str:
    """``run-<k>``: the latest run under ``root`` when resuming, else the next one."""
    runs = [
        int(d[len(RUN_PREFIX) :])
        for d in (os.listdir(root) if os.path.isdir(root) else [])
        if d.startswith(RUN_PREFIX) and d[len(RUN_PREFIX) :].isdigit()
    ]
    if resume:
        if not runs:
            raise FileNotFoundError(f"no Ray experiment to resume under {root}")
        return f"{RUN_PREFIX}{max(runs)}"
    return f"{RUN_PREFIX}{max(runs, default=0) + 1}"


def ray_arguments_problem(
    n_jobs: int, objective_fn: Any, n_objectives: int, pruner: str, options: RayOptions
) -> str | None:
    """Why these ``optimize_and_return`` arguments cannot run on Ray (None when they can)."""
    if n_jobs != 1:
        return (
            "n_jobs is for local workers; on Ray, trials run as the cluster's resources allow "
            "(RayOptions.cpus_per_trial, max_concurrent_trials)"
        )
    if objective_fn is not None:
        return "objective_fn replaces an Optuna objective; Ray trials train the DSL network"
    if options.max_failures < 0:
        return (
            f"RayOptions.max_failures (--ray-retries) must be 0 or more, not {options.max_failures}"
        )
    if n_objectives > 1:
        return "Ray runs optimize one metric (its schedulers compare one value)"
    if pruner != "none" and options.scheduler not in ("asha", "hyperband"):
        return (
            f"pruning on Ray is the scheduler's job, and {options.scheduler!r} stops no trial: "
            "use RayOptions(scheduler='asha' or 'hyperband')"
        )
    return None
