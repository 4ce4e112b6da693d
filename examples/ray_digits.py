"""Optimize the seed README's network on the bundled digits data with Ray Tune: a local Ray on
this machine, ASHA stopping the weak trials after their first epochs, TPE (through Ray's
OptunaSearch) choosing the configurations. The trials land in the same Optuna study a local run
would use, so ``neural-hpo studies`` and ``neural-hpo report`` show them. About a minute on two
CPU cores, offline:

    python examples/ray_digits.py

Pass ``RayOptions(address="HOST:PORT")`` to run on a cluster instead.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from neural_hpo import RayOptions, optimize_and_return

CONFIG = Path(__file__).with_name("seed_mlp.neural")


def main() -> None:
    results = optimize_and_return(
        config=CONFIG,
        n_trials=8,
        dataset_name="digits",
        sampler="tpe",
        use_ray=True,
        epochs=3,
        seed=0,
        ray_options=RayOptions(scheduler="asha", cpus_per_trial=1),
    )
    states = Counter(t.state.name for t in results.study.trials)
    print(f"Best parameters: {results}")
    print(f"Best accuracy: {results.best_value:.4f} (trial #{results.best_trial.number})")
    print(f"Study {results.study.study_name!r}: {dict(states)}")


if __name__ == "__main__":
    main()
