"""The seed README's examples, as written, with two substitutions this machine forces:
``dataset_name='digits'`` where the README reads MNIST (no MNIST files here, no downloads), and
``device='auto'`` where it reads ``'cuda'`` (no GPU here). Trial budgets are cut to keep the suite
short; every other argument is the README's."""

from __future__ import annotations

import pytest
from engine_helpers import SEED_CONFIG
from optuna.trial import TrialState

from neural_hpo import optimize_and_return

config = SEED_CONFIG


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default storage is ./.neural-hpo/studies.db


def test_basic_bayesian_optimization():
    results = optimize_and_return(
        config=config,
        n_trials=2,
        dataset_name="digits",
        backend="pytorch",
        device="auto",
        sampler="tpe",
        enable_pruning=True,
    )
    print(f"Best parameters: {results}")
    assert set(results.params) == {
        "dense_1.units",
        "dropout_1.rate",
        "optimizer.learning_rate",
        "training.batch_size",
    }
    assert results.best_value > 0.5


def test_using_different_samplers():
    results_tpe = optimize_and_return(config=config, n_trials=2, sampler="tpe")
    results_cmaes = optimize_and_return(config=config, n_trials=2, sampler="cmaes")
    results_random = optimize_and_return(config=config, n_trials=2, sampler="random")
    results_nsgaii = optimize_and_return(
        config=config, n_trials=2, objectives=["loss", "accuracy"], sampler="nsgaii"
    )
    studies = {
        r.study.study_name for r in (results_tpe, results_cmaes, results_random, results_nsgaii)
    }
    assert len(studies) == 4  # each sampler keeps its own study
    assert results_nsgaii.study.metric_names == ["loss", "accuracy"]


def test_complete_example_optimization_part():
    results = optimize_and_return(
        config=config,
        n_trials=2,
        dataset_name="digits",
        backend="pytorch",
        device="auto",
        sampler="tpe",
        enable_pruning=True,
        study_name="mnist_experiment",
    )
    trials = results.get("_trials_history", [])
    study = results.get("_study")
    assert len(trials) == 2 and study.study_name == "mnist_experiment"
    # with pruning on, the second trial may be stopped early (the median pruner, once trials finished)
    assert trials[0]["state"] == TrialState.COMPLETE.name
    assert trials[1]["state"] in (TrialState.COMPLETE.name, TrialState.PRUNED.name)
    assert "accuracy" in trials[0]["metrics"]
