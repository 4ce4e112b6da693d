"""Running a study's trials: in this process, or in N worker processes.

With N workers on CPUs, this process is worker 0 and starts trials at once; the N - 1 others are
forked from it on Linux while it has one thread, so they start warm too (torch, the network and
the dataset already loaded: a spawned worker spent ~2.4 s importing and warming up, a fifth of a
32-trial run). Elsewhere, or from a process with threads (a lock another thread held would stay
locked in the child), they are spawned. On a GPU machine all N are spawned, each pinned to its
GPU (CUDA does not survive a fork).

Exactly ``n_trials`` trials run in total: alone, Optuna counts them; with several workers, each
takes a ticket from a counter shared by all of them (a lock-protected integer) before every
trial, and stops when none is left. No storage write is spent on the count. On a GPU machine each
worker is pinned to one GPU with ``CUDA_VISIBLE_DEVICES`` (worker k gets GPU k mod the GPU
count, so more workers than GPUs share them: ``devices.worker_gpu``). Each worker process trains with one torch thread, so N workers use N cores.

A worker that dies (a kill -9, the kernel's OOM killer) takes no finished trial with it: the
parent fails its running trial ("worker died"), hands the tickets it held back to the counter
and starts a new worker in its place, so the budget is still met; what could not be run is
reported (``WorkerDeath``). Workers end with their parent (``PR_SET_PDEATHSIG`` on Linux, a
check between trials elsewhere): killing the run leaves no orphan training on.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing as mp
import multiprocessing.connection
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import TrialState

from .devices import worker_gpu
from .objective import TrialRunner, loaded_network
from .study import (
    WORKER_DIED,
    fail_as_orphan,
    fail_orphaned_trials,
    open_storage,
    register_worker,
    unregister_worker,
)

#: trial system attribute: the token of the worker process that ran it (to count its trials)
TRIAL_WORKER = "neural_hpo:worker_token"


class SharedBudget:
    """A ticket counter shared by spawned processes; ``taken`` counts this worker's tickets."""

    def __init__(self, value: Any, taken: Any = None):
        self.value, self.taken = value, taken

    def take(self) -> bool:
        with self.value.get_lock():
            if self.value.value <= 0:
                return False
            self.value.value -= 1
            if self.taken is not None:
                self.taken.value += 1
            return True

    def give_back(self, n: int) -> None:
        with self.value.get_lock():
            self.value.value += n


@contextmanager
def one_thread():
    """Torch on one thread for the duration (restored after), as each trial process runs."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _QuietInterrupt(logging.Filter):
    """Drops Optuna's two "trial N failed" records (one with a traceback) for Ctrl-C: the trial
    is recorded as failed with reason "interrupted" and the caller reports it in one line."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted: str | None = None  # "Trial N failed" of the interrupted trial

    def filter(self, record: logging.LogRecord) -> bool:
        info, message = record.exc_info, record.getMessage()
        if info and info[0] is not None and issubclass(info[0], KeyboardInterrupt):
            self.interrupted = message.split(" with ", 1)[0]
            return False
        return not (self.interrupted and message.startswith(f"{self.interrupted} with value"))


@contextmanager
def quiet_interrupts():
    """``_QuietInterrupt`` on the logger of Optuna's optimize loop for the duration."""
    logger, quiet = logging.getLogger("optuna.study._optimize"), _QuietInterrupt()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


class _Tracked:
    """The runner, remembering the trial it runs; with a ``token``, each trial is tagged with
    it, so that the parent can count the trials of a worker that died."""

    def __init__(self, runner: TrialRunner, token: str | None):
        self.runner, self.token = runner, token
        self.calls, self.trial_id = 0, -1

    def __call__(self, trial: optuna.Trial) -> Any:
        self.calls, self.trial_id = self.calls + 1, trial._trial_id
        if self.token is not None:
            trial.storage.set_trial_system_attr(trial._trial_id, TRIAL_WORKER, self.token)
        return self.runner(trial)


def _failed_under_us(study: optuna.Study, trial_id: int) -> bool:
    """Whether another run's stale-trial sweep failed the trial this worker was running."""
    if trial_id < 0:
        return False
    trial = study._storage.get_trial(trial_id)
    return trial.state == TrialState.FAIL and trial.user_attrs.get("fail_reason") == WORKER_DIED


