"""The training path on a real CUDA GPU: every layer, a study with ``device='auto'``, workers
pinned one GPU each, several workers sharing one GPU, bf16 and fp16 training, the dataset
copied to the GPU once per worker, a real out-of-memory error. Skipped where torch sees no GPU (the development machine and CI); they ran
on an NVIDIA H200 (see docs/engine.md, "GPUs")."""

from __future__ import annotations

import copy

import pytest
import torch
from corpus import EVERY_LAYER
from engine_helpers import SMALL_CONFIG, concrete, network_of
from optuna.trial import TrialState

from neural_hpo import optimize_and_return
from neural_hpo.engine.datasets import load_dataset
from neural_hpo.engine.devices import device_label, resolve_device
from neural_hpo.engine.objective import objective
from neural_hpo.engine.precision import Precision
from neural_hpo.engine.torch_builder import build_model
from neural_hpo.engine.training import device_tensors
from neural_hpo.engine.workers import gpu_count

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="torch sees no CUDA GPU (none on the development machine or in CI; run on a GPU machine)",
)

FAST = {"dataset_name": "digits", "limit": 600, "seed": 0, "epochs": 3}


@pytest.fixture
def storage(tmp_path):
    return f"sqlite:///{tmp_path / 'studies.db'}"


def test_auto_is_cuda_and_the_label_names_the_gpu():
    device = resolve_device("auto")
    assert device.type == "cuda"
    assert device_label(device) == f"cuda:0 ({torch.cuda.get_device_name(0)})"
    assert device_label(resolve_device("cuda:0")) == device_label(device)


@pytest.mark.parametrize("name", sorted(EVERY_LAYER))
def test_every_layer_runs_forward_and_backward_on_cuda_as_on_cpu(name):
    line, shape = EVERY_LAYER[name]
    torch.manual_seed(0)
    built = build_model(concrete(network_of(line, shape), {}))
    cpu = built.module.eval()
    gpu = copy.deepcopy(cpu).to("cuda")
    batch = (4, *built.input_shape)
    x = torch.randint(0, 50, batch).float() if name == "Embedding" else torch.randn(batch)
    with torch.backends.cudnn.flags(enabled=True, deterministic=True, allow_tf32=False):
        out = gpu(x.to("cuda"))  # eval mode: the same numbers as the CPU
    assert out.is_cuda
    torch.testing.assert_close(out.cpu(), cpu(x), rtol=1e-3, atol=1e-3)
    gpu.train()  # and a training step's gradients (cuDNN's RNN backward needs training mode)
    xg = x.to("cuda").requires_grad_(name != "Embedding")
    gpu(xg).float().square().mean().backward()
    grads = [p.grad for p in gpu.parameters()] + ([xg.grad] if xg.requires_grad else [])
    assert grads and all(g is not None and g.is_cuda and torch.isfinite(g).all() for g in grads)


def test_a_study_with_auto_trains_on_the_gpu(storage):
    result = optimize_and_return(SMALL_CONFIG, 4, storage=storage, device="auto", **FAST)
    trials = result.study.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4
    assert {t.user_attrs["device"] for t in trials} == {device_label(torch.device("cuda", 0))}
    assert result.best_value > 0.8  # 8x8 digits, 3 epochs on 480 images
    assert all(0 < t.user_attrs["latency_ms"] < 50 for t in trials)  # timed with synchronize


def test_workers_are_pinned_one_gpu_each(storage):
    """Two worker processes, each sees one GPU through CUDA_VISIBLE_DEVICES (the same one on a
    one-GPU machine) and records the machine's number of it."""
    result = optimize_and_return(SMALL_CONFIG, 6, n_jobs=2, storage=storage, device="auto", **FAST)
    trials = result.study.get_trials()
    assert len(trials) == 6 and all(t.state == TrialState.COMPLETE for t in trials)
    used = {t.user_attrs["device"].split(" ")[0] for t in trials}
    assert used == {f"cuda:{i}" for i in range(min(2, gpu_count()))}


def test_four_workers_share_each_gpu(storage):
    """trials_per_gpu=4: four workers on every GPU, all pinned, all trials on a GPU."""
    n = 4 * gpu_count()
    result = optimize_and_return(
        SMALL_CONFIG, 2 * n, trials_per_gpu=4, storage=storage, device="auto", **FAST
    )
    trials = result.study.get_trials()
    assert len(trials) == 2 * n and all(t.state == TrialState.COMPLETE for t in trials)
    used = {t.user_attrs["device"].split(" ")[0] for t in trials}
    assert used == {f"cuda:{i}" for i in range(gpu_count())}
    assert result.best_value > 0.8


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_on_the_gpu_and_records_it(storage, precision):
    config = SMALL_CONFIG.replace("epochs: 1 }", f"epochs: 1, precision: {precision} }}")
    result = optimize_and_return(config, 3, storage=storage, device="cuda", **FAST)
    trials = result.study.get_trials()
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert {t.user_attrs["training_precision"] for t in trials} == {precision}
    assert result.best_value > 0.8
    assert all(isinstance(t.user_attrs["loss"], float) for t in trials)


def test_autocast_runs_the_forward_pass_in_bf16_and_fp16_gets_a_scaler():
    built = build_model(concrete(network_of("Dense(units: 8) -> relu", "(4,)"), {}))
    module = built.module.to("cuda")
    x = torch.randn(2, 4, device="cuda")
    bf16 = Precision.of("bf16", torch.device("cuda"))
    with bf16.autocast():
        assert module(x).dtype == torch.bfloat16
    assert module(x).dtype == torch.float32  # outside autocast (evaluation): fp32
    assert bf16.scaler is None and Precision.of("fp16", torch.device("cuda")).scaler is not None


def test_the_dataset_is_copied_to_the_gpu_once():
    data = load_dataset("digits", (8, 8, 1), limit=200)
    first = device_tensors(data, torch.device("cuda", 0))
    assert all(t.is_cuda for t in first)
    assert device_tensors(data, torch.device("cuda", 0)) is first


def too_big_then_fine(trial, config, dataset_name, backend, device):
    """Trial 1 asks the GPU for 10 TB: torch's own OutOfMemoryError."""
    if trial.number == 1:
        torch.empty(10**13, dtype=torch.uint8, device="cuda")
    return objective(trial, config, dataset_name, backend, device, limit=300, epochs=1)


def test_a_real_out_of_memory_fails_its_trial_and_the_next_one_trains(storage):
    result = optimize_and_return(
        SMALL_CONFIG, 3, storage=storage, device="cuda", objective_fn=too_big_then_fine, seed=0
    )
    trials = result.study.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert trials[1].user_attrs["fail_reason"].startswith("out of memory: ")
