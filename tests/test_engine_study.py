"""optimize_and_return on real training (digits): samplers, pruning, resume, failures."""

from __future__ import annotations

import math
import sys
from unittest import mock

import numpy as np
import optuna
import pytest
import torch
from engine_helpers import SMALL_CONFIG
from optuna.trial import TrialState

from neural_hpo import optimize_and_return
from neural_hpo.dsl.catalog import METRIC_SPECS
from neural_hpo.engine.api import NoCompletedTrialError, OptimizationResult
from neural_hpo.engine.config import DSLError
from neural_hpo.engine.devices import resolve_device
from neural_hpo.engine.objective import objective
from neural_hpo.engine.study import fail_orphaned_trials, open_storage

FAST = {"dataset_name": "digits", "limit": 300, "seed": 0}

GRID_CONFIG = SMALL_CONFIG.replace("hpo(log_range: [1e-3, 3e-2])", "hpo(categorical: [0.01, 0.03])")


@pytest.fixture
def storage(tmp_path):
    return f"sqlite:///{tmp_path / 'studies.db'}"


@pytest.mark.parametrize("sampler", ["tpe", "cmaes", "random", "gp", "qmc", "grid"])
def test_every_single_objective_sampler_runs_a_real_study(storage, sampler):
    config = GRID_CONFIG if sampler == "grid" else SMALL_CONFIG
    result = optimize_and_return(config, 3, sampler=sampler, storage=storage, **FAST)
    trials = result.study.get_trials()
    assert len(trials) == 3 and all(t.state == TrialState.COMPLETE for t in trials)
    assert 0.0 < result.best_value <= 1.0
    assert set(result.params) == {
        "dense_1.units",
        "dropout_1.rate",
        "optimizer.learning_rate",
    }


def test_nsgaii_optimizes_several_objectives(storage):
    result = optimize_and_return(
        SMALL_CONFIG, 3, objectives=["loss", "accuracy"], sampler="nsgaii", storage=storage, **FAST
    )
    assert result.study.metric_names == ["loss", "accuracy"]
    assert [d.name for d in result.study.directions] == ["MINIMIZE", "MAXIMIZE"]
    assert result.best_trials and result.best_trial in result.best_trials


def test_result_is_a_dict_of_best_parameters_with_study_and_history(storage):
    result = optimize_and_return(SMALL_CONFIG, 2, storage=storage, **FAST)
    assert isinstance(result, dict) and isinstance(result, OptimizationResult)
    assert result["_study"] is result.study
    assert result["_trials_history"] is result.trials_history and len(result.trials_history) == 2
    assert result.best_trial.value == result.best_value
    assert result["dense_1.units"] in (16, 32)
    attrs = result.best_trial.user_attrs
    for metric in METRIC_SPECS:  # the catalog's table: every metric it lists is measured
        assert math.isfinite(attrs[metric]), metric
    if not torch.cuda.is_available():  # tests/test_engine_gpu.py has the GPU's
        assert attrs["device"] == "cpu"
    study_attrs = result.study.user_attrs
    assert study_attrs["dsl_source"] == SMALL_CONFIG and study_attrs["network"] == "Small"
    assert study_attrs["metric"] == "accuracy" and len(study_attrs["dsl_hash"]) == 64
    assert study_attrs["space_signature"]
    assert result.study.study_name.startswith("Small-")


def test_dsl_sampler_and_search_method_choose_the_sampler(storage):
    config = SMALL_CONFIG.replace("epochs: 1", 'epochs: 1, search_method: "random"')
    result = optimize_and_return(config, 1, storage=storage, **FAST)
    assert isinstance(result.study.sampler.base, optuna.samplers.RandomSampler)


def test_pruning_prunes_some_trial(storage):
    config = SMALL_CONFIG.replace("epochs: 1", "epochs: 4").replace("[1e-3, 3e-2]", "[1e-5, 3e-2]")
    result = optimize_and_return(
        config, 12, sampler="random", enable_pruning=True, storage=storage, **FAST
    )
    states = [t.state for t in result.study.get_trials()]
    assert TrialState.PRUNED in states, states
    pruned = [t for t in result.study.get_trials() if t.state == TrialState.PRUNED]
    assert all(len(t.intermediate_values) < 4 for t in pruned)


def test_hyperband_pruner_is_selectable(storage):
    result = optimize_and_return(SMALL_CONFIG, 2, pruner="hyperband", storage=storage, **FAST)
    assert isinstance(result.study.pruner, optuna.pruners.HyperbandPruner)


def test_resume_adds_trials_and_a_changed_space_opens_a_child(storage):
    first = optimize_and_return(SMALL_CONFIG, 2, study_name="s", storage=storage, **FAST)
    kept = [(t.number, t.value, t.params) for t in first.study.get_trials()]
    again = optimize_and_return(SMALL_CONFIG, 1, study_name="s", storage=storage, **FAST)
    trials = again.study.get_trials()
    assert len(trials) == 3 and [(t.number, t.value, t.params) for t in trials[:2]] == kept
    assert trials[2].params != trials[0].params  # the resumed sampler does not replay its draws
    changed = SMALL_CONFIG.replace("[16, 32]", "[16, 64]")
    child = optimize_and_return(changed, 1, study_name="s", storage=storage, **FAST)
    assert child.study.study_name.startswith("s-") and child.reuse.parent == "s"
    assert child.reuse.reused == sum(t.params["dense_1.units"] == 16 for t in trials)
    resumed = optimize_and_return(
        changed, 1, study_name="s", storage=storage, allow_space_change=True, **FAST
    )
    assert len(resumed.study.get_trials()) == 4
    assert resumed.study.user_attrs["dsl_source"] == changed


