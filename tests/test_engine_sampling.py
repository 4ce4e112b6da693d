"""``suggest`` (the DSL's space in a custom objective) and the ``auto`` default sampler: its phases,
seed reproducibility, parallel workers without duplicates, and a resumed study keeping its
sampler. The objectives are cheap functions of the parameters (no training): the subject is
sampling, through the real engine and the real Optuna samplers."""

from __future__ import annotations

import time

import optuna
import pytest

from neural_hpo import optimize_and_return, suggest
from neural_hpo.engine.auto_sampler import GP_TRIALS, AutoSampler, uses_gp
from neural_hpo.engine.config import load_network

CONDITIONAL = """
network C {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [hpo(range: [8, 16], name: "small"), 64], name: "width")) -> relu
    Output(units: 10)
    optimizer: adam(learning_rate: hpo(log_range: [1e-3, 3e-2]))
}
"""

DISCRETE = """
network D {
    input: (8, 8, 1)
    Dense(units: hpo(range: [16, 128, step=16])) -> relu
    Dropout(rate: hpo(range: [0.0, 0.5, step=0.1]))
    Output(units: 10)
    optimizer: adam(learning_rate: hpo(categorical: [0.001, 0.003, 0.01, 0.03, 0.1]))
    training: { batch_size: hpo(categorical: [16, 32, 64]) }
}
"""


def numeric(trial, config, *_):
    """A smooth function of the DSL's parameters (what an objective_fn computes)."""
    p = suggest(trial, config)
    return -abs(p["dropout_1.rate"] - 0.2) - abs(p["dense_1.units"] - 64) / 64


def slow_numeric(trial, config, *_):
    """``numeric`` taking a moment, so that two workers' trials overlap (module level: the
    spawned workers import it)."""
    value = numeric(trial, config)
    time.sleep(0.2)
    return value


def params_of(result) -> list[tuple]:
    trials = sorted(result.study.get_trials(deepcopy=False), key=lambda t: t.number)
    return [tuple(sorted(t.params.items())) for t in trials]


def test_suggest_asks_only_active_conditional_parameters():
    asked = []

    def fn(trial, config, *_):
        params = suggest(trial, config)
        asked.append(params)
        assert params == trial.params  # exactly what the study records
        return float(params.get("small", 64))

    study = optimize_and_return(
        CONDITIONAL, 12, sampler="random", seed=1, storage=":memory:", objective_fn=fn
    ).study
    assert {p["width"] for p in asked} == {"width[0]", 64}
    for p in asked:
        assert ("small" in p) == (p["width"] == "width[0]")
        assert "optimizer.learning_rate" in p
    assert len(study.trials) == 12


def test_suggest_works_in_a_plain_optuna_loop(tmp_path):
    path = tmp_path / "c.neural"
    path.write_text(CONDITIONAL)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: len(suggest(t, path)), n_trials=8)
    assert {t.value for t in study.trials} <= {2.0, 3.0}


def test_auto_is_the_default_and_is_named_in_the_study():
    result = optimize_and_return(DISCRETE, 3, seed=0, storage=":memory:", objective_fn=numeric)
    attrs = result.study.user_attrs
    assert attrs["sampler"] == "auto" and "gp until trial" in attrs["sampler_rule"]
    assert isinstance(result.study.sampler.base, AutoSampler)


def test_auto_phases_follow_the_trial_number():
    space = load_network(DISCRETE).space
    sampler = AutoSampler(space, seed=0)
    kinds = [type(sampler.phase(n)).__name__ for n in (0, GP_TRIALS - 1, GP_TRIALS)]
    assert kinds == ["GPSampler", "GPSampler", "TPESampler"]
    assert sampler.gp_until == GP_TRIALS and sampler.replaced == []
    conditional = AutoSampler(load_network(CONDITIONAL).space, seed=0)
    assert not uses_gp(load_network(CONDITIONAL).space)
    assert type(conditional.phase(0)).__name__ == "TPESampler" and conditional.gp_until == 0


def test_auto_proposes_what_gp_does_while_the_study_is_small():
    auto, gp = (
        optimize_and_return(
            DISCRETE, 12, sampler=s, seed=5, storage=":memory:", objective_fn=numeric
        )
        for s in (None, "gp")
    )
    if len(set(params_of(gp))) == 12:  # no repeat for auto to replace
        assert params_of(auto) == params_of(gp)


def test_auto_is_reproducible_with_a_seed_and_never_repeats_a_configuration():
    runs = [
        optimize_and_return(DISCRETE, 14, seed=3, storage=":memory:", objective_fn=numeric)
        for _ in range(2)
    ]
    assert params_of(runs[0]) == params_of(runs[1])
    assert len(set(params_of(runs[0]))) == 14  # 720 configurations, none tried twice
    other = optimize_and_return(DISCRETE, 4, seed=4, storage=":memory:", objective_fn=numeric)
    assert params_of(other) != params_of(runs[0])[:4]


