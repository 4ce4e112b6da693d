"""The training loop of one trial: seeded, on one device, validated every epoch.

Independent of Optuna and Ray: the objective passes ``on_epoch`` to report and prune; a Ray
trial also passes ``on_state`` to checkpoint and ``resume`` to continue from a checkpoint.
"""

from __future__ import annotations

import math
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from neural_hpo.dsl.catalog import TOP_K

from .datasets import Dataset
from .losses import LossHead
from .precision import Precision
from .scores import macro_prf, roc_auc
from .torch_builder import BuiltModel
from .values import TrainingOptions

#: catalog optimizer argument -> torch keyword, where they differ (betas are built separately)
_TORCH_KWARGS = {"learning_rate": "lr", "epsilon": "eps", "rho": "alpha"}

#: catalog optimizer name -> torch optimizer class
OPTIMIZER_CLASSES: dict[str, type[torch.optim.Optimizer]] = {
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
    return OPTIMIZER_CLASSES[name](params, **kwargs)


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


#: datasets' tensors on a device, newest last: (dataset, device) -> (x, y, x_val, y_val)
_ON_DEVICE: OrderedDict[tuple[int, str], tuple[weakref.ref, tuple[torch.Tensor, ...]]] = (
    OrderedDict()
)
ON_DEVICE_KEPT = 2


def device_tensors(data: Dataset, device: torch.device) -> tuple[torch.Tensor, ...]:
    """``data``'s four arrays as tensors on ``device``, copied there once per process: a
    worker's trials share the dataset object (``datasets`` caches it), so they share its copy
    on the GPU too. The last ``ON_DEVICE_KEPT`` datasets stay (a tuned split makes several)."""
    key = (id(data), str(device))
    hit = _ON_DEVICE.get(key)
    if hit is not None and hit[0]() is data:
        _ON_DEVICE.move_to_end(key)
        return hit[1]
    arrays = (data.x_train, data.y_train, data.x_val, data.y_val)
    tensors = tuple(_tensor(a, device) for a in arrays)
    _ON_DEVICE[key] = (weakref.ref(data), tensors)
    while len(_ON_DEVICE) > ON_DEVICE_KEPT:
        _ON_DEVICE.popitem(last=False)
    return tensors


def evaluate(model: BuiltModel, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Validation loss, mae and mse; for class labels also accuracy, macro precision, recall
    and F1, top-k accuracy and macro one-vs-rest ROC-AUC."""
    model.module.eval()
    total, outs = 0.0, []
    with torch.no_grad():
        for i in range(0, len(x), EVAL_BATCH):
            out = model.module(x[i : i + EVAL_BATCH])
            total += float(model.head(out, y[i : i + EVAL_BATCH])) * len(out)
            outs.append(out)
    out = torch.cat(outs)
    metrics = {"loss": total / len(x), **_errors(model.head, out, y)}
    if y.dtype.is_floating_point:
        return metrics
    truth = y.cpu().numpy()
    pred = model.head.predict(out).cpu().numpy()
    p, r, f = macro_prf(truth, pred)
    metrics.update(accuracy=float((pred == truth).mean()), precision=p, recall=r, f1=f)
    metrics.update(_ranking(model.head.probabilities(out), y))
    return {k: float(v) for k, v in metrics.items()}


def _errors(head: LossHead, out: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """mae and mse: of the outputs against the targets for regression, of the predicted
    probabilities against one-hot labels for classes (as Keras computes them)."""
    if y.dtype.is_floating_point:
        pred, target = out, head.targets(y, out)
    else:
        pred = head.probabilities(out)
        target = (
            torch.nn.functional.one_hot(y.long(), pred.shape[1]).to(pred.dtype)
            if pred.dim() == 2 and pred.shape[1] > 1
            else y.to(pred.dtype).reshape(pred.shape)
        )
    diff = pred.float() - target.float()
    return {"mae": float(diff.abs().mean()), "mse": float((diff**2).mean())}


def _ranking(probs: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Top-k accuracy (several outputs only) and macro one-vs-rest ROC-AUC over the classes
    that the validation labels hold with both positives and negatives (none: not recorded)."""
    out: dict[str, float] = {}
    truth = y.cpu().numpy().astype(int)
    scores = probs.float().cpu().numpy()
    if scores.ndim == 2 and scores.shape[1] > 1:
        k = min(TOP_K, scores.shape[1])
        top = probs.topk(k, dim=1).indices
        out["top_k_categorical_accuracy"] = float(
            (top == y.long()[:, None]).any(dim=1).float().mean()
        )
        columns = [(truth == c, scores[:, c]) for c in range(scores.shape[1])]
    else:
        columns = [(truth == 1, scores.reshape(-1))]
    aucs = [roc_auc(pos, s) for pos, s in columns if 0 < pos.sum() < len(pos)]
    if aucs:
        out["auc"] = float(np.mean(aucs))
    return out


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


class _Schedule:
    """A torch scheduler for a catalog schedule, stepped per optimizer step (ExponentialDecay:
    ExponentialLR, or StepLR when staircase) or per epoch (StepDecay: StepLR)."""

    def __init__(self, opt: torch.optim.Optimizer, schedule: tuple[str, dict[str, Any]]):
        name, a = schedule
        sched = torch.optim.lr_scheduler
        self.per_batch = name == "ExponentialDecay"
        if name == "StepDecay":
            self.torch = sched.StepLR(opt, step_size=a["step_size"], gamma=a["gamma"])
        elif a["staircase"]:
            self.torch = sched.StepLR(opt, step_size=a["decay_steps"], gamma=a["decay_rate"])
        else:
            gamma = a["decay_rate"] ** (1.0 / a["decay_steps"])
            self.torch = sched.ExponentialLR(opt, gamma=gamma)

    def fast_forward(self, epochs: int, batches_per_epoch: int) -> None:
        """Where a trial resumed after ``epochs`` epochs would be (the closed form, as the
        checkpoint holds no scheduler)."""
        self.torch.last_epoch = epochs * batches_per_epoch if self.per_batch else epochs
        for group, lr in zip(self.torch.optimizer.param_groups, self.torch._get_closed_form_lr()):
            group["lr"] = lr

    def after(self, per_batch: bool) -> None:
        if per_batch == self.per_batch:
            self.torch.step()


def _clip(params: list[torch.nn.Parameter], options: TrainingOptions) -> None:
    """Keras' clipvalue (each element) and clipnorm (each tensor), then the global norm."""
    if options.clipvalue is not None:
        torch.nn.utils.clip_grad_value_(params, options.clipvalue)
    if options.clipnorm is not None:
        for p in params:
            torch.nn.utils.clip_grad_norm_(p, options.clipnorm)
    if options.gradient_clip is not None:
        torch.nn.utils.clip_grad_norm_(params, options.gradient_clip)


def _should_stop(history: list[float], patience: int | None) -> bool:
    """Early stopping: ``patience`` epochs in a row without a validation loss below the best
    one before them."""
    if patience is None or len(history) <= patience:
        return False
    best_before = min(history[:-patience])
    return min(history[-patience:]) >= best_before


def train(
    model: BuiltModel,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    optimizer: tuple[str, dict[str, Any]],
    device: torch.device,
    seed: int,
    options: TrainingOptions | None = None,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    on_state: Callable[[TrainingState], None] | None = None,
    resume: TrainingState | None = None,
) -> dict[str, float]:
    """Train ``model`` and return the final validation metrics plus params, size_mb and
    latency_ms (and ``stopped_epoch`` with early stopping). ``options``: clipping, early
    stopping, the learning-rate schedule. ``on_epoch(epoch, metrics)`` runs after each epoch
    (it may raise to stop); ``on_state`` receives the state after each epoch, just before
    ``on_epoch``.

    ``resume`` continues from a checkpoint: its weights and optimizer state, then its epoch.
    The optimizer's hyperparameters stay those of ``optimizer`` (not the checkpoint's), so
    that a run resumed with new values (PBT's explore) trains with them.

    Raises TrialDiverged when an epoch's training loss is NaN or infinite.
    """
    options = options or TrainingOptions()
    module = model.module.to(device)
    params = [p for p in module.parameters() if p.requires_grad]
    opt = make_optimizer(optimizer[0], optimizer[1], module.parameters())
    start = 0
    if resume is not None:
        module.load_state_dict(resume.model)
        _load_optimizer_state(opt, resume.optimizer)
        start = resume.epoch
    x, y, xv, yv = device_tensors(data, device)
    precision = Precision.of(options.precision, device)
    schedule = _Schedule(opt, options.schedule) if options.schedule else None
    if schedule is not None and start:
        schedule.fast_forward(start, math.ceil(len(x) / batch_size))
    gen = torch.Generator().manual_seed(seed + start)
    metrics: dict[str, float] = {}
    history: list[float] = []
    for epoch in range(start, epochs):
        _train_epoch(
            model, opt, (x, y), batch_size, gen, epoch, (params, options), precision, schedule
        )
        metrics = evaluate(model, xv, yv)
        history.append(metrics["loss"])
        if on_state is not None:
            on_state(TrainingState(epoch + 1, module.state_dict(), opt.state_dict()))
        if on_epoch is not None:
            on_epoch(epoch, metrics)
        if _should_stop(history, options.early_stopping):
            break
    if not metrics:  # resumed after its last epoch: nothing left to train
        metrics = evaluate(model, xv, yv)
    if options.early_stopping is not None:
        metrics["stopped_epoch"] = start + len(history)
    metrics["params"] = model.parameter_count()
    metrics["size_mb"] = model.size_mb()
    metrics["latency_ms"] = latency_ms(model, xv)
    return metrics


def _train_epoch(
    model: BuiltModel,
    opt: torch.optim.Optimizer,
    xy: tuple[torch.Tensor, torch.Tensor],
    batch_size: int,
    gen: torch.Generator,
    epoch: int,
    clipping: tuple[list[torch.nn.Parameter], TrainingOptions],
    precision: Precision,
    schedule: _Schedule | None,
) -> None:
    """One pass over the training data in a seeded order, the forward pass and loss in the
    trial's precision; raises TrialDiverged on NaN."""
    (x, y), module = xy, model.module
    module.train()
    order = torch.randperm(len(x), generator=gen).to(x.device)
    running = torch.zeros((), device=x.device)
    for i in range(0, len(x), batch_size):
        idx = order[i : i + batch_size]
        if len(idx) == 1 and i > 0:  # batch statistics need two samples
            break
        opt.zero_grad(set_to_none=True)
        with precision.autocast():
            loss = model.head(module(x[idx]), y[idx])
        precision.step(loss, opt, lambda: _clip(*clipping))
        if schedule is not None:
            schedule.after(per_batch=True)
        running += loss.detach().float()
    if schedule is not None:
        schedule.after(per_batch=False)
    if not math.isfinite(float(running)):
        raise TrialDiverged(
            f"diverged: the training loss became {float(running)} at epoch {epoch + 1}"
        )
