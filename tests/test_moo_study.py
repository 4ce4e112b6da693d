"""MultiObjectiveOptimizer on real training (digits, 1 epoch, 300 samples): fronts, constraints,
directions, pruning, plots."""

from __future__ import annotations

import itertools
import warnings

import optuna
import pytest
from engine_helpers import SMALL_CONFIG
from matplotlib.figure import Figure
from optuna.trial import TrialState

from neural_hpo import MultiObjectiveOptimizer, optimize_and_return
from neural_hpo.engine.api import NoFeasibleTrialError
from neural_hpo.trials import is_feasible
from neural_hpo.visualization import create_optimization_report, plot_hypervolume_history

FAST = {"dataset_name": "digits", "limit": 300, "seed": 0, "device": "cpu"}
#: Dense(16) has 1,210 parameters and Dense(32) 2,410: a bound between them splits the trials
SMALL_ONLY = {"params": "< 2000"}


def brute_force_front(study: optuna.Study) -> set[int]:
    """Feasible complete trials that no other feasible complete trial dominates."""
    signs = [1 if d == optuna.study.StudyDirection.MINIMIZE else -1 for d in study.directions]
    done = [t for t in study.get_trials(states=(TrialState.COMPLETE,)) if is_feasible(t)]
    cost = {t.number: [s * v for s, v in zip(signs, t.values)] for t in done}

    def dominates(a: list[float], b: list[float]) -> bool:
        return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

    return {n for n, c in cost.items() if not any(dominates(o, c) for o in cost.values())}


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('moo') / 'studies.db'}"


@pytest.fixture(scope="module")
def two(storage):
    moo = MultiObjectiveOptimizer(["loss", "accuracy"], ["minimize", "maximize"])
    moo.optimize(n_trials=8, sampler="nsgaii", config=SMALL_CONFIG, storage=storage, **FAST)
    return moo


@pytest.fixture(scope="module")
def three_constrained(storage):
    moo = MultiObjectiveOptimizer(["loss", "accuracy", "latency_ms"])
    moo.optimize(
        n_trials=8,
        sampler="tpe",
        config=SMALL_CONFIG,
        constraints=SMALL_ONLY,
        storage=storage,
        **FAST,
    )
    return moo


def test_two_objective_front_is_exactly_the_non_dominated_set(two):
    front = two.get_pareto_front()
    assert {p["number"] for p in front} == brute_force_front(two.study)
    assert all(set(p["values"]) == {"loss", "accuracy"} for p in front)
    assert all(set(p["params"]) == set(two.result.params) for p in front)
    assert two.result["_pareto_front"] == front
    assert two.result.best_trial.number in {p["number"] for p in front}


def test_three_objective_front_respects_constraints(three_constrained):
    study = three_constrained.study
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    assert any(not is_feasible(t) for t in trials) and any(is_feasible(t) for t in trials)
    for t in trials:  # every trial carries its constraint value, from the recorded metric
        assert is_feasible(t) == (t.user_attrs["params"] < 2000)
    front = three_constrained.get_pareto_front()
    assert {p["number"] for p in front} == brute_force_front(study)
    assert all(p["metrics"]["params"] < 2000 for p in front)
    assert study.user_attrs["constraints"] == ["params < 2000"]


def test_single_objective_with_constraints_returns_the_best_feasible_trial(storage):
    result = optimize_and_return(
        SMALL_CONFIG, 6, constraints=SMALL_ONLY, storage=storage, study_name="single", **FAST
    )
    feasible = [t for t in result.study.get_trials() if is_feasible(t)]
    assert result.best_trial.number == max(feasible, key=lambda t: t.value).number
    assert result["dense_1.units"] == 16


def test_no_feasible_trial_is_a_clear_error(storage):
    with pytest.raises(NoFeasibleTrialError, match="params < 10"):
        optimize_and_return(
            SMALL_CONFIG, 2, constraints={"params": "< 10"}, storage=storage, **FAST
        )


def test_dsl_constraints_reach_the_study(storage):
    config = SMALL_CONFIG.replace("epochs: 1 }", 'epochs: 1, constraints: { params: "< 2000" } }')
    result = optimize_and_return(config, 3, objectives=["loss", "f1"], storage=storage, **FAST)
    assert result.study.user_attrs["constraints"] == ["params < 2000"]
    assert all(p["metrics"]["params"] < 2000 for p in result.pareto_front)


