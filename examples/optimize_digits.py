"""Optimize the seed README's network on the bundled digits data, then print the best
parameters and where the study is stored. Runs offline in about a minute on two CPU cores:

    python examples/optimize_digits.py
"""

from __future__ import annotations

from pathlib import Path

from neural_hpo import optimize_and_return

CONFIG = Path(__file__).with_name("seed_mlp.neural")


def main() -> None:
    results = optimize_and_return(
        config=CONFIG,
        n_trials=8,
        dataset_name="digits",  # scikit-learn's 8x8 digits, resized to the network's 28x28x1
        backend="pytorch",
        device="auto",
        sampler="tpe",
        enable_pruning=True,
        epochs=3,
        seed=0,
    )
    print(f"Best parameters: {results}")
    print(f"Best accuracy: {results.best_value:.4f} (trial #{results.best_trial.number})")
    print(f"Study {results.study.study_name!r} holds {len(results['_trials_history'])} trials")


if __name__ == "__main__":
    main()
