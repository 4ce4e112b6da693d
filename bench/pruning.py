"""Pruning on the seed example's space (digits, 10 epochs as the DSL default): the same TPE
seed with and without the median pruner; wall time saved and the best accuracy of each."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from neural_hpo import optimize_and_return

CONFIG = (Path(__file__).resolve().parents[1] / "examples" / "seed_mlp.neural").read_text()
N_TRIALS = 30


def run(url: str, pruning: bool) -> tuple[float, float, int]:
    start = time.perf_counter()
    result = optimize_and_return(
        CONFIG,
        N_TRIALS,
        dataset_name="digits",
        sampler="tpe",
        seed=0,
        enable_pruning=pruning,
        storage=url,
        study_name=f"pruning-{pruning}",
    )
    pruned = sum(t.state == TrialState.PRUNED for t in result.study.get_trials())
    return time.perf_counter() - start, result.best_value, pruned


def main() -> int:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        t_off, best_off, _ = run(url, pruning=False)
        t_on, best_on, pruned = run(url, pruning=True)
    print(f"without pruning: {t_off:.1f} s, best accuracy {best_off:.4f}")
    print(
        f"with pruning:    {t_on:.1f} s, best accuracy {best_on:.4f} ({pruned}/{N_TRIALS} pruned)"
    )
    print(f"wall time saved: {1 - t_on / t_off:.1%} (target >= 40%)")
    print(f"best accuracy difference: {(best_on - best_off) * 100:+.2f} points (target within 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
