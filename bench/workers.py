"""Worker scaling, honestly: the same configurations with 1 and 2 local worker processes.

The seed example on digits: ``--trials`` configurations (default 32) are drawn once (random,
seed 0) and enqueued in each study, so both runs train exactly the same networks; the figure is
the wall clock of the whole ``optimize_and_return`` call, start-up of the worker processes
included. Rounds alternate the order (1 then 2, 2 then 1) and the best wall time of each counts
(other load on the machine). Start-up on its own (a 1-trial run) is printed too.

The reference measured in the same run is the machine's own ceiling: two plain processes,
already warm (torch imported, data loaded), each training half of the configurations alone at
the same moment, against one warm process training them all. No scheme of two workers can do
better than that ratio; on a machine whose two cores share their arithmetic units (as seen on
these virtual machines) it is well below 2.

    PYTHONPATH=. python bench/workers.py [--trials 32] [--epochs N] [--rounds 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import sys
import tempfile
import time
from pathlib import Path

import optuna

from neural_hpo import optimize_and_return
from neural_hpo.engine.config import load_network
from neural_hpo.engine.optuna_space import suggest_space

CONFIG = (Path(__file__).resolve().parents[1] / "examples" / "seed_mlp.neural").read_text()


def configurations(n: int) -> list[dict]:
    """``n`` configurations of the seed space, the same on every call."""
    space = load_network(CONFIG).space
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    return [suggest_space(space, study.ask()) for _ in range(n)]


def run(url: str, jobs: int, name: str, configs: list[dict], epochs: int | None) -> float:
    """Wall seconds of one call that trains exactly ``configs``."""
    study = optuna.create_study(storage=url, study_name=name, direction="maximize")
    for params in configs:
        study.enqueue_trial(params)
    start = time.perf_counter()
    result = optimize_and_return(
        CONFIG, len(configs), n_jobs=jobs, seed=0, storage=url, study_name=name, epochs=epochs
    )
    wall = time.perf_counter() - start
    done = sorted(tuple(sorted(t.params.items())) for t in result.study.trials)
    assert done == sorted(tuple(sorted(c.items())) for c in configs), "other configurations ran"
    return wall


def _plain_half(url: str, name: str, configs: list[dict], epochs, barrier, times) -> None:
    """One reference process: warm up on a 1-epoch trial, wait for the other, train its half."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    run(url, 1, f"{name}-warm", configs[:1], 1)
    barrier.wait()
    start = time.time()
    run(url, 1, name, configs, epochs)
    times.put((start, time.time()))


def ceiling(tmp: str, tag: str, configs: list[dict], epochs: int | None) -> float:
    """Wall seconds of two warm plain processes training half of ``configs`` each, together
    (in databases and studies named for ``tag``, one per round)."""
    ctx = mp.get_context("spawn")
    barrier, times = ctx.Barrier(2), ctx.Queue()
    halves = (configs[: len(configs) // 2], configs[len(configs) // 2 :])
    procs = [
        ctx.Process(
            target=_plain_half,
            args=(
                f"sqlite:///{tmp}/plain-{tag}-{i}.db",
                f"plain-{i}",
                half,
                epochs,
                barrier,
                times,
            ),
        )
        for i, half in enumerate(halves)
    ]
    for p in procs:
        p.start()
    spans: list[tuple[float, float]] = []
    while len(spans) < len(procs):
        if any(p.exitcode for p in procs):  # one failed: end the other, which would wait
            for p in procs:
                p.kill()
            raise RuntimeError(
                f"a reference process failed: exit codes {[p.exitcode for p in procs]}"
            )
        try:
            spans.append(times.get(timeout=1))
        except queue.Empty:
            continue
    for p in procs:
        p.join()
    return max(end for _, end in spans) - min(start for start, _ in spans)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=None, help="default: the DSL's (10)")
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    configs = configurations(a.trials)
    walls: dict[int, list[float]] = {1: [], 2: []}
    plain: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for jobs in (1, 2):
            print(
                f"start-up, {jobs} worker(s), 1 trial: {run(url, jobs, f'up-{jobs}', configs[:1], 1):.1f} s"
            )
        for r in range(a.rounds):
            for jobs in (1, 2) if r % 2 == 0 else (2, 1):
                wall = run(url, jobs, f"jobs-{jobs}-{r}", configs, a.epochs)
                walls[jobs].append(wall)
                print(f"{jobs} worker(s): {a.trials} trials in {wall:.1f} s wall", flush=True)
            plain.append(ceiling(tmp, str(r), configs, a.epochs))
            print(f"2 plain warm processes, half each: {plain[-1]:.1f} s wall", flush=True)
    best = {jobs: min(v) for jobs, v in walls.items()}
    top = best[1] / min(plain)
    print(f"best of {a.rounds}: 1 worker {best[1]:.1f} s, 2 workers {best[2]:.1f} s")
    print(
        f"speed-up with 2 workers: {best[1] / best[2]:.2f}x wall clock (target >= 1.8x on 2 cores)"
    )
    print(
        f"this machine's ceiling (2 warm plain processes): {top:.2f}x; "
        f"2 workers reach {best[1] / best[2] / top:.0%} of it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
