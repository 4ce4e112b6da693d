"""Running a study's trials: in this process, or in N worker processes.

With N workers on CPUs, this process is worker 0 and N - 1 processes are spawned: it is warm
(torch, the network and the dataset are loaded) and starts trials at once while the spawned
workers import torch and warm up, which took seconds each; on a GPU machine all N are spawned,
each pinned to its GPU.

Exactly ``n_trials`` trials run in total: alone, Optuna counts them; with several workers, each
takes a ticket from a counter shared by all of them (a lock-protected integer) before every
trial, and stops when none is left. No storage write is spent on the count. On a GPU machine each worker is pinned to one GPU with
``CUDA_VISIBLE_DEVICES`` (worker k gets GPU k mod the GPU count, so more workers than GPUs
share them: ``devices.worker_gpu``). Each worker process trains
with one torch thread, so N workers use N cores.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import optuna

from .devices import worker_gpu
from .objective import TrialRunner, loaded_network
from .study import open_storage, register_worker, unregister_worker


class SharedBudget:
    """A ticket counter shared by spawned processes."""

    def __init__(self, value: Any):
        self.value = value

    def take(self) -> bool:
        with self.value.get_lock():
            if self.value.value <= 0:
                return False
            self.value.value -= 1
            return True


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


def run_worker(
    study: optuna.Study,
    runner: TrialRunner,
    deadline: float | None,
    *,
    n_trials: int | None = None,
    shared: SharedBudget | None = None,
) -> None:
    """Run ``n_trials`` trials of ``study`` here, or, with ``shared``, as many as its tickets
    allow; stop starting trials at ``deadline`` (time.time()).

    Alone, Optuna's own ``n_trials`` counts (no callback: Optuna reloads and copies each
    finished trial for callbacks, ~1 ms a trial). A trial that raises is recorded as failed
    (with its reason) and the study goes on.
    """
    callbacks = None
    if shared is not None:

        def next_ticket(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
            if not shared.take():
                study.stop()

        callbacks = [next_ticket]
    if runner.warm_up is not None:
        runner.warm_up()
    if shared is not None and not shared.take():
        return
    timeout = None if deadline is None else max(deadline - time.time(), 0.0)
    with one_thread(), quiet_interrupts():
        study.optimize(
            runner,
            n_trials=n_trials,
            timeout=timeout,
            callbacks=callbacks,
            catch=(Exception,),
            gc_after_trial=False,
        )


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


def _worker_main(spec: WorkerSpec, counter: Any) -> None:
    try:
        _work(spec, counter)
    except KeyboardInterrupt:  # Ctrl-C reaches every worker; the parent reports it
        sys.exit(130)


def _work(spec: WorkerSpec, counter: Any) -> None:
    optuna.logging.set_verbosity(spec.verbosity)
    loaded = loaded_network(spec.runner.config, spec.network)
    study = optuna.load_study(
        study_name=spec.study_name,
        storage=open_storage(spec.storage_url),
        sampler=spec.plan.make_sampler(loaded.space, spec.index, spec.done),
        pruner=spec.plan.make_pruner(),
    )
    key = register_worker(study)
    try:
        run_worker(study, spec.runner, spec.deadline, shared=SharedBudget(counter))
    finally:
        unregister_worker(study, key)


def gpu_count() -> int:
    """GPUs torch sees (0 on a CPU-only machine)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def run_processes(
    specs: list[WorkerSpec],
    n_trials: int,
    pin_gpus: bool,
    here: Callable[[SharedBudget], None] | None = None,
) -> None:
    """Run one worker per spec sharing ``n_trials`` tickets; wait for all of them. Without GPUs
    to pin, ``here`` (when given) runs the first spec's worker in this process.

    Raises RuntimeError naming the workers that exited abnormally (their trials are kept).
    """
    ctx = mp.get_context("spawn")
    counter = ctx.Value("i", n_trials)
    gpus = gpu_count() if pin_gpus else 0
    local = here is not None and not gpus
    procs = []
    for spec in specs[1:] if local else specs:
        env_before = os.environ.get("CUDA_VISIBLE_DEVICES")
        if gpus:
            os.environ["CUDA_VISIBLE_DEVICES"] = str(worker_gpu(spec.index, gpus))
        try:
            p = ctx.Process(
                target=_worker_main, args=(spec, counter), name=f"hpo-worker-{spec.index}"
            )
            p.start()
        finally:
            if gpus:
                _restore_env("CUDA_VISIBLE_DEVICES", env_before)
        procs.append(p)
    try:
        if local:
            here(SharedBudget(counter))
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        _interrupt(procs)
        raise
    finally:
        for p in procs:
            p.join()
    bad = [f"{p.name} (exit code {p.exitcode})" for p in procs if p.exitcode != 0]
    if bad:
        raise RuntimeError(f"worker process(es) ended abnormally: {', '.join(bad)}")


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
