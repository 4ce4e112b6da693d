"""Where a run's trials go: executors by name, picked by the caller.

``optimize_and_return`` resolves its arguments into a ``RunSpec``, opens the study (a
``StudyRun``) and hands both to the executor the spec names. The engine's own is ``local``
(this process, or local worker processes: ``engine.local``). An executor from a layer above
the engine (Ray's, ``neural_hpo.distributed.executor``) is registered by that layer's wiring,
the package's front door (``neural_hpo/__init__``), as a ``module:attribute`` path loaded on
first use: the engine imports nothing above it, and importing ``neural_hpo`` stays light.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import optuna

    from .reuse import Reuse
    from .run_spec import RunSpec
    from .samplers import SearchPlan
    from .workers import WorkerReport


@dataclass(frozen=True)
class StudyRun:
    """The study a ``RunSpec`` runs into, as opened for this run."""

    study: optuna.Study
    url: str  # the storage URL, which worker processes and Ray trials open
    first: int  # how many trials the study held when this run started
    plan: SearchPlan  # the spec's plan, or the one the resumed study was created with
    reuse: Reuse | None  # what a new study took over from its parent (None: nothing)
    deadline: float | None  # time.time() at which no new trial starts (None: no timeout)


class Executor(Protocol):
    """Runs a spec's trials into its study."""

    #: whether this executor's trials carry the spec's ``run_id`` (``events.RUN_ATTR``), so that
    #: progress and an interrupted run count them apart from other writers' trials
    tags_trials: bool

    def check(self, spec: RunSpec) -> None:
        """ValueError for a spec this executor cannot run (naming the argument that selected
        it, e.g. ``use_ray=True: ...``); called before anything is trained or written."""

    def run(self, spec: RunSpec, run: StudyRun) -> WorkerReport | None:
        """Run ``spec.n_trials`` trials into ``run.study``; the worker report, if any."""


#: executor name -> ``module:attribute`` of its class
EXECUTORS: dict[str, str] = {"local": "neural_hpo.engine.local:LocalExecutor"}


def register_executor(name: str, path: str) -> None:
    """Make ``name`` run by the class at ``path`` (``package.module:Class``)."""
    EXECUTORS[name] = path


def executor_for(name: str) -> Executor:
    """The executor registered as ``name``; ValueError naming those there are."""
    path = EXECUTORS.get(name)
    if path is None:
        raise ValueError(f"no executor {name!r} is registered (there are: {', '.join(EXECUTORS)})")
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)()
