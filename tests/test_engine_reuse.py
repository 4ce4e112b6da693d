"""Editing the space keeps the trials: a new version's study reuses its parent's fitting trials.

The parents are real Optuna studies in a real SQLite storage, their trials added as finished
ones (no training: what is tested is which trials carry over and how); one CLI run at the end
trains for real.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState, create_trial

from neural_hpo.cli import main
from neural_hpo.engine.config import load_network
from neural_hpo.engine.optuna_space import distribution
from neural_hpo.engine.study import default_lineage, default_study_name, open_storage, open_study
from neural_hpo.storage import PARENT_ATTR, REUSED_FROM

BASE = """
network Net {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 32, 64])) -> relu
    Dropout(rate: hpo(range: [0.0, 0.4, step=0.1]))
    Output(units: 10)
    optimizer: adam(learning_rate: 0.01)
    training: { batch_size: 32, epochs: 1 }
}
"""
#: every (units, rate) of BASE's grid: 15 parent trials
GRID = [(u, round(r / 10, 1)) for u in (16, 32, 64) for r in range(5)]


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'studies.db'}"


def open_for(url: str, source: str, study_name: str | None = None, **kw):
    """open_study as ``optimize_and_return`` calls it (one objective: accuracy)."""
    loaded = load_network(source)
    names, dirs = ["accuracy"], ["maximize"]
    return open_study(
        open_storage(url),
        study_name or default_study_name(loaded, names, "tpe", dirs),
        loaded,
        names,
        dirs,
        optuna.samplers.RandomSampler(seed=0),
        optuna.pruners.NopPruner(),
        lineage=study_name or default_lineage(loaded, names, "tpe", dirs),
        **kw,
    )


def finished(source: str, params: dict, value: float, state=TrialState.COMPLETE):
    """A finished trial of ``source`` with ``params``, metrics and two intermediate values."""
    space = load_network(source).space
    return create_trial(
        state=state,
        value=value if state == TrialState.COMPLETE else None,
        params=params,
        distributions={n: distribution(space.param(n)) for n in params},
        user_attrs={"accuracy": value, "loss": 1 - value},
        intermediate_values={0: value / 2, 1: value},
    )


def add(study, source: str, params: dict, value: float, state=TrialState.COMPLETE) -> None:
    study.add_trial(finished(source, params, value, state))


def parent(url: str, source: str = BASE, **kw):
    study, reuse = open_for(url, source, **kw)
    assert reuse is None
    params = [{"dense_1.units": units, "dropout_1.rate": rate} for units, rate in GRID]
    study.add_trials([finished(source, p, i / 100) for i, p in enumerate(params)])
    return study


def carried(study) -> list[tuple]:
    return sorted(tuple(t.params.values()) for t in study.get_trials())


def test_a_narrowed_range_reuses_the_trials_inside_it(url):
    old = parent(url)
    child, reuse = open_for(url, BASE.replace("[0.0, 0.4, step=0.1]", "[0.0, 0.2, step=0.1]"))
    assert child.study_name != old.study_name
    assert (reuse.parent, reuse.reused, reuse.of, reuse.copied) == (old.study_name, 9, 15, 9)
    assert child.user_attrs[PARENT_ATTR] == old.study_name
    assert carried(child) == sorted((u, r) for u, r in GRID if r <= 0.2)
    first = child.get_trials()[0]
    source = old.get_trials()[0]
    assert first.values == source.values and first.intermediate_values == {0: 0.0, 1: 0.0}
    assert first.user_attrs == source.user_attrs
    assert first.system_attrs[REUSED_FROM] == f"{old.study_name}#0"
    assert first.datetime_complete == source.datetime_complete


def test_a_widened_range_and_an_added_value_reuse_every_trial(url):
    parent(url)
    wider = BASE.replace("[0.0, 0.4, step=0.1]", "[0.0, 0.6, step=0.1]")
    _, reuse = open_for(url, wider)
    assert (reuse.reused, reuse.of) == (15, 15)
    _, reuse = open_for(url, wider.replace("[16, 32, 64]", "[16, 32, 64, 128]"))
    assert (reuse.reused, reuse.of) == (15, 15)  # the newest study of the lineage is the parent


def test_a_removed_parameter_keeps_the_trials_that_had_its_new_fixed_value(url):
    parent(url)
    child, reuse = open_for(url, BASE.replace("hpo(range: [0.0, 0.4, step=0.1])", "0.2"))
    assert reuse.reused == 3
    assert carried(child) == [(16,), (32,), (64,)]


def test_an_added_parameter_takes_the_parents_fixed_value_when_it_is_a_choice(url):
    parent(url)
    fits = BASE.replace("batch_size: 32", "batch_size: hpo(categorical: [32, 64])")
    child, reuse = open_for(url, fits)
    assert reuse.reused == 15
    assert {t.params["training.batch_size"] for t in child.get_trials()} == {32}
    _, reuse = open_for(
        url, BASE.replace("batch_size: 32", "batch_size: hpo(categorical: [8, 64])")
    )
    assert reuse.reused == 0  # 32 is no option: not one parent trial is a configuration there


def test_a_changed_fixed_value_reuses_nothing(url):
    parent(url)
    _, reuse = open_for(url, BASE.replace("epochs: 1", "epochs: 3"))
    assert (reuse.reused, reuse.of) == (0, 15)


def test_conditional_parameters_carry_when_the_active_ones_fit(url):
    source = BASE.replace(
        "hpo(categorical: [16, 32, 64])", "hpo(categorical: [hpo(range: [16, 64, step=16]), 5])"
    )
    study, _ = open_for(url, source)
    for units in (16, 32, 48, 64):
        add(
            study,
            source,
            {"dense_1.units": "dense_1.units[0]", "dense_1.units[0]": units, "dropout_1.rate": 0.1},
            0.5,
        )
    add(study, source, {"dense_1.units": 5, "dropout_1.rate": 0.1}, 0.4)
    child, reuse = open_for(url, source.replace("[16, 64, step=16]", "[16, 32, step=16]"))
    assert reuse.reused == 3
    assert sorted(t.params.get("dense_1.units[0]", 0) for t in child.get_trials()) == [0, 16, 32]


def test_pruned_trials_are_reused_as_pruned_and_failed_ones_not(url):
    study, _ = open_for(url, BASE)
    add(study, BASE, {"dense_1.units": 16, "dropout_1.rate": 0.1}, 0.3, TrialState.PRUNED)
    add(study, BASE, {"dense_1.units": 32, "dropout_1.rate": 0.1}, 0.6)
    study.add_trial(create_trial(state=TrialState.FAIL))
    child, reuse = open_for(url, BASE.replace("[16, 32, 64]", "[16, 32]"))
    assert (reuse.reused, reuse.of) == (2, 2)
    states = [t.state for t in child.get_trials()]
    assert states == [TrialState.PRUNED, TrialState.COMPLETE]
    assert child.get_trials()[0].intermediate_values == {0: 0.15, 1: 0.3}


def test_a_resumed_child_never_copies_a_trial_twice_and_takes_new_parent_trials(url):
    old = parent(url)
    narrower = BASE.replace("[0.0, 0.4, step=0.1]", "[0.0, 0.2, step=0.1]")
    child, _ = open_for(url, narrower)
    again, reuse = open_for(url, narrower)
    assert again.study_name == child.study_name
    assert (reuse.reused, reuse.copied) == (9, 0) and len(again.get_trials()) == 9
    add(old, BASE, {"dense_1.units": 16, "dropout_1.rate": 0.1}, 0.9)  # the parent ran on
    _, reuse = open_for(url, narrower)
    assert (reuse.reused, reuse.of, reuse.copied) == (10, 16, 1)
    keys = [t.system_attrs[REUSED_FROM] for t in again.get_trials()]
    assert len(keys) == len(set(keys)) == 10


def test_fresh_reuses_nothing_and_restarts_a_study_of_reused_trials_only(url):
    parent(url)
    narrower = BASE.replace("[0.0, 0.4, step=0.1]", "[0.0, 0.2, step=0.1]")
    open_for(url, narrower)
    child, reuse = open_for(url, narrower, fresh=True)
    assert reuse is None and child.get_trials() == [] and PARENT_ATTR not in child.user_attrs
    add(child, narrower, {"dense_1.units": 16, "dropout_1.rate": 0.1}, 0.5)
    with pytest.raises(ValueError, match=r"1 trial.*of its own.*another study name"):
        open_for(url, narrower, fresh=True)


def test_a_named_study_opens_a_child_unless_allow_space_change(url):
    parent(url, study_name="s")
    narrower = BASE.replace("[0.0, 0.4, step=0.1]", "[0.0, 0.2, step=0.1]")
    child, reuse = open_for(url, narrower, study_name="s")
    assert child.study_name.startswith("s-") and (reuse.parent, reuse.reused) == ("s", 9)
    same, reuse = open_for(url, narrower, study_name="s", allow_space_change=True)
    assert same.study_name == "s" and reuse is None and len(same.get_trials()) == 15


def test_cli_run_prints_the_reuse_and_studies_show_the_lineage(tmp_path, capsys):
    small = BASE.replace("[16, 32, 64]", "[16, 32]").replace("step=0.1", "step=0.2")
    path = tmp_path / "net.neural"
    path.write_text(small)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    run = ["run", str(path), "--limit", "200", "--seed", "0", "--storage", url]
    assert main([*run, "--trials", "2"]) == 0
    parent_name = capsys.readouterr().out.split()[1].rstrip(":")
    path.write_text(small.replace("[16, 32]", "[16, 32, 64]"))
    assert main([*run, "--trials", "1"]) == 0
    out, err = capsys.readouterr()
    assert f"reused 2 of 2 trials from {parent_name}" in err
    child = out.split()[1].rstrip(":")
    assert child != parent_name and "3 complete" in out
    assert main(["studies", "--storage", url]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(child))
    assert row.endswith(f"(reused 2 of 2 from {parent_name})")


def test_the_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(
        str(Path(__file__).parent.parent / "examples" / "edit_and_reuse.py"), run_name="__main__"
    )
    out = capsys.readouterr().out
    assert out.startswith("cost: ") and "configurations" in out
    reused = next(line for line in out.splitlines() if line.startswith("reused "))
    assert reused.startswith("reused ") and " of 6 trials from Reuse-" in reused
