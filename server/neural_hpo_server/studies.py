"""Reading the workspace's study storage: the newest study of each network, its best trial, the
value ranges of its top trials and its cached parameter importance.

Everything that touches optuna runs in one worker thread, never on the event loop. A cheap poll
(the database file's size and modification time: every 2 s while a job runs or a live report
is shown, every 10 s otherwise) notices new trials, also from runs started on the command line; listeners (code lens,
inlay hints) are told when something changed. Missing importance is computed and cached in the
study, in the same worker, in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import logging
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from neural_hpo.dsl.carry import fits
from neural_hpo.storage import (
    PARENT_ATTR,
    REUSED_FROM,
    STORAGE_DIR,
    STORAGE_ENV,
    STORAGE_FILE,
    sqlite_path,
)

from .storage_watch import file_stamp

log = logging.getLogger(__name__)

POLL_IDLE_S = 10.0
POLL_BUSY_S = 2.0
#: share of the best trials whose values "narrow range" keeps
TOP_SHARE = 0.2
#: importance is computed once a study has this many complete trials
MIN_IMPORTANCE_TRIALS = 4


@dataclass
class Importance:
    """One parameter's importance as the cache holds it."""

    value: float
    std: float | None
    method: str
    n_trials: int
    confidence: str


@dataclass
class StudyInfo:
    """What the editor shows about the newest study of one network."""

    study: str
    network: str
    metric: str
    direction: str
    n_complete: int
    n_total: int
    n_running: int
    best_value: float | None
    best_params: dict[str, Any] = field(default_factory=dict)
    top_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    importance: dict[str, Importance] | None = None
    #: the parameters of every trial with the metric, best first (for ``best_fitting``)
    ranked_params: list[dict[str, Any]] = field(default_factory=list)
    parent: str | None = None
    n_reused: int = 0

    def reuse_note(self) -> str | None:
        """``34 reused from MyModel-1a2b3c4d`` for a study seeded from its parent."""
        return f"{self.n_reused} reused from {self.parent}" if self.parent else None

    def best_fitting(self, space: Any) -> dict[str, Any] | None:
        """The best trial's parameters among those that fit ``space`` (the document's, maybe
        edited since the study ran): a trial outside it is no best value for it."""
        if space is None:
            return self.best_params or None
        return next((p for p in self.ranked_params if fits(space, p)), None)


def storage_url(storage_path: str | None, root: Path, trusted: bool = True) -> str:
    """An Optuna URL from the ``neural.storagePath`` setting (a URL, or a path to a SQLite file,
    relative to the workspace root), else ``$NEURAL_HPO_STORAGE`` as the CLI reads it (the user's
    own environment, so honoured in any workspace), by default ``<root>/.neural-hpo/studies.db``.
    In an untrusted workspace the setting may name only a SQLite file inside it: else the
    default."""
    default = Path(STORAGE_DIR, STORAGE_FILE)
    env = os.environ.get(STORAGE_ENV)
    if not storage_path and env:
        return env if "://" in env else f"sqlite:///{(root / env).resolve()}"
    if storage_path and "://" in storage_path:
        if trusted:
            return storage_path
        storage_path = None
    path = (root / (storage_path or default)).resolve()
    if not trusted and not path.is_relative_to(root.resolve()):
        path = (root / default).resolve()
    return f"sqlite:///{path}"


def _stamp(url: str) -> tuple[Any, ...]:
    """A cheap fingerprint of the storage: size and mtime of the database (and its WAL)."""
    path = sqlite_path(url)
    if path is None:
        return (os.urandom(4),)  # other databases: no cheap stamp, read every time
    return file_stamp(path)


def read_studies(url: str) -> dict[str, StudyInfo]:
    """The newest study of each network in the storage (runs in the worker thread)."""
    path = sqlite_path(url)
    if (path is not None and not path.is_file()) or not optuna_available():
        return {}
    import optuna

    from neural_hpo.trials import load_trials

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    newest: dict[str, Any] = {}
    for s in optuna.get_all_study_summaries(url, include_best_trial=False):  # in creation order
        network = s.user_attrs.get("network")
        if isinstance(network, str):
            newest[network] = s
    out = {}
    for network, summary in newest.items():
        study = optuna.load_study(study_name=summary.study_name, storage=url)
        out[network] = _info(network, study, load_trials(study))
    return out


