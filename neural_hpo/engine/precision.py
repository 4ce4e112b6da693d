"""Mixed precision: ``training: { precision: bf16 }`` (or ``fp16``) autocasts a trial's forward
pass and loss on CUDA; ``fp32`` (the default) changes nothing.

The weights and optimizer state stay fp32 (autocast casts per operation), and the validation
metrics, latency and size are computed outside autocast, in fp32. ``fp16`` scales the loss with a
``torch.amp.GradScaler`` so that small gradients do not underflow. On any other device the
precision is ignored (training runs in fp32, as the trial's ``training_precision`` attribute then says):
the device is known only at run time, so this is a run-time warning, given once per process.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}

_warned: set[tuple[str, str]] = set()


def effective_precision(requested: str, device: torch.device) -> str:
    """The precision a trial trains in: ``requested`` on CUDA, ``fp32`` elsewhere."""
    name = requested.lower()
    return name if device.type == "cuda" or name == "fp32" else "fp32"


def warn_if_ignored(requested: str, device: torch.device) -> str | None:
    """Warn (once per process for each precision and device type) that ``requested`` is
    ignored on ``device``; return the message, None when nothing is ignored."""
    name = requested.lower()
    if effective_precision(name, device) == name:
        return None
    message = (
        f"training precision {name} is ignored on {device.type}: mixed precision runs on CUDA "
        "GPUs only, so trials train in fp32 here"
    )
    if (name, device.type) not in _warned:
        _warned.add((name, device.type))
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    return message


@dataclass
class Precision:
    """The autocast context and loss scaling of one trial's training steps."""

    name: str  # the effective precision
    device: torch.device
    scaler: torch.amp.GradScaler | None = None

    @classmethod
    def of(cls, requested: str, device: torch.device) -> Precision:
        name = effective_precision(requested, device)
        scaler = torch.amp.GradScaler(device.type) if name == "fp16" else None
        return cls(name, device, scaler)

    @contextlib.contextmanager
    def autocast(self) -> Iterator[None]:
        """The forward pass and loss under autocast (nothing for fp32)."""
        if self.name == "fp32":
            yield
            return
        with torch.autocast(self.device.type, dtype=DTYPES[self.name]):
            yield

    def step(
        self, loss: torch.Tensor, opt: torch.optim.Optimizer, before_step: Callable[[], None]
    ) -> None:
        """Backward and optimizer step; with a scaler the gradients are unscaled before
        ``before_step`` (clipping) sees them, and a step with inf/NaN gradients is skipped."""
        if self.scaler is None:
            loss.backward()
            before_step()
            opt.step()
            return
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(opt)
        before_step()
        self.scaler.step(opt)
        self.scaler.update()
