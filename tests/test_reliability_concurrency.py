"""Several runs on one fresh SQLite file, and workers killed by SIGKILL: exact trial counts."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
from engine_helpers import SMALL_CONFIG
from optuna.trial import TrialState

from neural_hpo import optimize_and_return
from neural_hpo.engine.study import WORKER_DIED, WORKER_PREFIX, open_storage

RUNS, TRIALS = 4, 3


def quick(trial: optuna.Trial, *_args) -> float:
    """A trivial objective: the runs exercise storage and workers, not training."""
    return trial.suggest_float("optimizer.learning_rate", 1e-3, 3e-2, log=True)


def napping(trial: optuna.Trial, *_args) -> float:
    """A trivial objective that lasts long enough for a kill to land mid-trial."""
    time.sleep(random.uniform(0.05, 0.25))
    return quick(trial)


def _run_at_barrier(url: str, barrier, errors) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    barrier.wait()
    try:
        optimize_and_return(
            SMALL_CONFIG, TRIALS, storage=url, study_name="shared", objective_fn=quick
        )
    except Exception as exc:  # reported to the test, which fails on it
        import traceback

        errors.put(
            f"{type(exc).__name__}: {exc} (cause: {exc.__cause__!r})\n{traceback.format_exc()}"
        )


def test_four_runs_started_together_on_a_fresh_file_give_exactly_n_times_k(tmp_path):
    """Before the fixes: alembic/table collisions on the fresh file, and the stale-trial sweep
    failing another run's live trial ("Cannot tell a FAIL trial")."""
    ctx = mp.get_context("fork")  # the runs start in milliseconds: they do collide
    errors = ctx.Queue()
    for rep in range(20):
        url = f"sqlite:///{tmp_path / f'fresh{rep}.db'}"
        barrier = ctx.Barrier(RUNS)
        procs = [
            ctx.Process(target=_run_at_barrier, args=(url, barrier, errors)) for _ in range(RUNS)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert errors.empty(), f"repetition {rep}: {errors.get()}"
        assert [p.exitcode for p in procs] == [0] * RUNS
        trials = optuna.load_study(study_name="shared", storage=open_storage(url)).get_trials()
        assert [t.state for t in trials] == [TrialState.COMPLETE] * (RUNS * TRIALS), rep


class Killer(threading.Thread):
    """Kills a random worker of this process with SIGKILL at a random moment, each time after a
    trial completed since the previous kill (a run makes progress between two deaths)."""

    def __init__(self, url: str, kills: int):
        super().__init__(daemon=True)
        self.url, self.left, self.done, self.stop = url, kills, 0, threading.Event()

    def completed(self) -> int:
        storage = open_storage(self.url)
        if "killed" not in optuna.get_all_study_names(storage):
            return 0
        study = optuna.load_study(study_name="killed", storage=storage)
        return sum(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))

    def run(self) -> None:
        seen = 0
        while self.done < self.left and not self.stop.wait(0.05):
            now = self.completed()
            workers = [p for p in mp.active_children() if p.name.startswith("hpo-worker")]
            if now <= seen or not workers:
                continue
            time.sleep(random.uniform(0.0, 0.4))  # mid-trial, between trials, in a tell
            victim = random.choice(workers)
            if victim.is_alive():
                os.kill(victim.pid, signal.SIGKILL)
                seen, self.done = self.completed(), self.done + 1


def test_workers_killed_at_random_points_lose_nothing_and_the_budget_is_met(tmp_path):
    """Before: a worker killed between trials lost its ticket (12 trials asked, 11 run) and the
    run ended with a traceback. Ten kills over as many runs as they take."""
    kills, runs = 0, 0
    while kills < 10:
        url = f"sqlite:///{tmp_path / f'kill{runs}.db'}"
        killer = Killer(url, 10 - kills)
        killer.start()
        try:
            result = optimize_and_return(
                SMALL_CONFIG, 30, n_jobs=2, storage=url, study_name="killed", objective_fn=napping
            )
        finally:
            killer.stop.set()
            killer.join()
        kills, runs = kills + killer.done, runs + 1
        trials = result.study.get_trials()
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        failed = [t for t in trials if t.state == TrialState.FAIL]
        assert len(complete) == 30, [(t.number, t.state, t.user_attrs) for t in trials]
        assert len(complete) + len(failed) == len(trials)
        assert all(t.user_attrs["fail_reason"] == WORKER_DIED for t in failed)
        assert len(result.workers.deaths) == killer.done and result.workers.missing == 0
        assert sorted(n for d in result.workers.deaths for n in d.failed) == [
            t.number for t in failed
        ]


ORPHAN_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[2])
from test_reliability_concurrency import SMALL_CONFIG, napping
from neural_hpo import optimize_and_return
optimize_and_return(SMALL_CONFIG, 10_000, n_jobs=2, storage=sys.argv[1], study_name="orphans",
                    objective_fn=napping)
"""


def test_killing_the_run_ends_its_workers(tmp_path):
    """Before: a kill -9 of ``run`` left its two workers training on, as orphans."""
    url = f"sqlite:///{tmp_path / 'orphans.db'}"
    tests = str(Path(__file__).parent)
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, url, tests])
    try:
        pids: list[int] = []
        deadline = time.time() + 120
        while len(pids) < 2 and time.time() < deadline:
            time.sleep(0.2)
            storage = open_storage(url)
            if "orphans" in optuna.get_all_study_names(storage):
                attrs = storage.get_study_system_attrs(storage.get_study_id_from_name("orphans"))
                pids = [int(k.rsplit(":", 1)[1]) for k in attrs if k.startswith(WORKER_PREFIX)]
        assert len(pids) == 2, "the two workers did not start"
    finally:
        parent.kill()
        parent.wait(30)
    deadline = time.time() + 20
    while time.time() < deadline and any(_running(pid) for pid in pids):
        time.sleep(0.1)
    assert not any(_running(pid) for pid in pids)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # an exited orphan not yet reaped by init
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"
