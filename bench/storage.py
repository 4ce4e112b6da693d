"""Where the shared storage's limits are: trials per second and the p95 trial start latency of a
trivial objective for SQLite (the default file, WAL) and PostgreSQL (a private server started
here, see ``tests/postgres_helpers.py``) with 1, 2, 4 and 8 processes on one study.

Each process opens the storage as the engine does (``open_storage``), waits until all are
connected (imports and connections are not measured), then runs trials for ``--seconds``: ask (Optuna
creates the trial, the sampler draws a parameter), tell. The start latency is ask plus suggest:
what a trial waits for the storage before it can train. A random sampler keeps the sampler's
own cost out of it. Ratios are against SQLite with one process, measured in the same run.

    python bench/storage.py [--seconds 4]

The figures are noisy when other programs load the machine; rerun on an idle one.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

import optuna

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from neural_hpo.engine.study import open_storage

PROCESSES = (1, 2, 4, 8)


def worker(url: str, study_name: str, seconds: float, ready: mp.Queue, go, out: mp.Queue) -> None:
    """Trials for ``seconds`` once ``go`` is set; puts (trials, start latencies in s)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(
        study_name=study_name, storage=open_storage(url), sampler=optuna.samplers.RandomSampler()
    )
    study.get_trials(deepcopy=False)  # connected
    ready.put(True)
    go.wait()
    latencies = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        trial = study.ask()
        x = trial.suggest_float("x", 0.0, 1.0)
        latencies.append(time.perf_counter() - t0)
        study.tell(trial, x * x)
    out.put(latencies)


def measure(url: str, processes: int, seconds: float) -> tuple[float, float]:
    """(trials per second, p95 start latency in ms) of ``processes`` workers on a new study."""
    name = f"bench-{processes}-{time.time_ns()}"
    optuna.create_study(study_name=name, storage=open_storage(url))
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=worker, args=(url, name, seconds, ready, go, out))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # imports and connections are not measured
        ready.get(timeout=300)
    go.set()
    latencies = [x for _ in procs for x in out.get(timeout=300 + seconds)]
    for p in procs:
        p.join()
    return len(latencies) / seconds, statistics.quantiles(latencies, n=20)[-1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured time per setting")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from postgres_helpers import postgres_server

    rows = []
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as pg:
        urls = {"sqlite": f"sqlite:///{tmp}/bench.db", "postgresql": pg.database("bench")}
        for kind, url in urls.items():
            for n in PROCESSES:
                rate, p95 = measure(url, n, args.seconds)
                rows.append((kind, n, rate, p95))
                print(
                    f"  {kind:<10} {n} process(es): {rate:7.1f} trials/s  p95 start {p95:6.1f} ms"
                )
    ref_rate, ref_p95 = rows[0][2], rows[0][3]
    print(f"\n{'storage':<10} {'procs':>5} {'trials/s':>9} {'x ref':>6} {'p95 ms':>7} {'x ref':>6}")
    for kind, n, rate, p95 in rows:
        print(
            f"{kind:<10} {n:>5} {rate:>9.1f} {rate / ref_rate:>6.2f} {p95:>7.1f} {p95 / ref_p95:>6.2f}"
        )
    print("(reference: sqlite, 1 process; figures are noisy on a loaded machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
