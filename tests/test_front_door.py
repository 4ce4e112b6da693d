"""The package's front door: every public name resolves, and parameter values read as written."""

from __future__ import annotations

import optuna
import pytest

import neural_hpo
from neural_hpo.dsl.space.build import build_search_space
from neural_hpo.engine.config import load_network
from neural_hpo.engine.optuna_space import suggest_space
from neural_hpo.engine.samplers import SearchPlan


@pytest.mark.parametrize("name", neural_hpo.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(neural_hpo, name) is not None


def test_check_returns_the_diagnostics() -> None:
    source = "network N {\n  input: (8,)\n  Dense(units: hpo(range: [1, 4, step=-1]))\n}\n"
    found = neural_hpo.check(source)
    assert found and found[0].is_error
    assert neural_hpo.check(source.replace("step=-1", "step=1")) == []


GRID = "network G {\n  input: (8,)\n  Dropout(rate: hpo(range: [0.3, 0.7, step=0.1]))\n  Dense(units: 2)\n}\n"


@pytest.mark.parametrize("sampler", ["tpe", "random", "cmaes", "gp", "qmc", "grid"])
def test_stepped_floats_are_stored_on_the_grid(sampler: str) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    loaded = load_network(GRID)
    space = build_search_space(loaded.network)
    study = optuna.create_study(sampler=SearchPlan(sampler=sampler, seed=0).make_sampler(space))
    study.optimize(lambda t: suggest_space(space, t)["dropout_1.rate"], n_trials=8)
    shown = {repr(t.params["dropout_1.rate"]) for t in study.trials}
    assert shown <= {"0.3", "0.4", "0.5", "0.6", "0.7"}, shown
