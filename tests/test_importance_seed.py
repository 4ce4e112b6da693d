"""The README's importance snippets, run as written (``neural_hpo`` for ``neural.hpo``)."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from neural_hpo.trials import history

optuna.logging.set_verbosity(optuna.logging.WARNING)

ADVANCED = """
from neural_hpo import ParameterImportanceAnalyzer, BayesianParameterImportance
from neural_hpo import plot_param_importance

# Standard importance analysis with Random Forest
analyzer = ParameterImportanceAnalyzer(method='random_forest')
importance = analyzer.analyze(trials, target_metric='accuracy')

# Plot with uncertainty (using bootstrap)
fig = analyzer.plot_importance_with_std(
    trials=trials,
    target_metric='accuracy',
    n_iterations=20  # Bootstrap iterations
)
fig.savefig('importance_with_uncertainty.png')

# Bayesian approach with Gaussian Process
bayesian_analyzer = BayesianParameterImportance()
gp_importance = bayesian_analyzer.analyze_with_gp(trials, 'accuracy')
fig = bayesian_analyzer.plot_importance_with_uncertainty(trials, 'accuracy')
fig.savefig('gp_importance.png')

# Check parameter interactions
fig = analyzer.plot_interaction_heatmap(trials, 'accuracy')
fig.savefig('interactions.png')

# Marginal effects (how each parameter affects the objective)
fig = analyzer.plot_marginal_effects(trials, 'accuracy')
fig.savefig('marginal_effects.png')

# fANOVA (functional ANOVA) - most reliable but needs more data
fanova_importance = analyzer.analyze_with_fanova(trials, 'accuracy')
print("fANOVA importances:", fanova_importance)
"""

# steps 3 and 4 of the README's "Complete Example" (the rest belongs to other modules)
COMPLETE = """
from neural_hpo import ParameterImportanceAnalyzer, BayesianParameterImportance

# 3. Analyze parameter importance
analyzer = ParameterImportanceAnalyzer(method='random_forest')
importance = analyzer.analyze(trials, target_metric='accuracy')
print("Parameter importances:", importance)

# 4. Create visualizations
fig1 = analyzer.plot_importance_with_std(trials, 'accuracy', n_iterations=20)
fig1.savefig('importance.png')

fig2 = analyzer.plot_interaction_heatmap(trials, 'accuracy')
fig2.savefig('interactions.png')

fig3 = analyzer.plot_marginal_effects(trials, 'accuracy')
fig3.savefig('marginal_effects.png')
"""


def small_history() -> list[dict]:
    """The trial history of a small real study whose trials record ``accuracy``."""
    rng = np.random.default_rng(3)
    lr = FloatDistribution(1e-4, 1e-2, log=True)
    units = CategoricalDistribution([64, 128, 256])
    study = optuna.create_study(direction="maximize")
    trials = []
    for _ in range(30):
        p = {"learning_rate": float(np.exp(rng.uniform(math.log(1e-4), math.log(1e-2))))}
        p["units"] = int(rng.choice([64, 128, 256]))
        acc = 0.95 - 0.1 * (math.log10(p["learning_rate"]) + 3) ** 2 + 1e-4 * p["units"]
        trials.append(
            create_trial(
                params=p,
                distributions={"learning_rate": lr, "units": units},
                value=acc,
                user_attrs={"accuracy": acc},
            )
        )
    trials.append(create_trial(state=TrialState.PRUNED, params={}, distributions={}))
    study.add_trials(trials)
    return history(study)


@pytest.mark.parametrize(
    ("snippet", "pngs"),
    [
        (
            ADVANCED,
            ["importance_with_uncertainty", "gp_importance", "interactions", "marginal_effects"],
        ),
        (COMPLETE, ["importance", "interactions", "marginal_effects"]),
    ],
    ids=["advanced", "complete"],
)
def test_readme_snippet_runs(snippet: str, pngs: list[str], tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scope = {"trials": small_history()}
    exec(snippet, scope)
    for name in pngs:
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    assert set(scope["importance"]) == {"learning_rate", "units"}
    out = capsys.readouterr().out
    assert "30 trials, low confidence" in out  # 30 trials are too few, and it says so


def test_plot_param_importance_returns_a_figure() -> None:
    from neural_hpo import plot_param_importance

    fig = plot_param_importance(small_history(), "accuracy", method="random_forest")
    assert fig.axes and "random_forest, 30 trials" in fig.axes[0].get_title()


def test_package_import_stays_light() -> None:
    import subprocess
    import sys

    heavy = "{'sklearn', 'matplotlib', 'optuna'}"
    code = f"import sys, neural_hpo; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
