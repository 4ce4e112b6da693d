"""Analysis off the event loop: debounced per document, newest version only.

``schedule`` (re)starts a short timer per URI. When it fires, an open document's diagnostics come
first, from its ``IncrementalChecker`` (which re-checks only the items an edit touched), and are
published at once (``Checked``); then the full ``analyze`` builds the model the other features
read, and becomes that URI's ``Snapshot``. Each step runs in a worker thread. Edits that arrive
meanwhile restart the timer, and work on an outdated version stops at its next checkpoint
(between top-level items) or before it starts. Completion and hover never wait: they read the
last snapshot (``latest``) and the current text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .documents import uri_path
from .lanes import Lane
from .positions import LineIndex

if TYPE_CHECKING:
    from neural_hpo.dsl.analysis import Analysis
    from neural_hpo.dsl.diagnostics import Diagnostic
    from neural_hpo.dsl.incremental import IncrementalChecker

log = logging.getLogger(__name__)

#: seconds of quiet after an edit before analysing
DEBOUNCE_S = 0.03


@dataclass
class Checked:
    """One version's diagnostics, with the line index of its text."""

    uri: str
    version: int | None
    index: LineIndex
    diagnostics: list[Diagnostic]


@dataclass
class Snapshot:
    """One completed analysis: the text it saw, its version and the result."""

    uri: str
    version: int | None
    text: str
    analysis: Analysis
    index: LineIndex = None  # type: ignore[assignment]  # built from ``text`` when not given

    def __post_init__(self) -> None:
        if self.index is None or self.index.text is not self.text:
            self.index = LineIndex(self.text)


def _prepare() -> None:
    from neural_hpo.dsl import incremental, parser  # noqa: F401  (loaded here, not at start-up)

    parser.prepare()


class _Outdated(Exception):
    """Raised at a checkpoint of an analysis whose version is no longer wanted."""


class Analyzer:
    """Debounced analysis of documents. Three worker threads ("lanes"): the diagnostics of open
    documents, their full analyses, and files on disk; so neither a long analysis nor a large
    workspace delays the diagnostics of the document being typed in."""

    def __init__(
        self,
        on_diagnostics: Callable[[Checked], None],
        on_result: Callable[[Snapshot], None],
        on_error: Callable[[str, BaseException], None],
    ) -> None:
        self.latest: dict[str, Snapshot] = {}
        self._on_diagnostics = on_diagnostics
        self._on_result = on_result
        self._on_error = on_error
        self._pending: dict[str, asyncio.Task] = {}
        self._wanted: dict[str, object] = {}
        self._checkers: dict[str, IncrementalChecker] = {}
        self._lanes = {lane: Lane(f"analyze-{lane}") for lane in ("check", "open", "disk")}
        self._waiters: dict[str, list[asyncio.Future]] = {}

    def schedule(
        self,
        uri: str,
        text: Callable[[], str | None] | str,
        version: int | None,
        *,
        lane: str = "open",
        delay: float = DEBOUNCE_S,
    ) -> None:
        """Analyse ``uri`` after ``delay`` s of quiet; ``text`` may be a loader run in the lane."""
        token = object()
        self._wanted[uri] = token
        old = self._pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self._pending[uri] = asyncio.get_running_loop().create_task(
            self._run(uri, text, version, lane, delay, token)
        )

    async def _run(self, uri, text, version, lane, delay, token) -> None:
        await asyncio.sleep(delay)
        loop = asyncio.get_running_loop()
        try:
            checked = None
            if lane == "open":
                checked = await loop.run_in_executor(
                    self._lanes["check"], self._check, uri, text, version, token
                )
                if checked is not None and self._wanted.get(uri) is token:
                    self._on_diagnostics(checked)
            index = checked.index if checked is not None else None
            snap = await loop.run_in_executor(
                self._lanes[lane], self._analyze, uri, text, version, token, index
            )
        except Exception as exc:
            log.exception("analysis of %s failed", uri)
            self._on_error(uri, exc)
            return
        if snap is None or self._wanted.get(uri) is not token:
            return
        self._pending.pop(uri, None)
        self.latest[uri] = snap
        if checked is None:
            self._on_diagnostics(Checked(uri, version, snap.index, list(snap.analysis.diagnostics)))
        self._on_result(snap)
        for fut in self._waiters.pop(uri, []):
            if not fut.done():
                fut.set_result(snap)

    def warm_up(self) -> None:
        """Load the checker and build lark's parser in the diagnostics lane, after start-up
        (``initialize`` does not wait for it) and before the first edit needs them."""
        self._lanes["check"].submit(_prepare)

    def _check(self, uri, text: str, version, token) -> Checked | None:
        """The diagnostics of an open document from its incremental checker (None when that
        cannot tell, or the version is outdated)."""
        if self._wanted.get(uri) is not token:
            return None
        from neural_hpo.dsl.incremental import IncrementalChecker

        checker = self._checkers.get(uri)
        if checker is None:
            checker = self._checkers[uri] = IncrementalChecker()
        diagnostics = checker.diagnostics(text)
        if diagnostics is None:
            return None
        return Checked(uri, version, LineIndex(text), diagnostics)

    def _analyze(self, uri, text, version, token, index=None) -> Snapshot | None:
        if self._wanted.get(uri) is not token:
            return None  # a newer version was scheduled while this one queued
        source = text() if callable(text) else text
        if source is None:
            return None
        from neural_hpo.dsl.analysis import (
            analyze,
        )  # the parser loads in the worker, not at start-up

        def checkpoint() -> None:
            if self._wanted.get(uri) is not token:
                raise _Outdated

        path = uri_path(uri)
        try:
            analysis = analyze(source, str(path) if path else uri, checkpoint=checkpoint)
        except _Outdated:
            return None
        return Snapshot(uri, version, source, analysis, index)

    async def current(self, uri: str, version: int | None, timeout: float = 2.0) -> Snapshot | None:
        """The snapshot of ``version`` (waiting for it up to ``timeout`` s), else the latest."""
        snap = self.latest.get(uri)
        if (snap is not None and snap.version == version) or uri not in self._pending:
            return snap
        fut = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(uri, []).append(fut)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            log.info("analysis of %s version %s not ready after %ss", uri, version, timeout)
            return self.latest.get(uri)

    def forget(self, uri: str) -> None:
        """Drop the snapshot and any pending analysis of ``uri``."""
        self._wanted.pop(uri, None)
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.latest.pop(uri, None)
        self._checkers.pop(uri, None)

    def shutdown(self) -> None:
        """Stop taking work; a running analysis stops at its next checkpoint or with the
        process (the lanes' threads are daemons: ``exit`` never waits for them)."""
        self._wanted.clear()
        for pool in self._lanes.values():
            pool.shutdown(wait=False, cancel_futures=True)
