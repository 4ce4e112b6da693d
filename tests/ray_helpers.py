"""Shared helpers of the Ray tests: a local Ray on loopback, small networks and trainables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
#: Ray's workers import neural_hpo from this checkout, and these helpers
RUNTIME_ENV = {"env_vars": {"PYTHONPATH": os.pathsep.join([ROOT, str(Path(ROOT) / "tests")])}}

#: a fast network on the native 8x8 digits whose learning rate spans good and hopeless values
DIGITS = """
network Digits {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 32])) -> relu
    Dropout(rate: hpo(range: [0.0, 0.4, step=0.2]))
    Output(units: 10)
    optimizer: adam(learning_rate: hpo(log_range: [1e-4, 3e-2]))
    training: { batch_size: hpo(categorical: [32, 64]), epochs: 4 }
}
"""


def local_ray() -> Iterator[None]:
    """A local Ray with two CPUs for the tests of one module, shut down after them."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, runtime_env=RUNTIME_ENV)
    try:
        yield
    finally:
        ray.shutdown()


def finished(url: str) -> list:
    """The trials of the one study at ``url`` (none before it exists)."""
    import optuna

    names = optuna.get_all_study_names(url)
    if not names:
        return []
    return optuna.load_study(study_name=names[0], storage=url).get_trials()


def small_trainable(config: dict) -> None:
    """Reports a made-up accuracy for a few iterations: a trainable that costs nothing."""
    from ray import tune

    for step in range(3):
        score = 1.0 - abs(config["learning_rate"] - 0.01) - config["dropout_rate"] / 10
        tune.report({"accuracy": score * (step + 1) / 3, "batch": config["batch_size"]})
