"""Which torch device a trial runs on."""

from __future__ import annotations

import os

import torch

from neural_hpo.dsl.catalog import is_valid_device


class DeviceUnavailableError(RuntimeError, ValueError):
    """A device that exists as a name but not on this machine: a bad argument (ValueError) that
    is also what torch itself would raise (RuntimeError)."""


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA when torch sees a GPU, else the CPU; ``cuda`` without a GPU is an error.

    ``gpu`` means ``cuda``. Names are case-insensitive.
    """
    name = (device or "auto").lower()
    if not is_valid_device(name):
        raise ValueError(f"unknown device {device!r}: use auto, cpu, cuda or cuda:N")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "gpu":
        name = "cuda"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"device {device!r} asked for, but torch sees no CUDA GPU here"
        )
    if name.startswith("cuda:") and int(name[5:]) >= torch.cuda.device_count():
        raise DeviceUnavailableError(
            f"device {device!r} asked for, but torch sees {torch.cuda.device_count()} GPU(s)"
        )
    if name == "mps" and not torch.backends.mps.is_available():
        raise DeviceUnavailableError("device 'mps' asked for, but torch sees no MPS backend here")
    return torch.device(name)


def device_label(device: torch.device) -> str:
    """What a trial ran on, as its ``device`` attribute says: ``cpu``, or ``cuda:N (name)`` with
    N the machine's GPU number, also in a worker pinned to one GPU by CUDA_VISIBLE_DEVICES (where
    torch calls it ``cuda:0``)."""
    if device.type != "cuda":
        return device.type
    index = device.index if device.index is not None else torch.cuda.current_device()
    visible = [
        v.strip() for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()
    ]
    number = visible[index] if index < len(visible) else str(index)
    return f"cuda:{number} ({torch.cuda.get_device_name(index)})"


def worker_gpu(index: int, gpus: int) -> int:
    """The GPU (the machine's number) that worker ``index`` is pinned to: round-robin, so
    eight workers on one GPU all share GPU 0, and five on two get 0, 1, 0, 1, 0."""
    if gpus < 1:
        raise ValueError("no GPU to pin a worker to")
    return index % gpus


def jobs_for(n_jobs: int, trials_per_gpu: int | None, gpus: int) -> int:
    """Worker processes for ``n_jobs`` or ``trials_per_gpu`` (K workers on each of ``gpus``
    GPUs: K x gpus); the two together, or ``trials_per_gpu`` without a GPU, are an error."""
    if trials_per_gpu is None:
        return n_jobs
    if trials_per_gpu < 1:
        raise ValueError(f"trials_per_gpu must be at least 1, not {trials_per_gpu}")
    if n_jobs != 1:
        raise ValueError("give n_jobs or trials_per_gpu, not both (n_jobs = trials_per_gpu x GPUs)")
    if gpus < 1:
        raise ValueError(
            "trials_per_gpu (--trials-per-gpu) needs a CUDA GPU, and torch sees none here "
            "(or device is cpu): use n_jobs (--jobs)"
        )
    return trials_per_gpu * gpus
