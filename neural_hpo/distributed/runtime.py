"""Ray itself: imported lazily with a clear error, connected for a run, and asked for resources.

A run joins the cluster at ``address``, or starts a local Ray on this machine (``address="local"``
so that a Ray another program started here is never joined by accident) and shuts it down after.
A Ray that the caller already initialized is used as it is, and left running.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any

RAY_EXTRA = 'pip install "neural-hpo[ray]"'
#: where a local Ray listens: this machine only
LOOPBACK = "127.0.0.1"


def require_ray() -> ModuleType:
    """``ray``, with Tune importable; ImportError naming the extra to install otherwise."""
    try:
        import ray
        import ray.tune  # Tune has dependencies of its own
    except ImportError as exc:
        raise ImportError(
            f"distributed HPO needs Ray Tune, which is not installed: {RAY_EXTRA}"
        ) from exc
    return ray


@contextmanager
def connected(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    runtime_env: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """Ray for the duration of the block: the cluster at ``address``, else a local one with
    ``num_cpus`` CPUs (all when None) and no dashboard, shut down when the block ends."""
    ray = require_ray()
    if ray.is_initialized():
        yield
        return
    env = dict(runtime_env) if runtime_env else None
    if address is None:
        with _loopback_only():
            ray.init(
                address="local",
                num_cpus=num_cpus,
                include_dashboard=False,
                runtime_env=env,
                log_to_driver=False,
                _node_ip_address=LOOPBACK,
            )
    else:
        ray.init(address=address, runtime_env=env, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


@contextmanager
def _loopback_only() -> Iterator[None]:
    """Ray's own switch for a cluster of one machine, on while a local Ray starts: on Linux Ray
    otherwise binds gcs_server, raylet and workers to every interface and the runtime-env agent
    to this machine's network address. The processes started now inherit the environment
    variable; this process reads Ray's constant (set when ``ray`` was imported, so set here)."""
    from ray._private import ray_constants

    name = ray_constants.ENABLE_RAY_CLUSTERS_ENV_VAR
    before_env, before = os.environ.get(name), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[name], ray_constants.ENABLE_RAY_CLUSTER = "0", False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = before
        if before_env is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before_env


def trial_resources(n_cpus: float, n_gpus: float) -> dict[str, float]:
    """``{"cpu": ..., "gpu": ...}`` for each trial, checked against the connected cluster.

    Asking for GPUs on a cluster without any warns and runs trials on CPUs (the seed's example
    asks for one GPU and must run on a laptop); asking for more than the cluster has of either
    is an error, since such a trial would wait forever.
    """
    ray = require_ray()
    total = ray.cluster_resources()
    cpus, gpus = float(total.get("CPU", 0)), float(total.get("GPU", 0))
    if n_cpus <= 0 or n_gpus < 0:
        raise ValueError(f"n_cpus must be positive and n_gpus not negative ({n_cpus}, {n_gpus})")
    if n_cpus > cpus:
        raise ValueError(
            f"each trial asks for {n_cpus} CPUs but the Ray cluster has {cpus:g}: "
            "lower n_cpus or add nodes"
        )
    if n_gpus and not gpus:
        warnings.warn(
            f"n_gpus={n_gpus} per trial, but the Ray cluster has no GPU: trials run on CPUs",
            RuntimeWarning,
            stacklevel=3,
        )
        n_gpus = 0
    if n_gpus > gpus:
        raise ValueError(
            f"each trial asks for {n_gpus} GPUs but the Ray cluster has {gpus:g}: lower n_gpus"
        )
    return {"cpu": n_cpus, "gpu": n_gpus}
