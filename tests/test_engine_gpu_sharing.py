"""Several workers per GPU, mixed precision and data kept on the device, on this CPU-only
machine: the spreading rule and ``trials_per_gpu`` with the GPU count mocked (no GPU here), an
out-of-memory error (raised by the test, as a full GPU raises it) failing one trial while the
other workers go on, fp16/bf16 ignored on the CPU with one warning, and a worker's dataset
copied to its device once. The same paths on a real GPU: tests/test_engine_gpu.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from engine_helpers import SMALL_CONFIG
from optuna.trial import TrialState

from neural_hpo import optimize_and_return
from neural_hpo.engine import precision, run_spec
from neural_hpo.engine.datasets import Dataset
from neural_hpo.engine.devices import jobs_for, worker_gpu
from neural_hpo.engine.study import WORKER_PREFIX, open_storage
from neural_hpo.engine.training import device_tensors
from neural_hpo.engine.values import training_value

FAST = {"limit": 300, "epochs": 1, "seed": 0}


@pytest.fixture
def storage(tmp_path):
    return f"sqlite:///{tmp_path / 'studies.db'}"


def test_workers_spread_round_robin_over_the_gpus():
    assert [worker_gpu(i, 1) for i in range(8)] == [0] * 8
    assert [worker_gpu(i, 2) for i in range(5)] == [0, 1, 0, 1, 0]
    assert [worker_gpu(i, 4) for i in range(8)] == [0, 1, 2, 3, 0, 1, 2, 3]
    with pytest.raises(ValueError, match="no GPU"):
        worker_gpu(0, 0)


def test_trials_per_gpu_is_k_workers_on_each_gpu():
    assert jobs_for(1, 4, 2) == 8
    assert jobs_for(1, 8, 1) == 8
    assert jobs_for(3, None, 0) == 3  # n_jobs alone, GPUs or not
    with pytest.raises(ValueError, match="not both"):
        jobs_for(2, 4, 1)
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        jobs_for(1, 4, 0)
    with pytest.raises(ValueError, match="at least 1"):
        jobs_for(1, 0, 1)


def test_trials_per_gpu_without_a_gpu_is_a_clear_error_before_any_trial(storage):
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        optimize_and_return(SMALL_CONFIG, 2, storage=storage, trials_per_gpu=2, **FAST)
    with pytest.raises(ValueError, match="on Ray a trial asks for a fraction"):
        optimize_and_return(SMALL_CONFIG, 2, storage=storage, trials_per_gpu=2, use_ray=True)


def out_of_memory_on_trial_1(trial, config, dataset_name, backend, device):
    """No training: a value per trial, and trial 1 runs out of GPU memory as torch says it."""
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 1:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    return x


def test_out_of_memory_fails_one_trial_and_the_other_workers_go_on(storage, monkeypatch):
    """Two workers on one (mocked) GPU by trials_per_gpu=2; the spawned workers see no GPU."""
    monkeypatch.setattr(run_spec, "gpu_count", lambda: 1)
    result = optimize_and_return(
        SMALL_CONFIG,
        6,
        storage=storage,
        study_name="oom",
        trials_per_gpu=2,
        objective_fn=out_of_memory_on_trial_1,
    )
    trials = result.study.get_trials()
    assert len(trials) == 6
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert [t.number for t in failed] == [1]
    assert failed[0].user_attrs["fail_reason"].startswith("out of memory: CUDA out of memory")
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 5
    store = open_storage(storage)
    attrs = store.get_study_system_attrs(store.get_study_id_from_name("oom"))
    assert sum(k.startswith(WORKER_PREFIX) for k in attrs) == 2


def test_a_runtime_error_saying_out_of_memory_is_an_out_of_memory_failure():
    from neural_hpo.engine.objective import failure_reason

    assert failure_reason(RuntimeError("CUDA error: out of memory")) == (
        "out of memory: CUDA error: out of memory"
    )
    assert failure_reason(RuntimeError("boom")) == "RuntimeError: boom"


BF16 = SMALL_CONFIG.replace("epochs: 1 }", "epochs: 1, precision: bf16 }")


def test_gpu_precision_on_the_cpu_warns_once_and_trains_in_fp32(storage, monkeypatch):
    monkeypatch.setattr(precision, "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = optimize_and_return(BF16, 2, storage=storage, device="cpu", **FAST)
        optimize_and_return(BF16, 1, storage=storage, device="cpu", **FAST)
    ignored = [w for w in caught if "precision bf16 is ignored on cpu" in str(w.message)]
    assert len(ignored) == 1 and ignored[0].category is RuntimeWarning
    trials = result.study.get_trials()
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert {t.user_attrs["training_precision"] for t in trials} == {"fp32"}
    assert {t.user_attrs["device"] for t in trials} == {"cpu"}


def test_precision_autocasts_only_on_cuda_and_fp16_gets_a_grad_scaler():
    cpu = torch.device("cpu")
    assert precision.Precision.of("bf16", cpu).name == "fp32"
    assert precision.effective_precision("BF16", torch.device("cuda", 0)) == "bf16"
    assert precision.effective_precision("fp32", torch.device("cuda", 0)) == "fp32"
    assert precision.Precision.of("fp32", cpu).scaler is None
    assert precision.warn_if_ignored("fp32", cpu) is None


def test_a_workers_dataset_is_copied_to_its_device_once():
    rng = np.random.default_rng(0)
    data = Dataset(
        rng.random((20, 4), dtype=np.float32),
        np.arange(20) % 2,
        rng.random((5, 4), dtype=np.float32),
        np.arange(5) % 2,
        "toy",
    )
    first = device_tensors(data, torch.device("cpu"))
    assert device_tensors(data, torch.device("cpu")) is first  # the next trial's: the same
    other = Dataset(*(a.copy() for a in (data.x_train, data.y_train, data.x_val, data.y_val)), "b")
    assert device_tensors(other, torch.device("cpu"))[0] is not first[0]
    torch.testing.assert_close(first[0], torch.from_numpy(data.x_train))


def _bench():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "gpu.py"
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU machine the bench runs")
def test_the_gpu_bench_refuses_clearly_without_cuda(capsys):
    assert _bench().main([]) == 2
    assert "needs a CUDA GPU, and torch sees none here" in capsys.readouterr().out


def test_the_gpu_bench_adds_the_precision_to_the_examples():
    from neural_hpo.dsl.analysis import analyze

    bench = _bench()
    for name in bench.NETWORKS:
        source = bench.with_precision((bench.EXAMPLES / f"{name}.neural").read_text(), "bf16")
        analysis = analyze(source)
        assert analysis.diagnostics == []
        network = analysis.file.networks[0]
        assert training_value(network, "precision") == "bf16"


def test_cli_trials_per_gpu_without_a_gpu_is_one_line(tmp_path, capsys):
    from neural_hpo.cli import main

    source = tmp_path / "small.neural"
    source.write_text(SMALL_CONFIG)
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    assert main(["run", str(source), "--trials-per-gpu", "4", "--storage", storage]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "neural-hpo run: trials_per_gpu (--trials-per-gpu) needs a CUDA GPU, and torch sees "
        "none here (or device is cpu): use n_jobs (--jobs)"
    ]


def test_cli_says_in_one_line_that_the_precision_is_ignored_on_the_cpu(tmp_path, capsys):
    from neural_hpo.cli import main

    precision._warned.clear()
    source = tmp_path / "bf16.neural"
    source.write_text(BF16)
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    args = ["run", str(source), "--trials", "1", "--limit", "200", "--storage", storage]
    assert main([*args, "--device", "cpu"]) == 0
    err = capsys.readouterr().err.splitlines()
    warned = [line for line in err if "precision" in line]
    assert warned == [
        "neural-hpo run: warning: training precision bf16 is ignored on cpu: mixed precision "
        "runs on CUDA GPUs only, so trials train in fp32 here"
    ]
