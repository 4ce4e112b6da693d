"""Multi-objective optimization: several metrics at once, their Pareto front, metric bounds.

``optimizer`` holds ``MultiObjectiveOptimizer``, the seed's class over the engine and the figures.
The pieces it is made of live lower down, and are this package's front door too: directions
(``dsl.objectives``), bounds (``dsl.constraints``) and the Pareto maths (``engine.pareto``).
"""

from neural_hpo.dsl.constraints import Constraint, parse_constraints
from neural_hpo.dsl.objectives import resolve_directions
from neural_hpo.engine.pareto import default_reference_point, hypervolume_history
from neural_hpo.multiobjective.optimizer import MultiObjectiveOptimizer

__all__ = [
    "Constraint",
    "MultiObjectiveOptimizer",
    "default_reference_point",
    "hypervolume_history",
    "parse_constraints",
    "resolve_directions",
]
