"""Per-trial overhead of ``optimize_and_return`` against a bare Optuna loop.

Both run the same trivial objective (sample the seed example's space, return a number) on the
same SQLite storage settings (``neural_hpo.engine.study.open_storage``) with the same sampler.
Rounds alternate which side runs first; the printed ratio is the median over rounds.
Per-trial time is measured from the trials' own timestamps (first start to last end), which
leaves out the one-off setup; the total wall time including setup is printed too.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import optuna

from neural_hpo import optimize_and_return
from neural_hpo.engine.objective import loaded_network
from neural_hpo.engine.optuna_space import suggest_space
from neural_hpo.engine.study import open_storage

CONFIG = (Path(__file__).resolve().parents[1] / "examples" / "seed_mlp.neural").read_text()
N_TRIALS = 60
ROUNDS = 11


def trivial(trial, config, dataset_name=None, backend=None, device=None) -> float:
    params = suggest_space(loaded_network(config, None).space, trial)
    return params["dense_1.units"] * params["dropout_1.rate"]


def per_trial(study: optuna.Study) -> float:
    trials = study.get_trials(deepcopy=False)
    span = max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)
    return span.total_seconds() / len(trials)


def engine(url: str, name: str) -> tuple[float, float]:
    start = time.perf_counter()
    result = optimize_and_return(
        CONFIG,
        N_TRIALS,
        storage=url,
        study_name=name,
        sampler="random",
        seed=0,
        objective_fn=trivial,
    )
    return per_trial(result.study), time.perf_counter() - start


def bare(url: str, name: str) -> tuple[float, float]:
    start = time.perf_counter()
    study = optuna.create_study(
        storage=open_storage(url),
        study_name=name,
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    study.optimize(lambda t: trivial(t, CONFIG), n_trials=N_TRIALS)
    return per_trial(study), time.perf_counter() - start


def main() -> int:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    trivial_trial = optuna.create_study()
    trivial(trivial_trial.ask(), CONFIG)  # parse once, outside the timings
    per_ratio, total_ratio = [], []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for r in range(ROUNDS):
            order = [("engine", engine), ("bare", bare)]
            if r % 2:
                order.reverse()
            got = {label: fn(url, f"{label}-{r}") for label, fn in order}
            per_ratio.append(got["engine"][0] / got["bare"][0])
            total_ratio.append(got["engine"][1] / got["bare"][1])
            print(
                f"round {r}: per trial engine {got['engine'][0] * 1000:.2f} ms, "
                f"bare {got['bare'][0] * 1000:.2f} ms; total engine {got['engine'][1]:.2f} s, "
                f"bare {got['bare'][1]:.2f} s"
            )
    print(
        f"per-trial overhead ratio (median of {ROUNDS}): {statistics.median(per_ratio):.3f} (target <= 1.05)"
    )
    print(f"total time ratio incl. setup (median): {statistics.median(total_ratio):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
