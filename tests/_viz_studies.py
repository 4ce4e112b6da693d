"""Real Optuna studies for the visualization and report tests, on cheap synthetic objectives.

Trials record ``accuracy`` and ``loss`` as user attributes, as the engine does.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

optuna.logging.set_verbosity(optuna.logging.ERROR)

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'

DISTRIBUTIONS = {
    "learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
    "batch_size": CategoricalDistribution([16, 32, 64]),
    "dropout": FloatDistribution(0.1, 0.6),
    "layers": IntDistribution(1, 4),
    "activation": CategoricalDistribution(["relu", "tanh"]),
}


def _accuracy(p: dict) -> float:
    return (
        0.9
        - 0.08 * abs(math.log10(p["learning_rate"]) + 2.5)
        - 0.3 * (p["dropout"] - 0.3) ** 2
        + (0.02 if p["batch_size"] == 32 else 0.0)
        + (0.01 if p["activation"] == "relu" else 0.0)
        + 0.005 * p["layers"]
    )


def _name_metrics(study: optuna.Study, names: list[str]) -> None:
    with warnings.catch_warnings():  # set_metric_names is experimental in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(names)


def _suggest(trial: optuna.Trial) -> dict:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64]),
        "dropout": trial.suggest_float("dropout", 0.1, 0.6),
        "layers": trial.suggest_int("layers", 1, 4),
        "activation": trial.suggest_categorical("activation", ["relu", "tanh"]),
    }


def _objective(trial: optuna.Trial) -> float:
    acc = _accuracy(_suggest(trial))
    if trial.number == 3:
        trial.set_user_attr("fail_reason", "ValueError: diverged, loss is nan")
        raise ValueError("diverged")
    for step in range(6):
        trial.report(acc * (1 - 0.5 ** (step + 1)), step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    trial.set_user_attr("accuracy", acc)
    trial.set_user_attr("loss", 1 - acc)
    return acc


def single_objective(n_trials: int = 40, sampler: str = "tpe", name: str = "cnn") -> optuna.Study:
    samplers = {
        "tpe": optuna.samplers.TPESampler(seed=0, n_startup_trials=10),
        "random": optuna.samplers.RandomSampler(seed=1),
    }
    study = optuna.create_study(
        study_name=name,
        direction="maximize",
        sampler=samplers[sampler],
        pruner=optuna.pruners.MedianPruner(n_startup_trials=8, n_warmup_steps=2),
    )
    _name_metrics(study, ["accuracy"])
    study.set_user_attr(
        "dsl_source", "network CNN {\n  Dense(units: hpo(categorical: [64, 128]))\n}"
    )
    study.optimize(_objective, n_trials=n_trials, catch=(ValueError,))
    return study


def multi_objective(n_trials: int = 30) -> optuna.Study:
    def objective(trial: optuna.Trial) -> tuple[float, float]:
        acc = _accuracy(_suggest(trial))
        trial.set_user_attr("accuracy", acc)
        trial.set_user_attr("loss", 1 - acc)
        latency = 5.0 * trial.params["layers"] + 1000 * trial.params["learning_rate"]
        trial.set_user_attr("latency_ms", latency)
        return 1 - acc, acc - 0.01 * latency

    study = optuna.create_study(
        study_name="moo",
        directions=["minimize", "maximize"],
        sampler=optuna.samplers.NSGAIISampler(seed=0, population_size=10),
    )
    _name_metrics(study, ["loss", "accuracy"])
    study.optimize(objective, n_trials=n_trials)
    return study


def large(n: int, name: str = "large") -> optuna.Study:
    """``n`` complete trials added directly, as fast as Optuna can store them."""
    rng = np.random.default_rng(0)
    trials = []
    for _ in range(n):
        p = {
            "learning_rate": float(10 ** rng.uniform(-4, -1)),
            "batch_size": int(rng.choice([16, 32, 64])),
            "dropout": float(rng.uniform(0.1, 0.6)),
            "layers": int(rng.integers(1, 5)),
            "activation": str(rng.choice(["relu", "tanh"])),
        }
        acc = _accuracy(p) + float(rng.normal(0, 0.01))
        trials.append(
            create_trial(
                value=acc,
                params=p,
                distributions=DISTRIBUTIONS,
                user_attrs={"accuracy": acc, "loss": 1 - acc},
                intermediate_values={s: acc * (1 - 0.5 ** (s + 1)) for s in range(4)},
            )
        )
    study = optuna.create_study(study_name=name, direction="maximize")
    _name_metrics(study, ["accuracy"])
    study.add_trials(trials)
    return study


def hostile() -> optuna.Study:
    """Every user-supplied string carries markup: study, parameter, choice, fail reason."""
    dists = {
        f"lr{HOSTILE}": FloatDistribution(1e-4, 1e-1, log=True),
        f"act{HOSTILE}": CategoricalDistribution(["relu", HOSTILE]),
    }
    rng = np.random.default_rng(0)
    trials = []
    for i in range(12):
        p = {
            f"lr{HOSTILE}": float(10 ** rng.uniform(-4, -1)),
            f"act{HOSTILE}": ["relu", HOSTILE][i % 2],
        }
        acc = 0.8 + 0.01 * i
        trials.append(
            create_trial(
                value=acc,
                params=p,
                distributions=dists,
                user_attrs={"accuracy": acc, "loss": 1 - acc},
            )
        )
    trials.append(
        create_trial(
            state=TrialState.FAIL,
            params=p,
            distributions=dists,
            user_attrs={"fail_reason": f"RuntimeError: {HOSTILE}"},
        )
    )
    study = optuna.create_study(study_name=HOSTILE, direction="maximize")
    _name_metrics(study, ["accuracy"])
    study.set_user_attr("dsl_source", f"network {HOSTILE} {{ }}")
    study.add_trials(trials)
    return study
