"""Parameter importance: which hyperparameters move the metric, and how sure we are.

Methods (``method=``): 'fanova' (functional ANOVA over a random forest, first-order and pairwise
variance fractions), 'gp' (closed-form Sobol indices of a Gaussian process), 'random_forest'
and 'gradient_boosting' (impurity importance), 'permutation' (held-out error rise). Every
result is an ``ImportanceResult``: a ``{param: importance}`` mapping that also says how many
trials it used, which were left out, its spread and whether to trust it.

The figures of ``plots`` (importance bars, interaction heatmap, marginal effects) are the only
ones; ``neural_hpo.visualization`` re-exports them.
"""

from neural_hpo.importance.analyzer import BayesianParameterImportance, ParameterImportanceAnalyzer
from neural_hpo.importance.cache import cached_importance, cached_or_compute, compute_and_cache
from neural_hpo.importance.core import DEFAULT_METHOD, METHODS, importance
from neural_hpo.importance.plots import (
    plot_interaction_heatmap,
    plot_marginal_effects,
    plot_param_importance,
)
from neural_hpo.importance.result import ImportanceResult

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "BayesianParameterImportance",
    "ImportanceResult",
    "ParameterImportanceAnalyzer",
    "cached_importance",
    "cached_or_compute",
    "compute_and_cache",
    "importance",
    "plot_interaction_heatmap",
    "plot_marginal_effects",
    "plot_param_importance",
]
