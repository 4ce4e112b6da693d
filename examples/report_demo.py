"""The README's visualization suite on a cheap synthetic objective, then the HTML report.

Run from the repository root: ``python examples/report_demo.py [OUTPUT_DIR]``.
It writes the PNGs and ``hpo_report.html`` into OUTPUT_DIR (default: ``report_demo/``).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import optuna

from neural_hpo.visualization import (
    create_optimization_report,
    plot_contour,
    plot_convergence_comparison,
    plot_correlation_heatmap,
    plot_multi_objective_pareto,
    plot_optimization_history,
    plot_parallel_coordinates,
)


def objective(trial: optuna.Trial) -> float:
    """A stand-in for training: accuracy peaks near lr=3e-3, dropout=0.3, batch 32."""
    lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
    batch = trial.suggest_categorical("batch_size", [16, 32, 64])
    dropout = trial.suggest_float("dropout", 0.1, 0.6)
    acc = 0.9 - 0.08 * abs(math.log10(lr) + 2.5) - 0.3 * (dropout - 0.3) ** 2
    acc += 0.02 if batch == 32 else 0.0
    for epoch in range(5):
        trial.report(acc * (1 - 0.5 ** (epoch + 1)), epoch)
    trial.set_user_attr("accuracy", acc)  # the engine records every metric like this
    trial.set_user_attr("loss", 1 - acc)
    return acc


def run(sampler: optuna.samplers.BaseSampler, name: str) -> optuna.Study:
    study = optuna.create_study(study_name=name, direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=40)
    return study


def main(out: Path) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(out)
    trials = tpe_trials = run(optuna.samplers.TPESampler(seed=0), "demo-tpe")
    random_trials = run(optuna.samplers.RandomSampler(seed=0), "demo-random")
    cmaes_trials = run(
        optuna.samplers.CmaEsSampler(seed=0, warn_independent_sampling=False), "demo-cmaes"
    )

    # As in the README's "Visualization Suite":
    fig = plot_optimization_history(trials, metric="accuracy")
    fig.savefig("history.png")
    fig = plot_parallel_coordinates(trials, metric="accuracy", top_n=10)
    fig.savefig("parallel_coords.png")
    fig = plot_correlation_heatmap(trials, metric="accuracy")
    fig.savefig("correlations.png")
    fig = plot_contour(trials, "learning_rate", "batch_size", metric="accuracy")
    fig.savefig("contour.png")
    fig = plot_multi_objective_pareto(trials, obj_x="loss", obj_y="accuracy", highlight_pareto=True)
    fig.savefig("pareto.png")
    trials_dict = {"TPE": tpe_trials, "Random": random_trials, "CMA-ES": cmaes_trials}
    fig = plot_convergence_comparison(trials_dict, metric="accuracy")
    fig.savefig("convergence.png")

    report_path = create_optimization_report(
        trials, metric="accuracy", output_path="hpo_report.html"
    )
    print(f"Report saved to: {out / report_path}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "report_demo").resolve())
