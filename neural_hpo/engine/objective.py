"""One trial: sample a configuration, build and train the model, record every metric.

``objective(trial, config, dataset_name, backend, device)`` is the seed's public objective;
other engineers (multi-objective, Ray) call it too. Metrics are recorded as trial user attributes
named as in ``neural_hpo.dsl.catalog.METRIC_SPECS``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import optuna
import torch

from neural_hpo.dsl.catalog import METRIC_SPECS
from neural_hpo.dsl.constraints import Constraint
from neural_hpo.dsl.model import HpoSpec, Network
from neural_hpo.dsl.space.materialize import materialize

from .config import LoadedNetwork, load_network
from .datasets import Dataset, DatasetSource, load_dataset
from .devices import device_label, resolve_device
from .events import RUN_ATTR
from .memory import allocator_message, is_out_of_memory
from .optuna_space import suggest_space
from .precision import effective_precision
from .torch_builder import build_model
from .training import TrainingState, TrialDiverged, train, warm_up_torch
from .values import input_shape, optimizer_config, training_options, training_value

#: backend names that mean PyTorch, the one backend that trains here
BACKENDS = ("pytorch", "torch")
#: what a trial records as user attributes: every catalog metric, and ``stopped_epoch`` with
#: early stopping (the epoch training stopped after)
RECORDED_METRICS = (*METRIC_SPECS, "stopped_epoch")


def check_backend(backend: str) -> None:
    """Only PyTorch trains models here; other backends are a clear error, not a silent switch."""
    if backend.lower() not in BACKENDS:
        raise ValueError(f"backend {backend!r} is not supported: the engine trains with 'pytorch'")


@lru_cache(maxsize=16)
def _load(source: str, network: str | None) -> LoadedNetwork:
    return load_network(source, network)


def loaded_network(config: str | os.PathLike | LoadedNetwork, network: str | None) -> LoadedNetwork:
    if isinstance(config, LoadedNetwork):
        return config
    return _load(os.fspath(config), network)


def suggest(
    trial: optuna.Trial,
    config: str | os.PathLike | LoadedNetwork,
    *,
    network: str | None = None,
) -> dict[str, Any]:
    """The network's parameter values for this trial, by DSL name (``dense_1.units``, ...), asked
    of ``trial`` define-by-run: a conditional parameter is asked only when the option holding it
    was chosen, so the study records exactly the active parameters. ``config`` is DSL text, a
    ``.neural`` path or a loaded network (parsed once per process and cached). The way to sample
    the DSL's space in an objective of your own (``objective_fn=``, or ``study.optimize``)."""
    return suggest_space(loaded_network(config, network).space, trial)


def objective(
    trial: optuna.Trial,
    config: str | os.PathLike | LoadedNetwork,
    dataset_name: DatasetSource = "digits",
    backend: str = "pytorch",
    device: str = "auto",
    *,
    network: str | None = None,
    metric: str = "accuracy",
    objectives: Sequence[str] | None = None,
    data_dir: str | None = None,
    seed: int | None = None,
    epochs: int | None = None,
    limit: int | None = None,
) -> float | tuple[float, ...]:
    """Train the network of ``config`` with the trial's parameters; return ``metric`` (or the
    ``objectives``' values, in order). Every metric is recorded as a user attribute.

    Reports ``metric`` to the trial after each epoch and raises ``optuna.TrialPruned`` when the
    pruner says so (single objective only: Optuna cannot prune multi-objective trials).
    ``epochs`` overrides the DSL's epochs; ``limit`` trains on a subset (tests, benches). The
    trial records the device it trains on (``device_label``), failed and pruned ones too.
    """
    check_backend(backend)
    loaded = loaded_network(config, network)
    params = suggest(trial, loaded)
    for key, value in placement(loaded, device).items():
        trial.set_user_attr(key, value)
    names = list(objectives) if objectives else [metric]

    def on_epoch(epoch: int, metrics: dict[str, float]) -> None:
        if len(names) > 1:
            return
        trial.report(metric_of(metrics, names[0]), epoch)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch + 1}")

    metrics = train_network(
        loaded,
        params,
        dataset_name,
        device,
        number=trial.number,
        seed=seed,
        data_dir=data_dir,
        epochs=epochs,
        limit=limit,
        on_epoch=on_epoch,
    )
    for name in RECORDED_METRICS:
        if name in metrics:
            trial.set_user_attr(name, metrics[name])
    values = tuple(metric_of(metrics, n) for n in names)
    return values[0] if len(values) == 1 else values


def placement(loaded: LoadedNetwork, device: str) -> dict[str, str]:
    """Where and how a trial trains, as its attributes say: ``device`` (``device_label``) and
    ``training_precision`` (the one it trains in: fp32 where a GPU precision is ignored)."""
    resolved = resolve_device(device)
    requested = str(training_value(loaded.network, "precision"))
    return {
        "device": device_label(resolved),
        "training_precision": effective_precision(requested, resolved),
    }


