"""How long a study will take, before it runs: a few real training batches timed at the
smallest and the largest corner of the space (by parameter count, ``dsl.cost``; the first with the largest batches and fewest epochs, the second with the smallest
and most, where those are tuned) on the chosen
device, scaled to an epoch (its batches plus one validation pass), a trial (its epochs, plus
what each trial pays once: loading the data, building the model, measuring its latency) and the
budget (trials x trial, over ``jobs`` parallel workers). Pruning is not counted: pruned trials end sooner, so a pruned study
takes less.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch

from neural_hpo.dsl.cost import extreme_corners
from neural_hpo.dsl.space.materialize import materialize
from neural_hpo.labels import duration

from .config import load_network
from .datasets import DatasetSource
from .devices import resolve_device
from .objective import _data
from .torch_builder import build_model
from .training import _tensor, evaluate, latency_ms, make_optimizer, warm_up_torch
from .values import optimizer_config, training_value
from .workers import one_thread

#: batches timed per corner (after one untimed warm-up batch)
DEFAULT_BATCHES = 20


@dataclass
class CornerTime:
    """One corner's measured times (seconds)."""

    params: dict[str, Any]
    parameters: int
    batch_size: int
    batches_per_epoch: int
    epochs: int
    batch_s: float
    validation_s: float
    setup_s: float  # per trial: data, model, the latency measurement

    @property
    def epoch_s(self) -> float:
        return self.batch_s * self.batches_per_epoch + self.validation_s

    @property
    def trial_s(self) -> float:
        return self.setup_s + self.epoch_s * self.epochs


@dataclass
class Estimate:
    """Per-trial and whole-budget estimates between the smallest and the largest corner
    (``jobs`` workers in parallel, each on one thread as the engine runs them)."""

    network: str
    device: str
    train_samples: int
    n_trials: int
    smallest: CornerTime
    largest: CornerTime
    jobs: int = 1

    def trial_s(self) -> tuple[float, float]:
        times = (self.smallest.trial_s, self.largest.trial_s)
        return min(times), max(times)

    def budget_s(self) -> tuple[float, float]:
        lo, hi = self.trial_s()
        rounds = math.ceil(self.n_trials / self.jobs)  # jobs workers run trials side by side
        return lo * rounds, hi * rounds

    def lines(self) -> list[str]:
        """The report ``neural-hpo estimate`` prints and the editor shows."""
        out = [f"{self.network} on {self.device}, {self.train_samples} training samples:"]
        for label, c in (("smallest", self.smallest), ("largest", self.largest)):
            out.append(
                f"  {label} corner ({c.parameters:,} parameters): {c.batch_s * 1000:.3g} ms per "
                f"batch of {c.batch_size}, {duration(c.epoch_s)} per epoch, "
                f"{duration(c.trial_s)} per trial ({c.epochs} epochs)"
            )
        lo, hi = self.budget_s()
        out.append(
            f"  {self.n_trials} trials"
            + (f" on {self.jobs} workers" if self.jobs > 1 else "")
            + f": {duration(lo)} – {duration(hi)} "
            "(pruning not counted: pruned trials end sooner)"
        )
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("smallest", "largest"):
            c = getattr(self, key)
            data[key].update(epoch_s=c.epoch_s, trial_s=c.trial_s)
        data.update(
            trial_s=list(self.trial_s()), budget_s=list(self.budget_s()), lines=self.lines()
        )
        return data


def estimate(
    config: str | os.PathLike,
    *,
    network: str | None = None,
    dataset_name: DatasetSource = "digits",
    device: str = "auto",
    n_trials: int | None = None,
    epochs: int | None = None,
    batches: int = DEFAULT_BATCHES,
    data_dir: str | None = None,
    limit: int | None = None,
    jobs: int = 1,
) -> Estimate:
    """Time ``batches`` training batches at the smallest and largest corner of ``config``'s
    network on ``device`` (see the module docstring)."""
    if batches < 1 or jobs < 1:
        raise ValueError(f"batches and jobs must be at least 1, not {batches} and {jobs}")
    loaded = load_network(config, network)
    dev = resolve_device(device)
    warm_up_torch()
    low, high = _fastest_and_slowest(loaded.space, *extreme_corners(loaded.network, loaded.space))
    with one_thread():  # as each trial process trains
        times = [
            _time_corner(loaded, params, dataset_name, dev, batches, epochs, data_dir, limit)
            for params in (low, high)
        ]
    trials = int(n_trials or training_value(loaded.network, "n_trials"))
    return Estimate(
        loaded.network.name, str(dev), times[0][1], trials, times[0][0], times[1][0], jobs
    )


def _fastest_and_slowest(space: Any, low: dict, high: dict) -> tuple[dict, dict]:
    """The fewest-parameter corner with the largest batches and fewest epochs, the
    most-parameter one with the smallest batches and most epochs (where those are tuned)."""
    for p in space:
        if p.path in ("training.batch_size", "training.epochs") and p.parent is None:
            values = sorted(p.grid() or [p.low, p.high])
            fast, slow = (
                (values[-1], values[0])
                if p.path.endswith("batch_size")
                else (values[0], values[-1])
            )
            low, high = {**low, p.name: fast}, {**high, p.name: slow}
    return low, high


def _time_corner(
    loaded: Any,
    params: dict[str, Any],
    source: DatasetSource,
    device: torch.device,
    batches: int,
    epochs: int | None,
    data_dir: str | None,
    limit: int | None,
) -> tuple[CornerTime, int]:
    t_setup = time.perf_counter()
    concrete = materialize(loaded.network, params, loaded.space)
    seed = int(training_value(concrete, "seed"))
    torch.manual_seed(seed)
    model = build_model(concrete)
    data = _data(concrete, source, seed, data_dir, limit)
    batch_size = int(training_value(concrete, "batch_size"))
    module = model.module.to(device)
    opt = make_optimizer(*optimizer_config(concrete), module.parameters())
    x, y = _tensor(data.x_train, device), _tensor(data.y_train, device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    setup_s = time.perf_counter() - t_setup
    module.train()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed)).to(device)
    for k in range(batches + 1):  # the first batch is a warm-up; batches drawn as train() does
        if k == 1:
            sync()
            t0 = time.perf_counter()
        start = (k * batch_size) % max(1, len(x) - batch_size + 1)
        idx = order[start : start + batch_size]
        opt.zero_grad(set_to_none=True)
        model.head(module(x[idx]), y[idx]).backward()
        opt.step()
    sync()
    batch_s = (time.perf_counter() - t0) / batches
    t0 = time.perf_counter()
    xv = _tensor(data.x_val, device)
    evaluate(model, xv, _tensor(data.y_val, device))
    sync()
    validation_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    latency_ms(model, xv)
    corner = CornerTime(
        params=dict(params),
        parameters=model.parameter_count(),
        batch_size=batch_size,
        batches_per_epoch=math.ceil(len(x) / batch_size),
        epochs=int(epochs or training_value(concrete, "epochs")),
        batch_s=batch_s,
        validation_s=validation_s,
        setup_s=setup_s + time.perf_counter() - t0,
    )
    return corner, len(x)
