"""How a DSL study runs on Ray: plain settings, importable without Ray."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RayOptions:
    """Settings of ``optimize_and_return(..., use_ray=True, ray_options=RayOptions(...))``.

    ``address``: a running cluster (None: a local Ray on this machine, shut down after).
    ``scheduler``: asha (default), pbt, fifo or hyperband. ``search_alg``: optuna (default; the
    study's sampler drives Ray's OptunaSearch) or random (the default, and the only choice, with
    PBT). ``cpus_per_trial``/``gpus_per_trial``: resources of each trial. ``perturbation_interval``:
    PBT's, in epochs (default: a quarter of the epochs, at least 1). ``checkpoint_every``: epochs
    between checkpoints (default: the perturbation interval with PBT; else only the last epoch).
    ``storage_path``: where experiments live (default ``.neural-hpo/ray``). ``resume``: continue
    the study's latest interrupted experiment (``Tuner.restore``) instead of starting one.
    ``runtime_env``: passed to ``ray.init`` (workers of a cluster must import ``neural_hpo``).
    ``max_failures``: retries of a trial that fails, e.g. because its node died (Tune's
    ``FailureConfig``; the trial continues from its last checkpoint, else starts over).
    """

    address: str | None = None
    scheduler: str = "asha"
    search_alg: str | None = None
    cpus_per_trial: float = 1
    gpus_per_trial: float = 0
    max_concurrent_trials: int | None = None
    perturbation_interval: int | None = None
    checkpoint_every: int | None = None
    storage_path: str | None = None
    resume: bool = False
    runtime_env: Mapping[str, Any] | None = None
    max_failures: int = 2
