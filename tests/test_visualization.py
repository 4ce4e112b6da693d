"""Every plot on real studies: titles, labels, axes, scales, directions, and bad input."""

from __future__ import annotations

import matplotlib
import numpy as np
import optuna
import pytest
from _viz_studies import large, multi_objective, single_objective
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from optuna.trial import TrialState

import neural_hpo
from neural_hpo import importance as importance_package
from neural_hpo.engine.pareto import non_dominated
from neural_hpo.importance import importance
from neural_hpo.trials import history
from neural_hpo.visualization import (
    plot_contour,
    plot_convergence_comparison,
    plot_correlation_heatmap,
    plot_interaction_heatmap,
    plot_intermediate_values,
    plot_marginal_effects,
    plot_multi_objective_pareto,
    plot_optimization_history,
    plot_parallel_coordinates,
    plot_param_importance,
    plot_slice,
)

matplotlib.use("Agg")
PARAMS = ["learning_rate", "batch_size", "dropout", "layers", "activation"]


@pytest.fixture(scope="module")
def study():
    return single_objective()


@pytest.fixture(scope="module")
def moo():
    return multi_objective()


def _panels(fig: Figure) -> list:
    """Axes that draw data (colorbars excluded)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def _text(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_history_has_best_so_far_line_in_the_metric_direction(study):
    fig = plot_optimization_history(study, "accuracy")
    (ax,) = _panels(fig)
    assert ax.get_title() == "Optimization history of accuracy"
    assert ax.get_xlabel() == "trial"
    assert ax.get_ylabel() == "accuracy (higher is better)"
    (best,) = [ln for ln in ax.get_lines() if ln.get_label() == "best so far"]
    assert np.all(np.diff(best.get_ydata()) >= 0)
    loss = _panels(plot_optimization_history(study, "loss"))[0]
    (best,) = [ln for ln in loss.get_lines() if ln.get_label() == "best so far"]
    assert np.all(np.diff(best.get_ydata()) <= 0)
    assert loss.get_ylabel() == "loss (lower is better)"


@pytest.mark.parametrize("source", ["study", "frozen", "history"])
def test_every_input_form_gives_the_same_plot(study, source):
    trials = {"study": study, "frozen": study.trials, "history": history(study)}[source]
    ax = _panels(plot_optimization_history(trials, "accuracy"))[0]
    assert len(ax.collections[0].get_offsets()) == len(
        study.get_trials(states=[TrialState.COMPLETE])
    )


def test_parallel_coordinates_one_axis_per_param_and_metric(study):
    fig = plot_parallel_coordinates(study, "accuracy", top_n=10)
    (ax,) = _panels(fig)
    assert [t.get_text() for t in ax.get_xticklabels()] == [*PARAMS, "accuracy"]
    assert ax.get_xlabel().startswith("top 10 of ")
    assert "relu" in _text(fig) and "tanh" in _text(fig)  # categorical axis labelled by choice


def test_correlation_heatmap_skips_unordered_categoricals(study):
    fig = plot_correlation_heatmap(study, "accuracy")
    ax = _panels(fig)[0]
    assert ax.get_title() == "Correlation with accuracy (Spearman)"
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == ["learning_rate", "batch_size", "dropout", "layers", "accuracy"]
    assert "activation" in ax.get_xlabel()


def test_contour_uses_log_and_categorical_axes(study):
    fig = plot_contour(study, "learning_rate", "batch_size", metric="accuracy")
    ax = _panels(fig)[0]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["16", "32", "64"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("learning_rate", "batch_size")
    assert ax.get_title() == "accuracy over learning_rate and batch_size"


def test_slice_has_a_panel_per_parameter(study):
    fig = plot_slice(study, "accuracy")
    panels = _panels(fig)
    assert [ax.get_xlabel() for ax in panels] == PARAMS
    assert panels[0].get_xscale() == "log"
    assert [t.get_text() for t in panels[4].get_xticklabels()] == ["relu", "tanh"]
    assert fig.get_suptitle() == "Slice plot of accuracy"


def test_importance_figures_are_the_importance_packages():
    for name in ("plot_param_importance", "plot_marginal_effects", "plot_interaction_heatmap"):
        ours = getattr(importance_package, name)
        assert getattr(neural_hpo.visualization, name) is ours
        assert getattr(neural_hpo, name) is ours


def test_marginal_effects_panel_per_parameter(study):
    fig = plot_marginal_effects(study, "accuracy", params=["learning_rate", "activation"])
    panels = _panels(fig)
    assert [ax.get_xlabel() for ax in panels] == ["learning_rate", "activation"]
    assert panels[0].get_xscale() == "log"
    assert [t.get_text() for t in panels[1].get_xticklabels()] == ["relu", "tanh"]
    assert panels[0].collections, "the ± std band over trees"
    assert any(isinstance(c, ErrorbarContainer) for c in panels[1].containers)
    assert all(ax.get_ylabel() == "predicted accuracy" for ax in panels)


def test_param_importance_bars_with_error_bars(study):
    fig = plot_param_importance(study, "accuracy")
    (ax,) = _panels(fig)
    result = importance(study, "accuracy")
    assert ax.get_title().startswith("Importance for accuracy\nfanova, 26 trials, low confidence")
    assert [t.get_text() for t in ax.get_yticklabels()] == list(result)
    assert [p.get_width() for p in ax.patches] == pytest.approx(list(result.values()))
    assert any(isinstance(c, ErrorbarContainer) for c in ax.containers)


def test_interaction_heatmap_is_a_symmetric_matrix(study):
    fig = plot_interaction_heatmap(study, "accuracy")
    ax = _panels(fig)[0]
    result = importance(study, "accuracy", "fanova")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(result)
    assert sorted(result) == sorted(PARAMS)
    fractions = ax.images[0].get_array()
    assert np.allclose(fractions, fractions.T, equal_nan=True)
    assert np.nanmin(fractions) >= 0
    assert list(np.diag(fractions)) == pytest.approx([result.first_order[p] for p in result])


def test_intermediate_values_marks_pruned_trials(study):
    fig = plot_intermediate_values(study, "accuracy")
    ax = _panels(fig)[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "intermediate value")
    assert "pruned" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_convergence_comparison_one_line_per_search(study):
    random = single_objective(20, sampler="random", name="random")
    fig = plot_convergence_comparison({"TPE": study, "Random": random}, metric="accuracy")
    (ax,) = _panels(fig)
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels[0].startswith("TPE") and labels[1].startswith("Random")
    assert ax.get_ylabel() == "best accuracy (higher is better)"


def test_pareto_2d_and_3d(moo):
    fig = plot_multi_objective_pareto(moo, obj_x="loss", obj_y="accuracy", highlight_pareto=True)
    (ax,) = _panels(fig)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("loss (min)", "accuracy (max)")
    assert any("Pareto front" in t.get_text() for t in ax.get_legend().get_texts())
    fig3 = plot_multi_objective_pareto(moo, "loss", "accuracy", obj_z="latency_ms")
    (ax3,) = _panels(fig3)
    assert ax3.name == "3d" and ax3.get_zlabel() == "latency_ms (min)"


def test_non_dominated_matches_brute_force():
    cost = np.random.default_rng(3).integers(0, 6, size=(200, 3)).astype(float)
    brute = [not any((c <= row).all() and (c < row).any() for c in cost) for row in cost]
    assert non_dominated(cost).tolist() == brute


def test_large_study_rasterizes_dense_layers():
    fig = plot_optimization_history(large(3000), "accuracy")
    scatter = _panels(fig)[0].collections[0]
    assert scatter.get_rasterized()
    assert len(scatter.get_offsets()) <= 2000  # downsampled, best kept


def test_empty_study_gives_an_explaining_figure():
    empty = optuna.create_study(direction="maximize")
    fig = plot_optimization_history(empty, "accuracy")
    assert "no complete trial" in _text(fig)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda s: plot_optimization_history(s, "f1_macro"), "metric"),
        (lambda s: plot_contour(s, "learning_rate", "nope", "accuracy"), "y_param"),
        (lambda s: plot_contour(s, "nope", "dropout", "accuracy"), "x_param"),
        (lambda s: plot_slice(s, "accuracy", params=["nope"]), "params"),
        (lambda s: plot_marginal_effects(s, "accuracy", params=["nope"]), "params"),
        (lambda s: plot_multi_objective_pareto(s, "loss", "nope"), "obj_y"),
        (lambda s: plot_parallel_coordinates(s, "accuracy", top_n=0), "top_n"),
    ],
)
def test_bad_input_names_the_argument(study, call, argument):
    with pytest.raises((KeyError, ValueError)) as err:
        call(study)
    assert str(err.value).strip("'\"").startswith(f"{argument}:")
