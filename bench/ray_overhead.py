"""What Ray costs on one machine: wall time of the same tiny DSL study (digits, 8 trials of 3
epochs) on two local worker processes and on a local Ray with two one-CPU trials at a time
(FIFO, TPE through OptunaSearch), and Ray's start-up and shut-down on their own.

    PYTHONPATH=. python bench/ray_overhead.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import optuna

from neural_hpo import RayOptions, optimize_and_return

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

CONFIG = """
network Tiny {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 32, 64])) -> relu
    Output(units: 10)
    optimizer: adam(learning_rate: hpo(log_range: [1e-3, 3e-2]))
    training: { batch_size: 32, epochs: 3 }
}
"""
N_TRIALS = 8


def study(tmp: str, name: str, **kwargs) -> float:
    start = time.perf_counter()
    optimize_and_return(
        CONFIG,
        N_TRIALS,
        storage=f"sqlite:///{tmp}/bench.db",
        study_name=name,
        seed=0,
        **kwargs,
    )
    return time.perf_counter() - start


def ray_start_up() -> tuple[float, float]:
    import ray

    start = time.perf_counter()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    up = time.perf_counter() - start
    start = time.perf_counter()
    ray.shutdown()
    return up, time.perf_counter() - start


def main() -> int:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        local = study(tmp, "local", n_jobs=2)
        on_ray = study(
            tmp,
            "ray",
            use_ray=True,
            ray_options=RayOptions(scheduler="fifo", storage_path=f"{tmp}/ray"),
        )
    up, down = ray_start_up()
    print(f"{N_TRIALS} trials, 2 at a time: local workers {local:.1f} s, Ray {on_ray:.1f} s")
    print(f"Ray / local: {on_ray / local:.2f}x ({on_ray - local:+.1f} s)")
    print(f"Ray start-up {up:.1f} s, shut-down {down:.1f} s (included in the Ray figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
