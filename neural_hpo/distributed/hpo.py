"""``DistributedHPO``: the seed's interface to Ray Tune for any trainable function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from neural_hpo.storage import STORAGE_DIR

from .experiment import Experiment, summarize
from .runtime import connected, require_ray, trial_resources
from .schedulers import check_names, make_scheduler, make_search_alg

#: where experiments go unless told: beside the studies, under .neural-hpo/
RAY_DIR = "ray"


def default_storage_path() -> str:
    """``<cwd>/.neural-hpo/ray``: experiments of this project, next to its studies."""
    return str(Path.cwd().resolve() / STORAGE_DIR / RAY_DIR)


class DistributedHPO:
    """Hyperparameter search on Ray Tune: a local Ray on this machine, or the cluster at
    ``address`` (``"host:port"``, ``"ray://host:10001"`` or ``"auto"``).

    ``runtime_env`` goes to ``ray.init`` (on a cluster, e.g. ``{"env_vars": {"PYTHONPATH":
    ...}}`` or ``{"pip": [...]}`` so that workers can import your code).
    """

    def __init__(
        self,
        use_ray: bool = True,
        address: str | None = None,
        *,
        runtime_env: Mapping[str, Any] | None = None,
        storage_path: str | None = None,
    ):
        if not use_ray:
            raise ValueError(
                "DistributedHPO runs on Ray; without it use optimize_and_return(..., n_jobs=N) "
                "for parallel trials on this machine"
            )
        require_ray()
        self.address = address
        self.runtime_env = runtime_env
        self.storage_path = storage_path or default_storage_path()

    @property
    def tune(self) -> ModuleType:
        """``ray.tune``: its search-space functions (choice, uniform, loguniform, ...), report,
        get_checkpoint, Checkpoint."""
        from ray import tune

        return tune

    def optimize_with_ray(
        self,
        trainable_fn: Callable[[dict], Any],
        config_space: Mapping[str, Any],
        n_trials: int = 10,
        n_cpus: float = 1,
        n_gpus: float = 0,
        scheduler: str = "asha",
        search_alg: str | None = "optuna",
        metric: str = "accuracy",
        mode: str = "max",
        *,
        max_t: int = 100,
        perturbation_interval: int = 1,
        sampler: Any = None,
        name: str | None = None,
        resume: bool = False,
        time_budget_s: float | None = None,
    ) -> dict[str, Any]:
        """Run ``n_trials`` trials of ``trainable_fn(config)`` (it reports with
        ``tune.report``) over ``config_space`` (Tune domains), each with ``n_cpus`` CPUs and
        ``n_gpus`` GPUs (none on a cluster without GPUs, with a warning).

        ``scheduler``: asha, pbt, fifo or hyperband (``max_t``: most reports per trial; PBT
        mutates the space's domains every ``perturbation_interval`` reports, and needs
        ``search_alg='random'`` or None). ``search_alg``: optuna (``sampler``: an Optuna
        sampler, TPE by default) or random. ``resume=True`` continues the experiment ``name``
        after an interruption. Returns ``best_config``, ``best_result``, ``best_checkpoint``,
        ``results`` (Tune's ResultGrid), ``experiment_path``, ``num_trials``, ``num_errors``.
        """
        if mode not in ("min", "max"):
            raise ValueError(f"mode is 'min' or 'max', not {mode!r}")
        if resume and name is None:
            raise ValueError("resume=True continues an experiment: pass its name=")
        algorithm = check_names(scheduler, search_alg)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = name or f"{getattr(trainable_fn, '__name__', 'trainable')}-{stamp}"
        with connected(self.address, runtime_env=self.runtime_env):
            experiment = Experiment(
                trainable=trainable_fn,
                param_space=config_space,
                metric=metric,
                mode=mode,
                num_samples=n_trials,
                scheduler=make_scheduler(
                    scheduler,
                    max_t=max_t,
                    mutations=domain_mutations(config_space) if scheduler == "pbt" else None,
                    perturbation_interval=perturbation_interval,
                ),
                search_alg=make_search_alg(algorithm, metric=metric, mode=mode, sampler=sampler),
                resources=trial_resources(n_cpus, n_gpus),
                storage_path=self.storage_path,
                name=name,
                time_budget_s=time_budget_s,
            )
            return summarize(experiment.run(resume=resume), metric, mode)


def domain_mutations(config_space: Mapping[str, Any]) -> dict[str, Any]:
    """PBT mutations for a Tune space: each domain, categorical ones as their list (PBT then
    moves to a neighbouring option, which suits ordered choices such as batch sizes)."""
    from ray.tune.search.sample import Categorical, Domain

    return {
        k: list(v.categories) if isinstance(v, Categorical) else v
        for k, v in config_space.items()
        if isinstance(v, Domain)
    }
