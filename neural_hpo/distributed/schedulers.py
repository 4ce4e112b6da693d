"""Ray Tune's schedulers and search algorithms by name.

Schedulers count time in reports (``training_iteration``: one per epoch for DSL networks), so
ASHA and HyperBand stop trials at epoch boundaries and PBT perturbs there. PBT searches by
itself (it explores from a random population), so Ray refuses a search algorithm with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

SCHEDULERS = ("asha", "pbt", "fifo", "hyperband")
SEARCH_ALGS = ("optuna", "random")
TIME_ATTR = "training_iteration"


def check_names(scheduler: str, search_alg: str | None) -> str:
    """The search algorithm to use: ``search_alg``, or by default optuna (random with PBT).
    Unknown names, and PBT with Optuna, are errors."""
    if scheduler not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {scheduler!r}: use one of {', '.join(SCHEDULERS)}")
    if search_alg is None:
        return "random" if scheduler == "pbt" else "optuna"
    if search_alg not in SEARCH_ALGS:
        raise ValueError(f"unknown search_alg {search_alg!r}: use one of {', '.join(SEARCH_ALGS)}")
    if scheduler == "pbt" and search_alg != "random":
        raise ValueError(
            "PBT explores by itself from a random population and Ray accepts no search "
            "algorithm with it: use search_alg='random' (or leave it unset)"
        )
    return search_alg


def make_scheduler(
    name: str,
    *,
    max_t: int,
    mutations: Mapping[str, Any] | None = None,
    perturbation_interval: int = 1,
    explore: Callable[[dict], dict] | None = None,
) -> Any:
    """The Tune scheduler ``name``; ``max_t`` is the most reports a trial makes.

    ASHA and HyperBand keep Ray's reduction factors, with a grace period of one report. PBT
    mutates ``mutations`` every ``perturbation_interval`` reports, ``explore`` post-processing
    each new configuration.
    """
    from ray.tune import schedulers

    if name == "asha":
        return schedulers.ASHAScheduler(time_attr=TIME_ATTR, max_t=max_t, grace_period=1)
    if name == "hyperband":
        return schedulers.HyperBandScheduler(time_attr=TIME_ATTR, max_t=max_t)
    if name == "pbt":
        if not mutations:
            raise ValueError("PBT needs at least one hyperparameter it may change mid-training")
        return schedulers.PopulationBasedTraining(
            time_attr=TIME_ATTR,
            perturbation_interval=perturbation_interval,
            hyperparam_mutations=dict(mutations),
            custom_explore_fn=explore,
        )
    return schedulers.FIFOScheduler()


def make_search_alg(
    name: str,
    *,
    metric: str,
    mode: str,
    sampler: Any = None,
    space: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> Any:
    """Ray's OptunaSearch with ``sampler`` (an Optuna sampler; TPE when None) over ``space``
    (Optuna distributions; None: converted from the Tuner's param_space), or random search."""
    if name == "optuna":
        from ray.tune.search.optuna import OptunaSearch

        return OptunaSearch(
            space=dict(space) if space else None, metric=metric, mode=mode, sampler=sampler
        )
    from ray.tune.search import BasicVariantGenerator

    return BasicVariantGenerator(random_state=seed)
