"""The search space as Ray Tune sees it: a sampler per parameter (the model itself,
``neural_hpo.dsl.space``, imports no Ray)."""

from __future__ import annotations

from typing import Any

from neural_hpo.dsl.space.model import Param, SearchSpace

from .runtime import require_ray

#: a stepped range with at most this many values is sampled as a choice of its grid
GRID_CHOICE_LIMIT = 10_000


def ray_sampler(p: Param) -> Any:
    """The Ray Tune sampler for one parameter."""
    tune = require_ray().tune
    grid = p.grid()
    if p.kind == "categorical" or (grid is not None and p.step and len(grid) <= GRID_CHOICE_LIMIT):
        return tune.choice(grid)
    if p.kind == "int":
        return (
            tune.lograndint(int(p.low), int(p.high) + 1)
            if p.log
            else tune.randint(int(p.low), int(p.high) + 1)
        )
    if p.step:
        return tune.quniform(p.low, p.high, p.step)
    return tune.loguniform(p.low, p.high) if p.log else tune.uniform(p.low, p.high)


def ray_space(space: SearchSpace) -> dict[str, Any]:
    """``{name: ray.tune sampler}``: conditional parameters are sampled always and ignored by
    ``materialize`` when inactive (Ray's spaces have no conditions of this kind)."""
    return {p.name: ray_sampler(p) for p in space}
