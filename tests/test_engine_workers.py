"""Parallel workers and a killed worker: real processes on one SQLite study."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import optuna
import pytest
from engine_helpers import SMALL_CONFIG
from optuna.trial import TrialState

from neural_hpo import optimize_and_return
from neural_hpo.engine import workers as engine_workers
from neural_hpo.engine.study import WORKER_PREFIX, open_storage

ROOT = Path(__file__).resolve().parents[1]


def _recording_start_methods(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The start method of each worker the pool starts, appended as it starts them."""
    methods: list[str] = []
    chosen = engine_workers._Pool._context

    def context(self):
        ctx = chosen(self)
        methods.append(ctx.get_start_method())
        return ctx

    monkeypatch.setattr(engine_workers._Pool, "_context", context)
    return methods


@pytest.mark.parametrize("threaded", [False, True], ids=["as-is", "threaded"])
def test_two_workers_run_exactly_n_distinct_trials(tmp_path, monkeypatch, threaded):
    """Spawned when another thread runs (a lock it held would stay locked in a forked child);
    forked from a one-thread process on Linux (pytest's may have threads by now: the forked
    case in a fresh interpreter is the next test)."""
    methods = _recording_start_methods(monkeypatch)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    if threaded:
        other.start()
    fork = sys.platform.startswith("linux") and threading.active_count() == 1
    try:
        result = optimize_and_return(
            SMALL_CONFIG, 6, n_jobs=2, storage=url, study_name="par", seed=0, limit=300
        )
    finally:
        stop.set()
    assert methods == ["fork" if fork else "spawn"]
    trials = result.study.get_trials()
    assert len(trials) == 6
    assert sorted(t.number for t in trials) == list(range(6))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 6
    storage = open_storage(url)
    workers = [
        k
        for k in storage.get_study_system_attrs(storage.get_study_id_from_name("par"))
        if k.startswith(WORKER_PREFIX)
    ]
    assert len(workers) == 2


#: a 2-worker run in a fresh, one-thread interpreter; prints the workers' start methods
FRESH_RUN = """
import sys
sys.path.insert(0, sys.argv[2])
from engine_helpers import SMALL_CONFIG
from neural_hpo import optimize_and_return
from neural_hpo.engine import workers
methods, chosen = [], workers._Pool._context
workers._Pool._context = lambda self: methods.append(chosen(self).get_start_method()) or chosen(self)
result = optimize_and_return(
    SMALL_CONFIG, 4, n_jobs=2, storage=sys.argv[1], study_name="fresh", seed=0, limit=300
)
assert sorted(t.state.name for t in result.study.trials) == ["COMPLETE"] * 4
print(*methods)
"""


def test_workers_fork_warm_from_a_one_thread_caller(tmp_path):
    """Forked on Linux; elsewhere (macOS' frameworks, Windows) spawned."""
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    tests = str(Path(__file__).parent)
    run = subprocess.run(
        [sys.executable, "-c", FRESH_RUN, url, tests], capture_output=True, text=True, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["fork" if sys.platform.startswith("linux") else "spawn"]


def test_resume_after_kill_9_keeps_every_finished_trial(tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    config = tmp_path / "small.neural"
    config.write_text(
        SMALL_CONFIG.replace("epochs: 1", "epochs: 10")
    )  # long trials: a kill lands mid-trial
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "neural_hpo.cli", "run", str(config), "--trials", "100"]
    cmd += ["--storage", url, "--study", "victim", "--seed", "0", "--limit", "600"]
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    storage = open_storage(url)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if "victim" in optuna.get_all_study_names(storage):
                states = [
                    t.state
                    for t in optuna.load_study(study_name="victim", storage=storage).get_trials()
                ]
                if states.count(TrialState.COMPLETE) >= 1 and states[-1] == TrialState.RUNNING:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("the worker finished no trial within 120 s")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    before = optuna.load_study(study_name="victim", storage=storage).get_trials()
    finished = {t.number: (t.value, t.params) for t in before if t.state == TrialState.COMPLETE}
    running = [t.number for t in before if t.state == TrialState.RUNNING]
    assert finished and running

    result = optimize_and_return(config, 1, storage=url, study_name="victim", seed=0, limit=300)
    after = {t.number: t for t in result.study.get_trials()}
    assert len(after) == len(before) + 1
    for number, (value, params) in finished.items():
        assert after[number].state == TrialState.COMPLETE
        assert (after[number].value, after[number].params) == (value, params)
    for number in running:
        assert after[number].state == TrialState.FAIL
        assert "worker died" in after[number].user_attrs["fail_reason"]
    assert after[len(before)].state == TrialState.COMPLETE


@pytest.mark.parametrize(
    ("gpus", "n_workers", "pinned"),
    [(2, 3, ["0", "1", "0"]), (1, 8, ["0"] * 8), (4, 6, ["0", "1", "2", "3", "0", "1"])],
)
def test_workers_are_pinned_round_robin_over_the_gpus(monkeypatch, gpus, n_workers, pinned):
    """No GPU exists on this machine: ``gpu_count`` is mocked to report ``gpus``, and the
    spawned processes are replaced by recorders of the environment each would start with
    (more workers than GPUs share them: eight workers on one GPU all see GPU 0)."""
    from neural_hpo.engine import workers

    seen: list[str | None] = []

    class FakeProcess:
        def __init__(self, target, args, name):
            self.name, self.exitcode, self.sentinel = name, 0, object()

        def start(self):
            seen.append(os.environ.get("CUDA_VISIBLE_DEVICES"))

        def join(self):
            pass

    class FakeContext:
        Process = FakeProcess

        def Value(self, kind, n, lock=True):
            return types.SimpleNamespace(value=n)

    monkeypatch.setattr(workers, "gpu_count", lambda: gpus)
    monkeypatch.setattr(workers.mp, "get_context", lambda method: FakeContext())
    monkeypatch.setattr(workers.mp.connection, "wait", lambda sentinels: sentinels)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    specs = [workers.WorkerSpec("url", "s", None, None, None, i, 0, None) for i in range(n_workers)]
    workers.run_processes(None, specs, 6, pin_gpus=True)
    assert seen == pinned
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
