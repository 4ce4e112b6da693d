"""A Ray configuration as the search space's values.

Ray samples every parameter, conditional ones included (its spaces have no conditions of the
DSL's kind), in its own types (numpy integers, floats off a step's grid after PBT). The DSL
takes the space's values; the Optuna study records the active ones only, as local runs do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neural_hpo.dsl.space.model import SearchSpace


def space_values(
    space: SearchSpace, config: Mapping[str, Any], *, active_only: bool = False
) -> dict[str, Any]:
    """``{name: value}`` for the space's parameters in ``config`` (only those its values make
    active with ``active_only``), each the nearest value the parameter can take."""
    values = {p.name: p.nearest(config[p.name]) for p in space}
    if not active_only:
        return values
    return {p.name: values[p.name] for p in space.active(values)}
