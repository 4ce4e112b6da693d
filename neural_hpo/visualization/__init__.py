"""Plots of a study and the HTML report that bundles them.

Every ``plot_*`` takes what ``neural_hpo.trials.load_trials`` accepts (a study, FrozenTrials or
a trial history) and returns a matplotlib figure; none of them touches pyplot's global state.
The importance figures (importance bars, marginal effects, interaction heatmap) are those of
``neural_hpo.importance.plots``, re-exported here so that they show the importance numbers.
"""

from neural_hpo.importance.plots import (
    plot_interaction_heatmap,
    plot_marginal_effects,
    plot_param_importance,
)
from neural_hpo.visualization.contour import plot_contour
from neural_hpo.visualization.correlation import plot_correlation_heatmap
from neural_hpo.visualization.history import plot_convergence_comparison, plot_optimization_history
from neural_hpo.visualization.hypervolume import plot_hypervolume_history
from neural_hpo.visualization.intermediate import plot_intermediate_values
from neural_hpo.visualization.parallel import plot_parallel_coordinates
from neural_hpo.visualization.pareto import plot_multi_objective_pareto
from neural_hpo.visualization.report import create_optimization_report
from neural_hpo.visualization.slices import plot_slice

__all__ = [
    "create_optimization_report",
    "plot_contour",
    "plot_convergence_comparison",
    "plot_correlation_heatmap",
    "plot_hypervolume_history",
    "plot_interaction_heatmap",
    "plot_intermediate_values",
    "plot_marginal_effects",
    "plot_multi_objective_pareto",
    "plot_optimization_history",
    "plot_parallel_coordinates",
    "plot_param_importance",
    "plot_slice",
]
