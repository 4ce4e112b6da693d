"""The seed README's "Multi-Objective Optimization" example and its NSGA-II sampler line, as
written, except: ``dataset_name='digits'`` where the README reads MNIST (no MNIST files here, no
downloads) and ``n_trials=3`` where it reads 100 (to keep the suite short)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from engine_helpers import SEED_CONFIG
from matplotlib.figure import Figure

from neural_hpo import MultiObjectiveOptimizer, objective, optimize_and_return

config = SEED_CONFIG


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default storage is ./.neural-hpo/studies.db


def test_multi_objective_optimization_example(tmp_path):
    # Define what you're optimizing
    objectives = ["loss", "accuracy", "precision"]
    directions = ["minimize", "maximize", "maximize"]

    moo = MultiObjectiveOptimizer(objectives, directions)

    results = moo.optimize(
        objective_fn=objective,
        n_trials=3,  # README: 100
        sampler="nsgaii",
        config=config,
        dataset_name="digits",  # README: 'MNIST'
        backend="pytorch",
        device="auto",
    )

    # Get Pareto-optimal solutions
    pareto_front = moo.get_pareto_front()
    print(f"Found {len(pareto_front)} Pareto-optimal solutions")

    # Visualize the trade-offs
    fig = moo.plot_pareto_front(obj_x=0, obj_y=1)
    fig.savefig("pareto_front.png")

    assert 1 <= len(pareto_front) <= 3
    assert results.study.metric_names == objectives
    assert isinstance(fig, Figure) and (tmp_path / "pareto_front.png").stat().st_size > 0


def test_nsgaii_sampler_example_returns_the_pareto_set():
    results_nsgaii = optimize_and_return(
        config=config,
        n_trials=3,  # README: 100
        objectives=["loss", "accuracy"],
        sampler="nsgaii",
    )
    front = results_nsgaii["_pareto_front"]
    assert front == results_nsgaii.pareto_front
    assert {p["number"] for p in front} == {t.number for t in results_nsgaii.best_trials}


def test_the_multiobjective_example_runs(tmp_path):
    example = Path(__file__).parent.parent / "examples" / "multiobjective_digits.py"
    front = runpy.run_path(str(example))["main"](tmp_path, n_trials=4)
    assert front and all(p["metrics"]["latency_ms"] < 100 for p in front)
    for name in ("pareto_front.png", "hypervolume.png", "moo_report.html"):
        assert (tmp_path / name).stat().st_size > 0
