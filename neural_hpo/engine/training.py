"""The training loop of one trial: seeded, on one device, validated every epoch.

Independent of Optuna and Ray: the objective passes ``on_epoch`` to report and prune; a Ray
trial also passes ``on_state`` to checkpoint and ``resume`` to continue from a checkpoint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .datasets import Dataset
from .torch_builder import BuiltModel

#: catalog optimizer argument -> torch keyword, where they differ (betas are built separately)
_TORCH_KWARGS = {"learning_rate": "lr", "epsilon": "eps", "rho": "alpha"}

_OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}

EVAL_BATCH = 1024
LATENCY_SAMPLES = 256


class TrialDiverged(RuntimeError):
    """The training loss became NaN or infinite."""


@dataclass
class TrainingState:
    """What continuing a trial needs (a checkpoint): weights, optimizer state, epochs done."""

    epoch: int
    model: dict[str, Any]
    optimizer: dict[str, Any]


def make_optimizer(name: str, args: dict[str, Any], params: Any) -> torch.optim.Optimizer:
    """The torch optimizer for catalog optimizer ``name`` with catalog-named ``args``."""
    kwargs = {_TORCH_KWARGS.get(k, k): v for k, v in args.items() if k not in ("beta_1", "beta_2")}
    if "beta_1" in args:
        kwargs["betas"] = (args["beta_1"], args["beta_2"])
    return _OPTIMIZERS[name](params, **kwargs)


def warm_up_torch() -> None:
    """Pay torch's lazy imports now: the first optimizer a process makes imports
    ``torch._dynamo`` (seconds), which would otherwise be timed as part of its first trial."""
    layer = torch.nn.Linear(1, 1)
    make_optimizer("adam", {}, layer.parameters())


def _load_optimizer_state(opt: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    """The checkpoint's optimizer state (moments, step counts) under the current
    hyperparameters: ``load_state_dict`` would bring back the checkpoint's learning rate."""
    configured = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    opt.load_state_dict(state)
    for group, values in zip(opt.param_groups, configured):
        group.update(values)


def _tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).to(device)


def evaluate(model: BuiltModel, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Validation loss, and for class labels accuracy and macro precision, recall and F1."""
    model.module.eval()
    total, preds = 0.0, []
    with torch.no_grad():
        for i in range(0, len(x), EVAL_BATCH):
            out = model.module(x[i : i + EVAL_BATCH])
            total += float(model.head(out, y[i : i + EVAL_BATCH])) * len(out)
            preds.append(model.head.predict(out))
    metrics = {"loss": total / len(x)}
    if y.dtype.is_floating_point:
        return metrics
    from sklearn.metrics import precision_recall_fscore_support  # ~2 s: only where trials train

    truth = y.cpu().numpy()
    pred = torch.cat(preds).cpu().numpy()
    p, r, f, _ = precision_recall_fscore_support(truth, pred, average="macro", zero_division=0)
    metrics.update(accuracy=float((pred == truth).mean()), precision=p, recall=r, f1=f)
    return {k: float(v) for k, v in metrics.items()}


def latency_ms(model: BuiltModel, x: torch.Tensor) -> float:
    """Inference time per sample in milliseconds on ``x``'s device (best of three runs)."""
    batch = x[:LATENCY_SAMPLES]
    model.module.eval()
    sync = torch.cuda.synchronize if batch.is_cuda else (lambda: None)
    best = math.inf
    with torch.no_grad():
        model.module(batch)  # warm-up
        for _ in range(3):
            sync()
            start = time.perf_counter()
            model.module(batch)
            sync()
            best = min(best, time.perf_counter() - start)
    return best / len(batch) * 1000.0


def train(
    model: BuiltModel,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    optimizer: tuple[str, dict[str, Any]],
    device: torch.device,
    seed: int,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    on_state: Callable[[TrainingState], None] | None = None,
    resume: TrainingState | None = None,
) -> dict[str, float]:
    """Train ``model`` and return the final validation metrics plus params, size_mb and
    latency_ms. ``on_epoch(epoch, metrics)`` runs after each epoch (it may raise to stop);
    ``on_state`` receives the state after each epoch, just before ``on_epoch``.

    ``resume`` continues from a checkpoint: its weights and optimizer state, then its epoch.
    The optimizer's hyperparameters stay those of ``optimizer`` (not the checkpoint's), so
    that a run resumed with new values (PBT's explore) trains with them.

    Raises TrialDiverged when an epoch's training loss is NaN or infinite.
    """
    module = model.module.to(device)
    opt = make_optimizer(optimizer[0], optimizer[1], module.parameters())
    start = 0
    if resume is not None:
        module.load_state_dict(resume.model)
        _load_optimizer_state(opt, resume.optimizer)
        start = resume.epoch
    x, y = _tensor(data.x_train, device), _tensor(data.y_train, device)
    xv, yv = _tensor(data.x_val, device), _tensor(data.y_val, device)
    gen = torch.Generator().manual_seed(seed + start)
    metrics: dict[str, float] = {}
    for epoch in range(start, epochs):
        module.train()
        order = torch.randperm(len(x), generator=gen).to(device)
        running = torch.zeros((), device=device)
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            if len(idx) == 1 and i > 0:  # batch statistics need two samples
                break
            opt.zero_grad(set_to_none=True)
            loss = model.head(module(x[idx]), y[idx])
            loss.backward()
            opt.step()
            running += loss.detach()
        if not math.isfinite(float(running)):
            raise TrialDiverged(
                f"diverged: the training loss became {float(running)} at epoch {epoch + 1}"
            )
        metrics = evaluate(model, xv, yv)
        if on_state is not None:
            on_state(TrainingState(epoch + 1, module.state_dict(), opt.state_dict()))
        if on_epoch is not None:
            on_epoch(epoch, metrics)
    if not metrics:  # resumed after its last epoch: nothing left to train
        metrics = evaluate(model, xv, yv)
    metrics["params"] = model.parameter_count()
    metrics["size_mb"] = model.size_mb()
    metrics["latency_ms"] = latency_ms(model, xv)
    return metrics
