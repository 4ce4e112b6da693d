"""DSL studies on Ray: ASHA stops trials early, PBT exploits, and every Ray trial lands in the
project's Optuna storage like a local one (parameters with distributions, values, metrics,
states, study attributes), with JSON events on the way."""

from __future__ import annotations

import json

import optuna
import pytest
from optuna.trial import TrialState
from ray_helpers import DIGITS, local_ray

from neural_hpo import RayOptions, optimize_and_return
from neural_hpo.cli import main
from neural_hpo.engine.config import load_network
from neural_hpo.engine.optuna_space import distributions
from neural_hpo.trials import load_trials


@pytest.fixture(scope="module")
def ray_cluster():
    yield from local_ray()


def test_cli_asha_run_lands_in_the_optuna_storage(ray_cluster, tmp_path, capsys):
    source = tmp_path / "digits.neural"
    source.write_text(DIGITS)
    url = f"sqlite:///{tmp_path}/studies.db"
    code = main(
        [
            "run", str(source), "--ray", "--trials", "8", "--limit", "600", "--seed", "0",
            "--storage", url, "--ray-dir", str(tmp_path / "ray"), "--json-events",
        ]
    )  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    events = [json.loads(line) for line in out.out.splitlines()]  # stdout holds events only
    assert events[-1]["event"] == "done"
    finished = [e for e in events if e["event"] in ("trial_finished", "trial_pruned")]
    assert len(finished) == 8

    (name,) = optuna.get_all_study_names(url)
    study = optuna.load_study(study_name=name, storage=url)
    trials = study.get_trials()
    states = [t.state for t in trials]
    assert len(trials) == 8 and TrialState.PRUNED in states and TrialState.COMPLETE in states
    space = load_network(DIGITS).space
    for t in trials:
        assert t.distributions == distributions(space)
        assert all(space.param(k).contains(v) for k, v in t.params.items())
        assert t.user_attrs["ray_trial_id"]
        assert 0.0 <= t.value <= 1.0
        if t.state == TrialState.COMPLETE:
            assert len(t.intermediate_values) == 4
            assert {"loss", "accuracy", "f1", "latency_ms", "params"} <= set(t.user_attrs)
            assert t.user_attrs["device"] == "cpu"
            assert t.value == t.user_attrs["accuracy"]
        else:  # stopped early: its value is that of its last epoch, as Optuna prunes
            assert len(t.intermediate_values) < 4
            assert t.value == t.intermediate_values[max(t.intermediate_values)]
    assert study.user_attrs["dsl_source"] == DIGITS
    assert study.user_attrs["space_signature"] == space.signature()
    assert study.metric_names == ["accuracy"]
    view = load_trials(study)
    assert view.best("accuracy").number == study.best_trial.number

    assert main(["studies", "--storage", url, "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["trials"] == 8 and row["best_value"] == study.best_value


def test_pbt_exploits_and_records_them(ray_cluster, tmp_path):
    result = optimize_and_return(
        DIGITS,
        n_trials=6,
        use_ray=True,
        storage=f"sqlite:///{tmp_path}/studies.db",
        seed=1,
        limit=600,
        ray_options=RayOptions(
            scheduler="pbt", perturbation_interval=1, storage_path=str(tmp_path / "ray")
        ),
    )
    trials = result.study.get_trials()
    assert len(trials) == 6 and all(t.state == TrialState.COMPLETE for t in trials)
    exploits = [e for t in trials for e in t.user_attrs.get("pbt_exploits", [])]
    assert exploits, "PBT exploited no trial"
    space = load_network(DIGITS).space
    for e in exploits:
        assert all(space.param(k).contains(v) for k, v in e["params"].items())
    assert all(max(t.intermediate_values) == 3 for t in trials)  # each reached epoch 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_jobs": 2}, "n_jobs is for local workers"),
        ({"objectives": ["loss", "accuracy"]}, "one metric"),
        ({"enable_pruning": True, "ray_options": RayOptions(scheduler="fifo")}, "stops no trial"),
        ({"ray_options": RayOptions(scheduler="pbt", search_alg="optuna")}, "search_alg"),
        ({"ray_options": RayOptions(max_failures=-1)}, "must be 0 or more"),
    ],
)
def test_arguments_ray_cannot_honour_fail_before_any_trial(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimize_and_return(DIGITS, 2, use_ray=True, storage=f"sqlite:///{tmp_path}/s.db", **kwargs)


def test_ray_options_need_use_ray(tmp_path):
    with pytest.raises(ValueError, match="ray_options are for use_ray=True"):
        optimize_and_return(DIGITS, 2, ray_options=RayOptions())


def test_the_ray_search_is_told_the_studys_finished_trials():
    from ray.tune.search.optuna import OptunaSearch

    from neural_hpo.distributed.dsl_run import tell_finished

    loaded = load_network(DIGITS)
    dists = distributions(loaded.space)
    full = {"dense_1.units": 32, "dropout_1.rate": 0.2, "optimizer.learning_rate": 1e-3}
    full["training.batch_size"] = 32
    study = optuna.create_study(direction="maximize")
    study.add_trials(
        [
            optuna.trial.create_trial(params=full, distributions=dists, value=0.9),
            optuna.trial.create_trial(
                state=TrialState.PRUNED,
                params=full,
                distributions=dists,
                intermediate_values={0: 0.2, 1: 0.3},
            ),
            optuna.trial.create_trial(state=TrialState.FAIL),
        ]
    )
    search = OptunaSearch(space=dists, metric="accuracy", mode="max")
    assert tell_finished(search, study, loaded) is search
    told = search._ot_study.get_trials()
    assert [t.state for t in told] == [TrialState.COMPLETE, TrialState.PRUNED]
    assert told[0].value == 0.9 and told[0].params == full
    assert told[1].intermediate_values == {0: 0.2, 1: 0.3}
