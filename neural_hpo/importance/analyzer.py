"""The user-facing analysers of the README: one object per approach, figures on demand."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from neural_hpo.importance.bootstrap import bootstrap
from neural_hpo.importance.core import DEFAULT_METHOD, check_method, importance
from neural_hpo.importance.encoding import encode
from neural_hpo.importance.plots import (
    bar_chart,
    plot_interaction_heatmap,
    plot_marginal_effects,
    subtitle,
)
from neural_hpo.importance.result import ImportanceResult
from neural_hpo.trials import load_trials


class ParameterImportanceAnalyzer:
    """Importance by ``method``: 'fanova', 'random_forest', 'gradient_boosting', 'permutation'
    or 'gp'. ``seed`` makes every number repeatable."""

    def __init__(self, method: str = DEFAULT_METHOD, seed: int = 0) -> None:
        self.method = check_method(method)
        self.seed = seed

    def analyze(self, trials: Any, target_metric: str) -> ImportanceResult:
        """``{param: importance}`` summing to 1, with std, confidence and trial counts."""
        return importance(trials, target_metric, self.method, self.seed)

    def analyze_with_fanova(self, trials: Any, target_metric: str) -> ImportanceResult:
        """fANOVA whatever the analyser's method: first-order and pairwise variance terms."""
        return importance(trials, target_metric, "fanova", self.seed)

    def plot_importance_with_std(
        self, trials: Any, target_metric: str, n_iterations: int = 20
    ) -> Figure:
        """Bootstrap mean ± std of the importances over ``n_iterations`` resamples of trials."""
        data = encode(load_trials(trials), target_metric)
        mean, std = bootstrap(data, self.method, n_iterations, self.seed)
        result = self.analyze(trials, target_metric)
        ordered = {k: mean[k] for k in sorted(mean, key=lambda k: -mean[k])}
        title = (
            f"Importance for {target_metric}: mean ± std over {n_iterations} bootstrap "
            f"resamples\n{subtitle(result)}"
        )
        return bar_chart({self.method: (ordered, std)}, title)

    def plot_interaction_heatmap(self, trials: Any, target_metric: str) -> Figure:
        """Pairwise interaction strength from fANOVA, main effects on the diagonal."""
        return plot_interaction_heatmap(trials, target_metric, self.seed)

    def plot_marginal_effects(self, trials: Any, target_metric: str) -> Figure:
        """How the metric moves with each parameter, averaged over the others, with a band."""
        return plot_marginal_effects(trials, target_metric, seed=self.seed)


class BayesianParameterImportance:
    """Sobol indices of a Gaussian-process surrogate, with bootstrap uncertainty."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def analyze_with_gp(self, trials: Any, target_metric: str) -> ImportanceResult:
        """Normalized first-order importances; raw first- and total-order indices with std."""
        return importance(trials, target_metric, "gp", self.seed)

    def plot_importance_with_uncertainty(self, trials: Any, target_metric: str) -> Figure:
        """First- and total-order indices side by side, each ± its bootstrap std."""
        result = self.analyze_with_gp(trials, target_metric)
        series = {
            "first order": (result.first_order or {}, result.first_order_std),
            "total order": (result.total_order or {}, result.total_order_std),
        }
        title = f"GP Sobol indices for {target_metric}\n{subtitle(result)}"
        return bar_chart(series, title, xlabel="fraction of variance")
