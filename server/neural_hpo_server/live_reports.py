"""Live reports: a report the client shows (``neural/report``) is sent the study's newly
finished trials as they land, then told when the run ends.

``neural/reportTrials`` (server -> client notification) carries ``{uri, network, study, trials,
final}``: ``trials`` are rows of ``neural_hpo.trial_rows.named_row`` not sent before; ``final``
is true once a run of the network ended (finished, failed or cancelled) or its newest study
changed, when the
client fetches the whole report again. ``neural/reportClosed`` (client -> server, ``{uri,
network}``) ends the watch. Clients that never ask for ``neural/report`` (Neovim: the command
gives them the file path) get nothing. New trials are noticed by the study poll, which a
job's trial-end events wake, and, with SQLite, by ``storage_watch`` looking at the database
file every 0.2 s while a report is shown, so a trial any process stores reaches the client
well within a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from neural_hpo.storage import sqlite_path

from .storage_watch import StampWatch

if TYPE_CHECKING:
    from .jobs import Job
    from .server import NeuralServer
    from .studies import StudyStore

log = logging.getLogger(__name__)

TRIALS_NOTIFICATION = "neural/reportTrials"
CLOSED_NOTIFICATION = "neural/reportClosed"
FINISHED = ("COMPLETE", "PRUNED", "FAIL")
#: job states after which a run is over (``jobs.Job.state``)
ENDED = ("finished", "failed", "cancelled")


@dataclass
class Watch:
    """One shown report: its study and the trial numbers its page already has."""

    uri: str
    network: str
    study: str
    seen: set[int] = field(default_factory=set)
    final: bool = False  # a run of the network ended: say so at the next refresh


def _finished(url: str, study_name: str) -> tuple[Any, list[Any]]:
    import optuna

    from neural_hpo.trials import load_trials

    ts = load_trials(optuna.load_study(study_name=study_name, storage=url))
    return ts, [t for t in ts.trials if t.state.name in FINISHED]


def finished_numbers(url: str, study_name: str) -> set[int]:
    """Numbers of the study's finished trials (runs in the studies worker)."""
    return {t.number for t in _finished(url, study_name)[1]}


def finished_rows(url: str, study_name: str, seen: set[int]) -> list[dict[str, Any]]:
    """Rows of the study's finished trials not in ``seen`` (runs in the studies worker)."""
    from neural_hpo.trial_rows import named_row

    ts, done = _finished(url, study_name)
    return [named_row(t, ts) for t in done if t.number not in seen]


class LiveReports:
    """The watched reports, fed from the study poll and the job listener; ``notify(method,
    params)`` sends a notification to the client."""

    def __init__(self, studies: StudyStore, notify: Callable[[str, Any], None]) -> None:
        self._studies, self._notify = studies, notify
        self.watches: dict[tuple[str, str], Watch] = {}
        self._lock = asyncio.Lock()  # one refresh at a time: no trial sent twice
        self._tasks: set[asyncio.Task] = set()
        #: reports (uri, network) whose run ended while no page watched them, such as one that
        #: ended while its page was being opened: that page gets the final notice once
        self._ended_unwatched: set[tuple[str, str]] = set()
        self._file = StampWatch(
            lambda: sqlite_path(self._studies.url), lambda: bool(self.watches), self.refresh
        )

    def wake(self) -> None:
        """Refresh soon (from a listener, on the event loop)."""
        if self.watches:
            task = asyncio.get_running_loop().create_task(self.refresh())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def watch(self, uri: str, network: str, study: str) -> None:
        """Called before the report is written: trials finishing meanwhile are sent after."""
        seen = await self._studies.in_worker(finished_numbers, self._studies.url, study)
        w = self.watches[(uri, network)] = Watch(uri, network, study, seen)
        self._file.start()  # an SQLite file's writes noticed in a fraction of a second
        if (uri, network) in self._ended_unwatched:
            self._ended_unwatched.discard((uri, network))
            w.final = True
            self.wake()

    def job_changed(self, job: Job) -> None:
        """A job's state changed: when it ended, its network's report gets the final notice."""
        key = (job.request.uri, job.request.network)
        w = self.watches.get(key)
        if job.state in ENDED:
            if w is not None:
                w.final = True
            else:
                self._ended_unwatched.add(key)
        self.wake()

    async def refresh(self) -> None:
        """Send each watched report its new trials; the final notice when its run ended."""
        async with self._lock:
            for key, w in list(self.watches.items()):
                await self._refresh(key, w)

    async def _refresh(self, key: tuple[str, str], w: Watch) -> None:
        info = self._studies.get(w.network)
        replaced = info is not None and info.study != w.study
        final = replaced or w.final
        rows = [] if replaced else await self._new_rows(w)
        if self.watches.get(key) is not w:  # closed while its study was being read
            return
        w.final = False
        if rows or final:
            self._send(w, rows, final)
        if replaced:
            del self.watches[key]  # the client asks for the new study's report

    async def _new_rows(self, w: Watch) -> list[dict[str, Any]]:
        try:
            rows = await self._studies.in_worker(finished_rows, self._studies.url, w.study, w.seen)
        except KeyError:  # the study was deleted
            return []
        w.seen |= {r["number"] for r in rows}
        return rows

    def _send(self, w: Watch, rows: list[dict[str, Any]], final: bool) -> None:
        params = {"uri": w.uri, "network": w.network, "study": w.study}
        self._notify(TRIALS_NOTIFICATION, {**params, "trials": rows, "final": final})

    def closed(self, uri: str, network: str) -> None:
        self.watches.pop((uri, network), None)


def register(ls: NeuralServer) -> None:
    live = ls.live_reports
    ls.studies.listeners.append(live.wake)
    ls.jobs.listeners.append(live.job_changed)

    @ls.feature(CLOSED_NOTIFICATION)
    def closed(ls: NeuralServer, params: Any) -> None:
        if hasattr(params, "_asdict"):
            params = params._asdict()
        live.closed(str(params.get("uri")), str(params.get("network")))