def _info(network: str, study: Any, ts: Any) -> StudyInfo:
    """The engine names the objectives (``set_metric_names``); the first one is shown."""
    metric = ts.default_metric()
    states = ts.by_state()
    info = StudyInfo(
        study=study.study_name,
        network=network,
        metric=metric,
        direction=ts.directions[0],
        n_complete=states.get("COMPLETE", 0),
        n_total=len(ts.trials),
        n_running=states.get("RUNNING", 0),
        best_value=None,
    )
    parent = study.user_attrs.get(PARENT_ATTR)
    if isinstance(parent, str):
        info.parent = parent
        info.n_reused = sum(1 for t in ts.trials if REUSED_FROM in t.system_attrs)
    if metric not in ts.available_metrics():
        return info
    best = ts.best(metric)
    if best is not None:
        info.best_value = ts.metric_value(best, metric)
        info.best_params = dict(best.params)
    ranked = sorted(ts.with_metric(metric), key=lambda t: ts.metric_value(t, metric))
    if info.direction == "maximize":
        ranked.reverse()
    info.ranked_params = [dict(t.params) for t in ranked]
    top = ranked[: max(1, math.ceil(len(ranked) * TOP_SHARE))]
    for name in ts.param_names():
        values = [t.params[name] for t in top if _is_number(t.params.get(name))]
        if values:
            info.top_ranges[name] = (min(values), max(values))
    info.importance = _cached_importance(study, metric)
    return info


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@functools.cache
def optuna_available() -> bool:
    """Whether optuna is installed: the VS Code extension's bundle runs the server without it
    (studies then show nothing; the run lens offers the install)."""
    found = importlib.util.find_spec("optuna") is not None
    if not found:
        log.info("optuna is not installed: no study is read")
    return found


@functools.cache
def importance_available() -> bool:
    """Whether the importance package is installed (it is optional for the language server)."""
    found = importlib.util.find_spec("neural_hpo.importance") is not None
    if not found:
        log.info("neural_hpo.importance is not installed: hovers show no importance")
    return found


def _importance_api() -> Any:
    import neural_hpo.importance as api

    return api


def _cached_importance(study: Any, metric: str) -> dict[str, Importance] | None:
    if not importance_available():
        return None
    api = _importance_api()
    result = api.cached_importance(study, metric, api.DEFAULT_METHOD)
    return None if result is None else _importances(result)


def _importances(result: Any) -> dict[str, Importance]:
    std = result.std or {}
    return {
        name: Importance(value, std.get(name), result.method, result.n_trials, result.confidence)
        for name, value in result.importances.items()
    }


def compute_importance(url: str, info: StudyInfo) -> dict[str, Importance]:
    """Compute and cache the importance of ``info``'s study (runs in the worker thread)."""
    import optuna

    api = _importance_api()
    study = optuna.load_study(study_name=info.study, storage=url)
    return _importances(api.compute_and_cache(study, info.metric, api.DEFAULT_METHOD))


class StudyStore:
    """The studies of the workspace as last read, and the poll that keeps them current.

    ``url`` gives the storage URL (settings change it), ``busy`` whether something on screen
    follows a run (a running job, a shown report): then the poll is frequent."""

    def __init__(
        self,
        url: Callable[[], str],
        tell: Callable[[str, lsp.MessageType], None],
        busy: Callable[[], bool],
    ) -> None:
        self._url, self._tell, self._busy = url, tell, busy
        self.by_network: dict[str, StudyInfo] = {}
        self.listeners: list[Callable[[], None]] = []
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="studies")
        self._wake = asyncio.Event()
        self._stamp: tuple[Any, ...] | None = None
        self._failed: set[tuple[str, int]] = set()
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return self._url()

    def get(self, network: str) -> StudyInfo | None:
        return self.by_network.get(network)

    async def in_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in the worker thread that owns every optuna call."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def configure(self) -> None:
        """Settings changed: read the (possibly other) storage again now."""
        self._stamp = None
        self.wake()

    def wake(self) -> None:
        """Poll now instead of at the next tick."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._poll_forever())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as exc:
                log.exception("reading the study storage failed")
                self._tell(
                    f"neural-hpo: reading studies from {self.url} failed: {exc!r}",
                    lsp.MessageType.Warning,
                )
            with contextlib.suppress(TimeoutError):
                wait = POLL_BUSY_S if self._busy() else POLL_IDLE_S
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()

    async def poll(self) -> None:
        """Re-read the storage if it changed; compute missing importance afterwards."""
        loop = asyncio.get_running_loop()
        url = self.url
        stamp = await loop.run_in_executor(self._pool, _stamp, url)
        if stamp == self._stamp:
            return
        self.by_network = await loop.run_in_executor(self._pool, read_studies, url)
        self._stamp = stamp
        self._changed()
        for info in list(self.by_network.values()):
            key = (info.study, info.n_complete)
            if (
                info.importance is not None
                or info.n_complete < MIN_IMPORTANCE_TRIALS
                or key in self._failed
            ):
                continue
            try:
                info.importance = await loop.run_in_executor(
                    self._pool, compute_importance, url, info
                )
            except Exception as exc:
                self._failed.add(key)
                log.exception("importance of study %s failed", info.study)
                self._tell(
                    f"neural-hpo: importance of study {info.study} failed: {exc!r}",
                    lsp.MessageType.Warning,
                )
                continue
            # no new stamp here: trials written meanwhile must not pass for the cache write;
            # the next poll reads the storage once more and finds the importance cached
            self._changed()

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()
