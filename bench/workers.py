"""Trials per minute with 1 and 2 local worker processes on one study (the seed example on
digits, its 10 epochs). Throughput is counted from the trials' timestamps (first start to last end),
which leaves out process start-up; the wall time including start-up is printed too."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import optuna

from neural_hpo import optimize_and_return

CONFIG = (Path(__file__).resolve().parents[1] / "examples" / "seed_mlp.neural").read_text()
N_TRIALS = 16
ROUNDS = 2  # alternating order; the best rate of each counts (other load on the machine)


def run(url: str, jobs: int, name: str) -> tuple[float, float]:
    start = time.perf_counter()
    result = optimize_and_return(
        CONFIG, N_TRIALS, n_jobs=jobs, seed=0, storage=url, study_name=name
    )
    wall = time.perf_counter() - start
    trials = result.study.get_trials(deepcopy=False)
    span = max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)
    return len(trials) / span.total_seconds() * 60, wall


def main() -> int:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rates: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for r in range(ROUNDS):
            for jobs in (1, 2) if r % 2 == 0 else (2, 1):
                rate, wall = run(url, jobs, f"jobs-{jobs}-{r}")
                rates[jobs].append(rate)
                print(
                    f"{jobs} worker(s): {rate:.1f} trials/min ({N_TRIALS} trials, {wall:.1f} s wall)"
                )
    best = {jobs: max(v) for jobs, v in rates.items()}
    print(f"best of {ROUNDS}: 1 worker {best[1]:.1f}, 2 workers {best[2]:.1f} trials/min")
    print(f"speed-up with 2 workers: {best[2] / best[1]:.2f}x (target >= 1.8x on 2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