def run_worker(
    study: optuna.Study,
    runner: TrialRunner,
    deadline: float | None,
    *,
    n_trials: int | None = None,
    shared: SharedBudget | None = None,
    token: str | None = None,
) -> None:
    """Run ``n_trials`` trials of ``study`` here, or, with ``shared``, as many as its tickets
    allow (each trial tagged with ``token``); stop starting trials at ``deadline``.

    Alone, Optuna's own ``n_trials`` counts (no callback: Optuna reloads and copies each
    finished trial for callbacks, ~1 ms a trial). A trial that raises is recorded as failed
    (with its reason) and the study goes on; so does the worker when another process failed
    its trial as orphaned under it.
    """
    parent = mp.parent_process()
    callbacks = None
    if shared is not None:

        def next_ticket(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
            if (parent is not None and not parent.is_alive()) or not shared.take():
                study.stop()

        callbacks = [next_ticket]
    if runner.warm_up is not None:
        runner.warm_up()
    if shared is not None and not shared.take():
        return
    tracked = _Tracked(runner, token)
    with one_thread(), quiet_interrupts():
        while True:
            left = None if n_trials is None else n_trials - tracked.calls
            timeout = None if deadline is None else max(deadline - time.time(), 0.0)
            try:
                study.optimize(
                    tracked,
                    n_trials=left,
                    timeout=timeout,
                    callbacks=callbacks,
                    catch=(Exception,),
                    gc_after_trial=False,
                )
                return
            except Exception as exc:
                if not _failed_under_us(study, tracked.trial_id):
                    raise
                optuna.logging.get_logger("neural_hpo").warning(
                    f"another run failed a trial of this worker as orphaned ({exc}); going on"
                )
            if shared is not None and not shared.take():
                return


@dataclass
class WorkerSpec:
    """What a spawned worker needs to open the study and run trials (picklable)."""

    storage_url: str
    study_name: str
    runner: TrialRunner
    plan: Any  # samplers.SearchPlan
    network: str | None
    index: int
    done: int  # trials in the study when the run started (offsets the sampler seed)
    deadline: float | None
    verbosity: int = optuna.logging.INFO  # Optuna's log level in the parent


def end_with_parent() -> None:
    """Let the kernel end this process when its parent dies (Linux); exit now if it already
    has. Elsewhere the worker checks its parent between trials."""
    parent = mp.parent_process()
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if parent is not None and not parent.is_alive():
        os._exit(1)


def _worker_main(spec: WorkerSpec, counter: Any, taken: Any, token: str) -> None:
    end_with_parent()
    optuna.logging.set_verbosity(spec.verbosity)
    try:
        loaded = loaded_network(spec.runner.config, spec.network)
        study = optuna.load_study(
            study_name=spec.study_name,
            storage=open_storage(spec.storage_url),
            sampler=spec.plan.make_sampler(loaded.space, spec.index, spec.done),
            pruner=spec.plan.make_pruner(),
        )
        key = register_worker(study)
        run_worker(
            study, spec.runner, spec.deadline, shared=SharedBudget(counter, taken), token=token
        )
        unregister_worker(study, key)
    except KeyboardInterrupt:  # Ctrl-C reaches every worker; the parent reports it
        sys.exit(130)
    except Exception as exc:  # one line for the parent's summary, not a worker's traceback
        print(f"neural-hpo: worker {spec.index}: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)


def gpu_count() -> int:
    """GPUs torch sees (0 on a CPU-only machine)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


@dataclass
class WorkerDeath:
    """A worker process that ended abnormally, and what became of its trials."""

    name: str
    pid: int
    exitcode: int
    failed: list[int]  # its trials failed as "worker died"
    returned: int  # tickets it held, handed back to the counter
    replaced: bool  # whether a new worker took its place

    def __str__(self) -> str:
        how = (
            f"killed by {signal.Signals(-self.exitcode).name}"
            if self.exitcode < 0
            else f"exit code {self.exitcode}"
        )
        trials = ", ".join(f"#{n}" for n in self.failed) or "none"
        then = "a new worker took its place" if self.replaced else "it was not replaced"
        return f"worker {self.name} (pid {self.pid}) died ({how}); trials failed: {trials}; {then}"


@dataclass
class _Slot:
    spec: WorkerSpec
    process: Any
    taken: Any
    token: str


@dataclass
class WorkerReport:
    """How a multi-process run went: workers that died, and trials of the budget not run."""

    deaths: list[WorkerDeath] = field(default_factory=list)
    missing: int = 0


class _Pool:
    """N worker processes sharing one ticket counter; dead ones are settled and replaced."""

    def __init__(self, study: optuna.Study, specs: list[WorkerSpec], n_trials: int, pin_gpus: bool):
        self.study, self.ctx = study, mp.get_context("spawn")
        self.width, self.deadline = len(specs), specs[0].deadline if specs else None
        self.counter = self.ctx.Value("i", n_trials)
        self.gpus = gpu_count() if pin_gpus else 0
        self.slots: dict[int, _Slot] = {}  # by process sentinel
        self.report = WorkerReport()
        self.settled_takes = 0  # tickets taken by workers that have ended
        self.takes_at_death = 0
        self.stalled = 0  # deaths in a row with no ticket taken and no trial ended in between;
        # at one per worker slot, none is started again: a crash that repeats is no accident

    def start(self, spec: WorkerSpec) -> None:
        taken, token = self.ctx.Value("i", 0, lock=False), secrets.token_hex(8)
        env_before = os.environ.get("CUDA_VISIBLE_DEVICES")
        if self.gpus:
            os.environ["CUDA_VISIBLE_DEVICES"] = str(worker_gpu(spec.index, self.gpus))
        try:
            p = self._context().Process(
                target=_worker_main,
                args=(spec, self.counter, taken, token),
                name=f"hpo-worker-{spec.index}",
            )
            p.start()
        finally:
            if self.gpus:
                _restore_env("CUDA_VISIBLE_DEVICES", env_before)
        self.slots[p.sentinel] = _Slot(spec, p, taken, token)

    def _context(self) -> Any:
        """fork where the child starts warm and safely (see the module's docstring), else
        spawn; the shared counter, made by spawn's context, works with either."""
        torch = sys.modules.get("torch")
        safe = (
            sys.platform.startswith("linux")
            and not self.gpus
            and threading.active_count() == 1
            and not (torch is not None and torch.cuda.is_initialized())
        )
        return mp.get_context("fork") if safe else self.ctx

    def wait(self) -> WorkerReport:
        """Wait for every worker, settling and replacing those that die."""
        while self.slots:
            for sentinel in mp.connection.wait(list(self.slots)):
                slot = self.slots.pop(sentinel)
                slot.process.join()
                self.settled_takes += slot.taken.value
                if slot.process.exitcode != 0:
                    self._settle(slot)
        if self.report.deaths and (self.deadline is None or time.time() < self.deadline):
            self.report.missing = max(self.counter.value, 0)  # at the deadline, timeout's doing
        return self.report

    def _settle(self, slot: _Slot) -> None:
        """Fail the dead worker's running trial, return the tickets it did not use, and start a
        new worker when tickets are left and the slot is not crashing over and over."""
        mine = [
            t
            for t in self.study.get_trials(deepcopy=False)
            if t.system_attrs.get(TRIAL_WORKER) == slot.token
        ]
        # its own (tagged) trial, then any untagged one no live worker can be running
        failed = [
            t.number
            for t in mine
            if t.state == TrialState.RUNNING and fail_as_orphan(self.study, t)
        ]
        failed += fail_orphaned_trials(self.study)
        ended = sum(
            1
            for t in mine
            if t.state.is_finished() and t.user_attrs.get("fail_reason") != WORKER_DIED
        )
        returned = max(slot.taken.value - ended, 0)
        SharedBudget(self.counter).give_back(returned)
        takes = self.settled_takes + sum(s.taken.value for s in self.slots.values())
        progress = ended > 0 or takes != self.takes_at_death
        self.takes_at_death, self.stalled = takes, 0 if progress else self.stalled + 1
        replace = self.counter.value > 0 and self.stalled < self.width
        p = slot.process
        self.report.deaths.append(WorkerDeath(p.name, p.pid, p.exitcode, failed, returned, replace))
        if replace:
            self.start(slot.spec)


def run_processes(
    study: optuna.Study,
    specs: list[WorkerSpec],
    n_trials: int,
    pin_gpus: bool,
    here: Callable[[SharedBudget], None] | None = None,
) -> WorkerReport:
    """Spawn one process per spec sharing ``n_trials`` tickets; wait for all of them, replacing
    any that dies. Without GPUs to pin, ``here`` (when given) runs the first spec's worker in
    this process, so start-up does not delay the first trials. Returns the deaths and how many
    trials of the budget could not be run."""
    pool = _Pool(study, specs, n_trials, pin_gpus)
    local = here is not None and not pool.gpus
    for spec in specs[1:] if local else specs:
        pool.start(spec)
    try:
        if local:
            here(SharedBudget(pool.counter))
        return pool.wait()
    except KeyboardInterrupt:
        _interrupt([slot.process for slot in pool.slots.values()])
        raise


def _interrupt(procs: list[Any], grace_s: float = 5.0) -> None:
    """After Ctrl-C: a terminal sent it to every worker, which records its trial as interrupted
    and exits; a worker still running after ``grace_s`` (the signal went to this process alone)
    gets its own SIGINT. Returns when all have ended."""
    end = time.monotonic() + grace_s
    for p in procs:
        p.join(max(end - time.monotonic(), 0.0))
    for p in procs:
        if p.is_alive():
            os.kill(p.pid, signal.SIGINT)
    for p in procs:
        p.join()


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
