"""A custom objective: the DSL's search space, your own training code.

``suggest(trial, config)`` asks the trial for the network's parameters by their DSL names
(define-by-run: the conditional width of examples/tabular_mlp.neural is asked only when chosen);
here scikit-learn's MLPClassifier trains on digits with them, in place of the engine's torch model.

    python examples/custom_objective.py [n_trials]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier

from neural_hpo import optimize_and_return, suggest

CONFIG = Path(__file__).resolve().parent / "tabular_mlp.neural"
X, Y = load_digits(return_X_y=True)


def sklearn_objective(trial, config, *_):
    p = suggest(trial, config)
    second = p.get("dense_2.units[0]", 128)  # the conditional parameter, when it is active
    model = MLPClassifier(
        hidden_layer_sizes=(p["width"], second),
        activation={"gelu": "relu"}.get(p["dense_1.activation"], p["dense_1.activation"]),
        learning_rate_init=p["optimizer.learning_rate"],
        alpha=p["optimizer.weight_decay"],
        batch_size=p["training.batch_size"],
        max_iter=p["training.epochs"],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cross_val_score(model, X / 16.0, Y, cv=3).mean()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    result = optimize_and_return(CONFIG, n, objective_fn=sklearn_objective, storage=":memory:")
    print(f"best accuracy {result.best_value:.4f} with {result.params}")
