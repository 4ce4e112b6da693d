"""What PBT may change in a DSL network while it trains, and how new values stay in the space.

PBT continues a trial from another trial's checkpoint (weights and optimizer state) with
perturbed hyperparameters, so it may only change those that leave every tensor's shape alone:
optimizer arguments, the batch size, and layer arguments such as dropout rates or activations
(checked by building the model at the parameter's extremes). Layer sizes, the optimizer or loss
itself, other training keys (epochs, validation split, ...) and conditional parameters or their
parents stay as the trial started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neural_hpo.dsl.space.materialize import materialize
from neural_hpo.dsl.space.model import Param, SearchSpace
from neural_hpo.engine.config import LoadedNetwork
from neural_hpo.engine.torch_builder import build_model

from .params import space_values
from .ray_space import ray_sampler

#: training keys a trial may change between epochs
MUTABLE_TRAINING = ("training.batch_size",)
#: a discrete parameter with at most this many values moves to a neighbouring value
NEIGHBOUR_LIMIT = 1000


def mutations(loaded: LoadedNetwork) -> dict[str, Any]:
    """PBT's ``hyperparam_mutations``: for each mutable parameter, its options (PBT then
    moves to a neighbour) or its Tune domain (PBT scales the value by 0.8 or 1.2)."""
    out: dict[str, Any] = {}
    for p in mutable_params(loaded):
        grid = p.grid()
        out[p.name] = grid if grid is not None and len(grid) <= NEIGHBOUR_LIMIT else ray_sampler(p)
    return out


def mutable_params(loaded: LoadedNetwork) -> list[Param]:
    """The parameters PBT may change mid-training (see the module's docstring)."""
    space = loaded.space
    parents = {p.parent[0] for p in space if p.parent is not None}
    reference = {p.name: _extremes(p)[0] for p in space}
    shapes = _shapes(loaded, reference)
    out = []
    for p in space:
        if p.parent is not None or p.name in parents or not _may_change(p):
            continue
        if all(_shapes(loaded, {**reference, p.name: v}) == shapes for v in _extremes(p)):
            out.append(p)
    return out


def _may_change(p: Param) -> bool:
    if p.path in ("optimizer", "loss"):
        return False
    return not p.path.startswith("training.") or p.path in MUTABLE_TRAINING


def _extremes(p: Param) -> list[Any]:
    return list(p.choices) if p.kind == "categorical" else [p.low, p.high]


def _shapes(loaded: LoadedNetwork, params: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    model = build_model(materialize(loaded.network, params, loaded.space))
    return {k: tuple(v.shape) for k, v in model.module.state_dict().items()}


@dataclass
class SnapToSpace:
    """PBT's ``custom_explore_fn``: a perturbed configuration moved back into the space (PBT
    scales values past a range's ends, off a step's grid, and floats for integers)."""

    space: SearchSpace

    def __call__(self, config: dict) -> dict:
        return {**config, **space_values(self.space, config)}
