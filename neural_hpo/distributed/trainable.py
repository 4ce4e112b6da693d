"""The DSL network trained inside a Ray trial, by the engine's own training path.

Each epoch is reported to Tune (``tune.report``) with the validation metrics and where the trial
runs (device, Ray node), so ASHA and HyperBand stop bad trials at epoch boundaries; the last
report adds the model's size and latency.
Every ``checkpoint_every`` epochs, and after the last one, the report carries a checkpoint (weights
and optimizer state) from which PBT continues another trial and ``Tuner.restore`` an
interrupted one. Each result also says ``epoch`` (epochs trained) and ``epochs`` (planned), so
that the driver tells a trial stopped early from a finished one, and ``finished_training`` stops
a trial at its last epoch (else PBT could restart a finished trial from another's last
checkpoint).
"""

from __future__ import annotations

import os
import tempfile
import zlib
from dataclasses import asdict, dataclass
from typing import Any

from neural_hpo.dsl.space.materialize import materialize
from neural_hpo.engine.datasets import DatasetSource
from neural_hpo.engine.objective import loaded_network, placement, train_network
from neural_hpo.engine.training import TrainingState
from neural_hpo.engine.values import training_value

from .params import space_values

STATE_FILE = "training_state.pt"


@dataclass
class DSLTrainable:
    """Tune's trainable for one network (picklable: Ray ships it to every worker)."""

    source: str
    network: str
    dataset_name: DatasetSource
    device: str = "auto"
    seed: int | None = None
    data_dir: str | None = None
    epochs: int | None = None
    limit: int | None = None
    checkpoint_every: int = 0  # 0: only after the last epoch

    def __call__(self, config: dict[str, Any]) -> None:
        import torch
        from ray import tune

        context = tune.get_context()
        cpus = context.get_trial_resources().required_resources.get("CPU", 1)
        torch.set_num_threads(max(1, int(cpus)))
        loaded = loaded_network(self.source, self.network)
        params = space_values(loaded.space, config)
        planned = self.planned_epochs(params)
        resume = None
        checkpoint = tune.get_checkpoint()
        if checkpoint is not None:
            with checkpoint.as_directory() as directory:
                resume = load_state(directory)
        latest: list[TrainingState] = []
        where = {**placement(loaded, self.device), **ray_node()}

        def on_epoch(epoch: int, metrics: dict[str, float]) -> None:
            if epoch + 1 < planned:  # the last epoch is reported with the final metrics below
                self._report(metrics, where, epoch + 1, planned, latest.pop())

        metrics = train_network(
            loaded,
            params,
            self.dataset_name,
            self.device,
            number=zlib.crc32(context.get_trial_id().encode()),
            seed=self.seed,
            data_dir=self.data_dir,
            epochs=self.epochs,
            limit=self.limit,
            on_epoch=on_epoch,
            on_state=latest.append,
            resume=resume,
        )
        self._report(metrics, where, planned, planned, latest.pop() if latest else None, final=True)

    def planned_epochs(self, params: dict[str, Any]) -> int:
        """The epochs a trial with ``params`` trains (``epochs`` may itself be tuned)."""
        if self.epochs:
            return int(self.epochs)
        loaded = loaded_network(self.source, self.network)
        return int(training_value(materialize(loaded.network, params, loaded.space), "epochs"))

    def _report(
        self,
        metrics: dict[str, float],
        where: dict[str, str],
        epoch: int,
        planned: int,
        state: TrainingState | None,
        final: bool = False,
    ) -> None:
        from ray import tune

        due = state is not None and (
            final or (self.checkpoint_every and state.epoch % self.checkpoint_every == 0)
        )
        result = {**metrics, **where, "epoch": epoch, "epochs": planned}
        if not due:
            tune.report(result)
            return
        with tempfile.TemporaryDirectory(prefix="neural-hpo-ckpt-") as tmp:
            save_state(state, tmp)
            tune.report(result, checkpoint=tune.Checkpoint.from_directory(tmp))


def ray_node() -> dict[str, str]:
    """The Ray node this trial runs on: ``node`` (its id, as ``ray status`` and the dashboard
    show it; several nodes may share one address) and ``node_ip``; with GPUs, ``ray_gpus``:
    the ids of those Ray gave it (``0`` for each of four trials sharing GPU 0 at 0.25 each)."""
    import ray

    where = {
        "node": ray.get_runtime_context().get_node_id(),
        "node_ip": ray.util.get_node_ip_address(),
    }
    gpus = ray.get_gpu_ids()
    if gpus:
        where["ray_gpus"] = ",".join(str(g) for g in gpus)
    return where


def finished_training(trial_id: str, result: dict[str, Any]) -> bool:
    """Tune's stop condition: the trial trained all its planned epochs."""
    return result.get("epoch", 0) >= result.get("epochs", float("inf"))


def save_state(state: TrainingState, directory: str) -> None:
    """Write a training state as a checkpoint directory's content."""
    import torch

    torch.save(asdict(state), os.path.join(directory, STATE_FILE))


def load_state(directory: str) -> TrainingState:
    """The training state of a checkpoint directory (``save_state``'s)."""
    import torch

    return TrainingState(**torch.load(os.path.join(directory, STATE_FILE), weights_only=True))