def train_network(
    loaded: LoadedNetwork,
    params: dict[str, Any],
    dataset_name: DatasetSource,
    device: str,
    *,
    number: int,
    seed: int | None = None,
    data_dir: str | None = None,
    epochs: int | None = None,
    limit: int | None = None,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    on_state: Callable[[TrainingState], None] | None = None,
    resume: TrainingState | None = None,
) -> dict[str, float]:
    """Build and train the network with ``params``: the one training path of Optuna trials and
    Ray trials alike. ``number`` offsets the seed (torch init, batch order) per trial.
    Returns ``train``'s metrics; ``on_epoch``, ``on_state`` and ``resume`` are ``train``'s."""
    concrete = materialize(loaded.network, params, loaded.space)
    base_seed = _base_seed(concrete, seed)
    torch.manual_seed(base_seed + number)
    model = build_model(concrete)
    data = _data(concrete, dataset_name, base_seed, data_dir, limit)
    return train(
        model,
        data,
        epochs=int(epochs or training_value(concrete, "epochs")),
        batch_size=int(training_value(concrete, "batch_size")),
        optimizer=optimizer_config(concrete),
        options=training_options(concrete),
        device=resolve_device(device),
        seed=base_seed + number,
        on_epoch=on_epoch,
        on_state=on_state,
        resume=resume,
    )


def _base_seed(network: Network, seed: int | None) -> int:
    return int(seed if seed is not None else training_value(network, "seed"))


def _data(
    network: Network, source: DatasetSource, seed: int, data_dir: str | None, limit: int | None
) -> Dataset:
    split = float(training_value(network, "validation_split"))
    return load_dataset(
        source,
        input_shape(network),
        validation_split=split,
        seed=seed,
        data_dir=data_dir,
        limit=limit,
    )


def warm_up(
    config: str | os.PathLike | LoadedNetwork,
    dataset_name: DatasetSource = "digits",
    *,
    network: str | None = None,
    data_dir: str | None = None,
    seed: int | None = None,
    limit: int | None = None,
) -> None:
    """Load what every trial of a worker shares (torch's lazy modules, the network, a named or
    file dataset) before the first trial, so that trials time only their own work. A tuned validation_split or a
    callable dataset is left to the trials."""
    warm_up_torch()
    loaded = loaded_network(config, network)
    split = loaded.network.training("validation_split")
    if callable(dataset_name) or (split is not None and isinstance(split.value, HpoSpec)):
        return
    _data(loaded.network, dataset_name, _base_seed(loaded.network, seed), data_dir, limit)


def metric_of(metrics: dict[str, float], name: str) -> float:
    """``metrics[name]``; a clear error naming what was measured when it is not there."""
    if name not in metrics:
        raise ValueError(f"metric {name!r} is not measured here (measured: {', '.join(metrics)})")
    return metrics[name]


def failure_reason(exc: BaseException) -> str:
    """The ``fail_reason`` a failed trial carries: diverged, out of memory, or the error."""
    if isinstance(exc, TrialDiverged):
        return str(exc)
    if is_out_of_memory(exc):
        return f"out of memory: {allocator_message(exc)}"
    return f"{type(exc).__name__}: {exc}"


#: the objective signature the engine calls: (trial, config, dataset_name, backend, device)
ObjectiveFn = Callable[..., Any]


@dataclass
class TrialRunner:
    """What a worker calls per trial: the objective with its fixed arguments, guarded so that a
    failure records its reason on the trial (Ctrl-C: "interrupted"), then the trial's constraint
    values (from the metrics the objective recorded, before Optuna finishes the trial). With a
    ``run_id`` each trial is tagged with it first (``events.RUN_ATTR``), so a progress bar counts
    this run's trials apart from other writers'. Picklable, for spawned workers."""

    fn: ObjectiveFn
    config: str
    dataset_name: DatasetSource
    backend: str
    device: str
    warm_up: Callable[[], None] | None = None  # run once per worker before its first trial
    constraints: tuple[Constraint, ...] = ()
    run_id: str | None = None

    def __call__(self, trial: optuna.Trial) -> Any:
        if self.run_id is not None:
            trial.storage.set_trial_system_attr(trial._trial_id, RUN_ATTR, self.run_id)
        try:
            values = self.fn(trial, self.config, self.dataset_name, self.backend, self.device)
            record_constraints(trial, self.constraints)
            return values
        except optuna.TrialPruned:
            raise
        except KeyboardInterrupt:
            trial.set_user_attr("fail_reason", "interrupted")
            raise
        except Exception as exc:
            trial.set_user_attr("fail_reason", failure_reason(exc))
            if is_out_of_memory(exc) and torch.cuda.is_available():
                torch.cuda.empty_cache()  # the worker's next trial gets the memory back
            raise


def record_constraints(trial: Any, constraints: Iterable[Constraint]) -> None:
    """Set each constraint's value on the (running) Optuna ``trial`` from the metric the
    objective recorded as a user attribute; a metric it did not record is an error."""
    attrs = trial.user_attrs
    for c in constraints:
        value = attrs.get(c.metric)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError(
                f"constraint {c}: the objective recorded no {c.metric!r} "
                "(set it with trial.set_user_attr)"
            )
        trial.set_constraint(c.key, c.violation(float(value)))