def test_failed_trials_carry_reasons_and_the_study_goes_on(storage):
    def flaky(trial, config, dataset_name, backend, device):
        if trial.number == 1:
            raise RuntimeError("boom")
        if trial.number == 2:
            raise MemoryError("no room")
        return objective(trial, config, dataset_name, backend, device, limit=300, epochs=1)

    result = optimize_and_return(SMALL_CONFIG, 4, storage=storage, objective_fn=flaky, seed=0)
    trials = result.study.get_trials()
    assert [t.state for t in trials] == [
        TrialState.COMPLETE,
        TrialState.FAIL,
        TrialState.FAIL,
        TrialState.COMPLETE,
    ]
    assert trials[1].user_attrs["fail_reason"] == "RuntimeError: boom"
    assert trials[2].user_attrs["fail_reason"].startswith("out of memory")
    assert result.trials_history[1]["fail_reason"] == "RuntimeError: boom"


def test_diverging_trials_fail_with_reason_diverged(storage):
    def nan_data():
        x = np.full((40, 8, 8, 1), np.nan, dtype=np.float32)
        return x, np.arange(40) % 10

    with pytest.raises(NoCompletedTrialError, match="diverged") as info:
        optimize_and_return(SMALL_CONFIG, 2, dataset_name=nan_data, storage=storage, seed=0)
    trials = info.value.study.get_trials()
    assert len(trials) == 2
    assert all(t.user_attrs["fail_reason"].startswith("diverged") for t in trials)


def test_bad_dsl_fails_before_any_training(storage):
    bad = SMALL_CONFIG.replace("step=0.2", "step=-0.2").replace("Dropout(rate:", "Dropout(rat:")
    with pytest.raises(DSLError, match=r"<config>:\d+:\d+: error\[E302\]") as info:
        optimize_and_return(bad, 2, storage=storage)
    assert len(info.value.diagnostics) >= 2
    assert optuna.get_all_study_names(open_storage(storage)) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"backend": "tensorflow"}, ValueError, "pytorch"),
        ({"use_ray": True, "n_jobs": 2}, ValueError, "n_jobs is for local workers"),
        ({"sampler": "nsgaii"}, ValueError, "several objectives"),
        ({"sampler": "annealing"}, ValueError, "unknown sampler"),
        ({"metric": "speed"}, ValueError, "unknown metric"),
        ({"sampler": "grid"}, ValueError, "discrete"),
        ({"device": "cuda:7"}, RuntimeError, "cuda:7"),
        ({"dataset_name": "MNIST", "data_dir": "/nonexistent"}, FileNotFoundError, "MNIST"),
        ({"dataset_name": "/tmp/none.npz"}, FileNotFoundError, "none.npz"),
    ],
)
def test_bad_arguments_fail_before_any_training(storage, kwargs, error, match):
    with pytest.raises(error, match=match):
        optimize_and_return(SMALL_CONFIG, 2, storage=storage, **kwargs)
    assert optuna.get_all_study_names(open_storage(storage)) == []


def test_running_trials_of_dead_workers_are_failed(storage):
    study = optuna.create_study(storage=open_storage(storage), study_name="s")
    study.ask()  # RUNNING, no live worker registered: its process is gone
    assert fail_orphaned_trials(study) == [0]
    trial = study.get_trials()[0]
    assert trial.state == TrialState.FAIL and "worker died" in trial.user_attrs["fail_reason"]


def test_auto_device_picks_cuda_when_torch_sees_a_gpu():
    """No GPU exists on this machine: ``torch.cuda.is_available`` is mocked to say there is one,
    which is all ``resolve_device('auto')`` asks before choosing CUDA."""
    with mock.patch.object(torch.cuda, "is_available", return_value=True):
        assert resolve_device("auto") == torch.device("cuda")
    with mock.patch.object(torch.cuda, "is_available", return_value=False):
        assert resolve_device("auto") == torch.device("cpu")
        with pytest.raises(RuntimeError, match="no CUDA GPU"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")


def test_language_modules_import_neither_torch_nor_optuna():
    import subprocess

    code = (
        "import sys, neural_hpo, neural_hpo.dsl.parser, neural_hpo.dsl.space.materialize;"
        "print(sorted(m for m in ('torch', 'optuna') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_model_too_large_for_the_machine_fails_out_of_memory(storage):
    huge = SMALL_CONFIG.replace(
        "Dense(units: hpo(categorical: [16, 32])) -> relu",
        "Dense(units: 200000)\n    Dense(units: 10000000)",  # 2e12 weights: 8 TB of float32
    )
    with pytest.raises(NoCompletedTrialError) as info:
        optimize_and_return(huge, 1, storage=storage, **FAST)
    (trial,) = info.value.study.get_trials()
    reason = trial.user_attrs["fail_reason"]
    assert reason.startswith("out of memory: DefaultCPUAllocator: can't allocate memory"), reason
