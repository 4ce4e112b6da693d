"""Multi-objective optimization: several metrics at once, their Pareto front, metric bounds.

Names load lazily: the engine imports ``constraints`` from here, and ``optimizer`` imports the
engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "MultiObjectiveOptimizer": "neural_hpo.multiobjective.optimizer",
    "Constraint": "neural_hpo.multiobjective.constraints",
    "parse_constraints": "neural_hpo.multiobjective.constraints",
    "resolve_directions": "neural_hpo.multiobjective.objectives",
    "hypervolume_history": "neural_hpo.multiobjective.hypervolume",
    "default_reference_point": "neural_hpo.multiobjective.hypervolume",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'neural_hpo.multiobjective' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