def test_two_workers_with_auto_suggest_no_configuration_twice(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    result = optimize_and_return(
        DISCRETE, 12, n_jobs=2, seed=0, storage=url, objective_fn=slow_numeric
    )
    configs = params_of(result)
    assert len(configs) == 12 and len(set(configs)) == 12


def test_two_workers_proposing_at_once_never_keep_the_same_point():
    """The race the storage has to settle: two workers with the same seed ask at the same moment,
    before either trial's parameters are suggested (a start-up point; a GP point alike)."""
    space = load_network(DISCRETE).space
    storage = optuna.storages.InMemoryStorage()
    studies = [
        optuna.create_study(
            study_name="s", storage=storage, sampler=AutoSampler(space, seed=0), load_if_exists=True
        )
        for _ in range(2)
    ]
    first, second = (study.ask() for study in studies)
    assert first.relative_params and second.relative_params != first.relative_params
    assert studies[1].sampler.replaced == [second.number]
    assert studies[0].sampler.replaced == []


def test_a_resumed_study_keeps_its_sampler_and_tpe_stays_plain_tpe():
    storage = optuna.storages.InMemoryStorage()
    with pytest.MonkeyPatch.context() as mp:  # one in-memory storage across two calls
        mp.setattr("neural_hpo.engine.api.open_storage", lambda _url: storage)
        first = optimize_and_return(
            DISCRETE, 2, sampler="random", study_name="s", storage=":memory:", objective_fn=numeric
        )
        assert first.study.user_attrs["sampler"] == "random"
        again = optimize_and_return(
            DISCRETE, 2, study_name="s", storage=":memory:", objective_fn=numeric
        )
        assert type(again.study.sampler.base) is optuna.samplers.RandomSampler
        assert len(again.study.trials) == 4
        tpe = optimize_and_return(
            DISCRETE, 1, sampler="tpe", study_name="t", storage=":memory:", objective_fn=numeric
        )
        assert type(tpe.study.sampler.base) is optuna.samplers.TPESampler


def test_in_memory_storage_refuses_worker_processes():
    with pytest.raises(ValueError, match="n_jobs > 1"):
        optimize_and_return(DISCRETE, 2, n_jobs=2, storage=":memory:", objective_fn=numeric)


def test_the_custom_objective_example_trains_with_suggested_parameters():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "examples" / "custom_objective.py"
    spec = importlib.util.spec_from_file_location("custom_objective", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    result = optimize_and_return(
        example.CONFIG, 2, seed=0, storage=":memory:", objective_fn=example.sklearn_objective
    )
    assert 0.1 < result.best_value <= 1.0 and "width" in result.params


def test_the_sampler_table_builds_every_catalog_sampler_and_only_those():
    from neural_hpo.dsl.catalog import SAMPLERS
    from neural_hpo.engine.samplers import SAMPLER_FACTORIES, SearchPlan

    assert list(SAMPLER_FACTORIES) == list(SAMPLERS)
    space = load_network(DISCRETE).space
    for name in SAMPLERS:
        plan = SearchPlan(sampler=name, seed=0, n_objectives=2 if name == "nsgaii" else 1)
        built = plan.make_sampler(space).base  # OnGrid wraps the named sampler
        assert isinstance(built, optuna.samplers.BaseSampler), name
        if name != "grid":
            assert not isinstance(built, optuna.samplers.GridSampler), name


def test_an_unknown_sampler_is_a_clear_error_not_grid():
    from neural_hpo.engine.samplers import SearchPlan

    with pytest.raises(ValueError, match=r"unknown sampler 'bohb': use one of auto, tpe"):
        SearchPlan(sampler="bohb")
    plan = SearchPlan(sampler="tpe")
    object.__setattr__(plan, "sampler", "bohb")  # past the check: the factory itself refuses
    with pytest.raises(ValueError, match="unknown sampler 'bohb'"):
        plan.make_sampler(load_network(DISCRETE).space)


def test_pruning_without_a_named_pruner_is_the_benchmark_s_choice() -> None:
    """bench/pruning.py chose the median pruner (docs/engine.md): within a point of the unpruned
    best on every seed, the most epochs saved of those that were."""
    from neural_hpo.engine.samplers import SearchPlan, pruner_name

    pruner = SearchPlan(pruner=pruner_name(True, None)).make_pruner()
    assert isinstance(pruner, optuna.pruners.MedianPruner)
    assert pruner_name(False, None) == "none" and pruner_name(True, "Halving") == "halving"
