"""The local executor: a run's trials in this process, or in ``n_jobs`` worker processes."""

from __future__ import annotations

import functools

import optuna

from .executors import StudyRun
from .objective import TrialRunner
from .run_spec import RunSpec
from .study import register_worker, unregister_worker
from .workers import SharedBudget, WorkerReport, WorkerSpec, run_processes, run_worker


class LocalExecutor:
    """``engine.executors.Executor`` on this machine's CPUs and GPUs."""

    tags_trials = True

    def check(self, spec: RunSpec) -> None:
        """Every spec runs here (``resolve_run`` checked the local arguments)."""

    def run(self, spec: RunSpec, run: StudyRun) -> WorkerReport:
        if spec.n_jobs == 1:
            _run_here(run.study, spec.runner, run.deadline, n_trials=spec.n_trials)
            return WorkerReport()
        specs = [
            WorkerSpec(
                run.url,
                run.study.study_name,
                spec.runner,
                run.plan,
                spec.loaded.network.name,
                i,
                run.first,
                run.deadline,
                optuna.logging.get_verbosity(),
            )
            for i in range(spec.n_jobs)
        ]
        here = functools.partial(_run_here, run.study, spec.runner, run.deadline)
        pin = spec.device.lower() in ("auto", "cuda", "gpu")
        return run_processes(run.study, specs, spec.n_trials, pin, here)


def _run_here(
    study: optuna.Study,
    runner: TrialRunner,
    deadline: float | None,
    shared: SharedBudget | None = None,
    n_trials: int | None = None,
) -> None:
    """Trials in this process, registered as one of the study's workers."""
    key = register_worker(study)
    try:
        run_worker(study, runner, deadline, n_trials=n_trials, shared=shared)
    finally:
        unregister_worker(study, key)
