"""Parameter importance on a small simulated study: run ``python examples/importance_demo.py``.

The "training" is a formula, so the demo runs in seconds: accuracy peaks at a learning rate of
1e-3 (on a log scale), prefers adam, rises with momentum where sgd uses it, and ignores the
number of units. Figures are written to ``importance_demo/``.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import optuna

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neural_hpo import BayesianParameterImportance, ParameterImportanceAnalyzer
from neural_hpo.cli.importance import format_table


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    trial.suggest_int("units", 16, 256, step=16)
    accuracy = 0.9 - 0.05 * (math.log10(lr) + 3) ** 2
    accuracy += {"adam": 0.05, "sgd": 0.0, "rmsprop": 0.02}[optimizer]
    if optimizer == "sgd":
        accuracy += 0.2 * trial.suggest_float("momentum", 0.0, 1.0)
    if accuracy < 0.3:
        raise optuna.TrialPruned()  # pruned trials are left out, and counted
    trial.set_user_attr("accuracy", accuracy)
    return accuracy


def main() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(0))
    study.optimize(objective, n_trials=200)
    out = Path("importance_demo")
    out.mkdir(exist_ok=True)

    analyzer = ParameterImportanceAnalyzer(method="fanova")
    result = analyzer.analyze(study, target_metric="accuracy")
    print(format_table(result))
    print("first-order fractions of variance:", result.first_order)
    print("notes:", "; ".join(result.notes))

    gp = BayesianParameterImportance().analyze_with_gp(study, "accuracy")
    print("\nGP total-order indices:", {k: round(v, 3) for k, v in gp.total_order.items()})

    analyzer.plot_importance_with_std(study, "accuracy", n_iterations=10).savefig(
        out / "importance_with_std.png"
    )
    analyzer.plot_interaction_heatmap(study, "accuracy").savefig(out / "interactions.png")
    analyzer.plot_marginal_effects(study, "accuracy").savefig(out / "marginal_effects.png")
    print(f"\nfigures written to {out}/")


if __name__ == "__main__":
    main()