def test_pruning_with_several_objectives_is_switched_off_with_a_warning(storage):
    with pytest.warns(UserWarning, match="pruning .* switched off"):
        result = optimize_and_return(
            SMALL_CONFIG,
            2,
            objectives=["loss", "accuracy"],
            sampler="nsgaii",
            enable_pruning=True,
            storage=storage,
            study_name="pruned",
            **FAST,
        )
    assert isinstance(result.study.pruner, optuna.pruners.NopPruner)
    assert all(t.state == TrialState.COMPLETE for t in result.study.trials)


@pytest.mark.parametrize(
    ("objectives", "directions", "match"),
    [
        (["loss", "accuracy"], ["minimize"], r"directions: 1 direction\(s\) for 2"),
        (["loss", "accuracy"], ["minimize", "maximise"], "directions: 'maximise'.*did you mean"),
        (["loss", "accuracy"], "minimize", "directions: give one direction per objective"),
        (["loss", "acuracy"], None, "objectives: unknown metric 'acuracy'.*did you mean"),
        (["loss", "loss"], None, "objectives: a metric is repeated"),
    ],
)
def test_wrong_objectives_or_directions_are_clear_errors(objectives, directions, match):
    with pytest.raises(ValueError, match=match):
        MultiObjectiveOptimizer(objectives, directions)


def test_a_direction_against_the_metric_is_warned_not_refused():
    with pytest.warns(UserWarning, match="'loss' is set to maximize"):
        moo = MultiObjectiveOptimizer(["loss", "accuracy"], ["maximize", "maximize"])
    assert moo.directions == ["maximize", "maximize"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MultiObjectiveOptimizer(["accuracy", "latency_ms"])  # natural directions: no warning


@pytest.mark.parametrize(
    ("constraints", "match"),
    [
        ({"speed": "< 3"}, "constraints: unknown metric 'speed'"),
        ({"latency_ms": "about 100"}, r"constraints\['latency_ms'\]: 'about 100' is not a bound"),
        ({"latency_ms": 100}, "is not a bound"),
    ],
)
def test_bad_constraints_fail_before_any_training(storage, constraints, match):
    moo = MultiObjectiveOptimizer(["loss", "accuracy"])
    with pytest.raises(ValueError, match=match):
        moo.optimize(config=SMALL_CONFIG, n_trials=1, constraints=constraints, storage=storage)


def test_plots_are_figures_by_index_or_name(three_constrained):
    assert isinstance(three_constrained.plot_pareto_front(obj_x=0, obj_y=1), Figure)
    fig = three_constrained.plot_pareto_front("loss", "accuracy", "latency_ms")
    assert fig.axes[0].name == "3d"
    assert three_constrained.plot_pareto_front_3d().axes[0].name == "3d"
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(text.startswith("infeasible") for text in legend)
    with pytest.raises(ValueError, match="obj_y: 5"):
        three_constrained.plot_pareto_front(0, 5)


def test_hypervolume_history_and_report(three_constrained, tmp_path):
    history = three_constrained.hypervolume_history()
    feasible = [t for t in three_constrained.study.trials if is_feasible(t)]
    assert len(history) == len(feasible) and history[-1] > 0
    assert all(b >= a for a, b in itertools.pairwise(history))
    assert isinstance(plot_hypervolume_history(three_constrained.study), Figure)
    with pytest.raises(ValueError, match="reference_point: 2 value"):
        three_constrained.hypervolume_history([1.0, 0.0])
    report = create_optimization_report(three_constrained.study, output_path=tmp_path / "r.html")
    assert "Hypervolume history" in report.read_text()


def test_results_before_optimize_are_an_error():
    with pytest.raises(RuntimeError, match="call optimize"):
        MultiObjectiveOptimizer(["loss", "accuracy"]).get_pareto_front()


def test_report_best_is_the_best_feasible_trial(storage, tmp_path):
    result = optimize_and_return(
        SMALL_CONFIG, 6, constraints=SMALL_ONLY, storage=storage, study_name="report", **FAST
    )
    html = create_optimization_report(result.study, output_path=tmp_path / "s.html").read_text()
    assert f"(trial {result.best_trial.number})</dd>" in html
    overall = max(result.study.trials, key=lambda t: t.value)
    assert not is_feasible(overall)  # at seed 0 a larger, infeasible model scores higher


def test_events_count_only_feasible_trials_as_best(storage):
    events = []
    result = optimize_and_return(
        SMALL_CONFIG,
        4,
        constraints=SMALL_ONLY,
        storage=storage,
        study_name="events",
        on_event=events.append,
        **FAST,
    )
    best = [e["trial"] for e in events if e["event"] == "best_changed"]
    assert best and all(is_feasible(result.study.trials[n]) for n in best)
    assert events[-1]["trial"] == result.best_trial.number
