"""``MultiObjectiveOptimizer``: the seed's class for trading metrics off against each other.

It is a thin layer over the engine: ``optimize`` runs ``optimize_and_return`` with the
objectives, their directions and the constraints, so training, storage, workers and resume are
the engine's. What it adds is the Pareto front as plain data and its plots by objective index.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from neural_hpo.dsl.constraints import Constraint
from neural_hpo.dsl.objectives import resolve_directions
from neural_hpo.engine.api import OptimizationResult, optimize_and_return
from neural_hpo.engine.objective import ObjectiveFn, objective
from neural_hpo.engine.pareto import hypervolume_history
from neural_hpo.visualization.hypervolume import plot_hypervolume_history
from neural_hpo.visualization.pareto import plot_multi_objective_pareto

Objective = int | str


class MultiObjectiveOptimizer:
    """Optimize several recorded metrics at once (``loss``, ``accuracy``, ``precision``,
    ``recall``, ``f1``, ``latency_ms``, ``params``, ``size_mb``).

    ``directions`` default to each metric's natural one; a wrong length or spelling is a
    ValueError naming the argument, and a direction against a metric's nature is warned about.
    """

    def __init__(self, objectives: Sequence[str], directions: Sequence[str] | None = None):
        self.objectives = list(objectives)
        self.directions = resolve_directions(objectives, directions)
        self._result: OptimizationResult | None = None

    def optimize(
        self,
        objective_fn: ObjectiveFn = objective,
        n_trials: int | None = None,
        sampler: str | None = "nsgaii",
        config: str | os.PathLike | None = None,
        dataset_name: Any = "digits",
        backend: str = "pytorch",
        device: str = "auto",
        constraints: Mapping[str, str] | Sequence[Constraint] | None = None,
        study_name: str | None = None,
        storage: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> OptimizationResult:
        """Run a study of ``config`` (DSL text or a ``.neural`` path) on the objectives.

        ``objective_fn``: the engine's ``objective`` (default), or a replacement with its first
        five parameters that returns the objectives' values in order and records the metrics
        constraints bound as user attributes. ``constraints``: ``{'latency_ms': '< 100'}``
        (default: the DSL's ``training.constraints``). Other keywords go to
        ``optimize_and_return`` (``n_jobs``, ``epochs``, ``limit``, ``enable_pruning``, ...).
        Returns the engine's result: best parameters, ``.best_trials``, ``.pareto_front``.
        """
        if config is None:
            raise ValueError("config: give the network, as DSL text or a .neural file path")
        self._result = optimize_and_return(
            config,
            n_trials,
            dataset_name,
            backend,
            device,
            sampler,
            objectives=self.objectives,
            study_name=study_name,
            storage=storage,
            seed=seed,
            objective_fn=None if objective_fn is objective else objective_fn,
            directions=self.directions,
            constraints=constraints,
            **kwargs,
        )
        return self._result

    @property
    def result(self) -> OptimizationResult:
        """The last ``optimize`` call's result."""
        if self._result is None:
            raise RuntimeError("no study yet: call optimize(...) first")
        return self._result

    @property
    def study(self) -> Any:
        """The Optuna study of the last ``optimize`` call."""
        return self.result.study

    def get_pareto_front(self) -> list[dict[str, Any]]:
        """The non-dominated feasible trials: each one's ``number``, ``params``, ``values``
        (objective name -> value) and every recorded ``metrics``."""
        return self.result.pareto_front

    def plot_pareto_front(
        self,
        obj_x: Objective = 0,
        obj_y: Objective = 1,
        obj_z: Objective | None = None,
        highlight_pareto: bool = True,
    ) -> Figure:
        """Trials in objective space, front highlighted: 2D, or 3D with ``obj_z``. Objectives
        are indices into ``objectives`` or metric names."""
        names = [self._name(o, a) for o, a in ((obj_x, "obj_x"), (obj_y, "obj_y"))]
        z = None if obj_z is None else self._name(obj_z, "obj_z")
        return plot_multi_objective_pareto(self.study, *names, z, highlight_pareto)

    def plot_pareto_front_3d(
        self, obj_x: Objective = 0, obj_y: Objective = 1, obj_z: Objective = 2
    ) -> Figure:
        """The 3D view of three objectives."""
        return self.plot_pareto_front(obj_x, obj_y, obj_z)

    def hypervolume_history(self, reference_point: Sequence[float] | None = None) -> list[float]:
        """Hypervolume of the front after each feasible trial (``hypervolume_history``)."""
        return hypervolume_history(self.study, reference_point, self.objectives)

    def plot_hypervolume_history(self, reference_point: Sequence[float] | None = None) -> Figure:
        """The hypervolume history as a figure."""
        return plot_hypervolume_history(self.study, reference_point, self.objectives)

    def _name(self, obj: Objective, arg: str) -> str:
        if isinstance(obj, str):
            return obj
        if isinstance(obj, int) and not isinstance(obj, bool) and 0 <= obj < len(self.objectives):
            return self.objectives[obj]
        raise ValueError(
            f"{arg}: {obj!r} is neither a metric name nor an index below {len(self.objectives)} "
            f"into the objectives {self.objectives}"
        )
