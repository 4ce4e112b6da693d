"""Hyperparameter optimization for the Neural DSL.

Public names load lazily so that importing ``neural_hpo`` (as the language server does) pulls in
neither torch, optuna, ray, scikit-learn nor matplotlib until one of them is needed. This front
door also wires the layers: the engine runs trials through executors picked by name, and Ray's,
which lives above the engine, is registered here (loaded only when a run picks it).
"""

from __future__ import annotations

import importlib
from typing import Any

from neural_hpo.engine import executors as _executors

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "parse": "neural_hpo.dsl.parser",
    "check": "neural_hpo.dsl.analysis",
    "analyze": "neural_hpo.dsl.analysis",
    "build_search_space": "neural_hpo.dsl.space.build",
    "materialize": "neural_hpo.dsl.space.materialize",
    "format_source": "neural_hpo.dsl.formatter",
    "load_trials": "neural_hpo.trials",
    "create_optimization_report": "neural_hpo.visualization.report",
    "optimize_and_return": "neural_hpo.engine.api",
    "OptimizationResult": "neural_hpo.engine.api",
    "objective": "neural_hpo.engine.objective",
    "suggest": "neural_hpo.engine.objective",
    "DSLError": "neural_hpo.engine.config",
    "MultiObjectiveOptimizer": "neural_hpo.multiobjective.optimizer",
    "DistributedHPO": "neural_hpo.distributed.hpo",
    "RayOptions": "neural_hpo.distributed.options",
    "ParameterImportanceAnalyzer": "neural_hpo.importance",
    "BayesianParameterImportance": "neural_hpo.importance",
    "ImportanceResult": "neural_hpo.importance",
    "plot_param_importance": "neural_hpo.importance",
    "plot_marginal_effects": "neural_hpo.importance",
    "plot_interaction_heatmap": "neural_hpo.importance",
    "cached_importance": "neural_hpo.importance",
    "compute_and_cache": "neural_hpo.importance",
}

__all__ = sorted(_EXPORTS)

#: executors of the layers above the engine, by name (``optimize_and_return(use_ray=True)``)
_executors.register_executor("ray", "neural_hpo.distributed.executor:RayExecutor")


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'neural_hpo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
