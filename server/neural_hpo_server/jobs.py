"""HPO runs as child processes: ``python -m neural_hpo.cli run FILE --json-events ...``.

The server never trains. It starts the child (the python of ``neural.python``), reads its JSON
events (``neural_hpo.engine.events``) line by line without blocking, turns them into
``$/progress`` and status lens updates, and cancels with SIGINT (finished trials stay; a trial
left RUNNING is failed as orphaned when the study next runs), then SIGTERM if the child does not
stop in time.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from neural_hpo.dsl.lexicon import value_text
from neural_hpo.labels import duration
from neural_hpo.storage import sqlite_path

from .engine_cli import default, flag_of

if TYPE_CHECKING:
    from pathlib import Path

    from .progress import Progress
    from .server import NeuralServer
    from .settings import Settings

log = logging.getLogger(__name__)

#: seconds the child gets to stop after SIGINT, then after SIGTERM
STOP_GRACE_S = 10.0


@dataclass
class RunRequest:
    """A validated run: everything the command line needs. ``trials`` and ``sampler`` are None
    to leave them to the engine (the DSL's ``n_trials`` and sampler)."""

    uri: str
    path: str
    network: str
    executor: str
    trials: int | None
    sampler: str | None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    """One run and what its events said so far."""

    id: str
    request: RunRequest
    metric: str
    state: str = "starting"  # starting | running | cancelling | finished | failed | cancelled
    done: int = 0
    total: int | None = None
    best: float | None = None
    study: str | None = None
    reused: str | None = None  # "34 reused from MyModel-1a2b3c4d"
    started: float | None = None  # when its first trial started (monotonic seconds)
    process: asyncio.subprocess.Process | None = None
    stderr: collections.deque = field(default_factory=lambda: collections.deque(maxlen=40))

    def status(self, in_study: int | None = None) -> str:
        """``trial 12/50 · best accuracy 0.981``: this run's trials; with ``in_study`` (the
        study's trials, also those other runs and machines add) ``trial 12/50 · 80 in study``; the ETA from the time this run's finished trials
        took (parallel workers included)."""
        text = f"trial {self.done}/{self.total}" if self.total else f"{self.done} trials"
        if in_study is not None:
            text += f" · {in_study} in study"
        if self.best is not None:
            text += f" · best {self.metric} {value_text(self.best, digits=4)}"
        if self.started is not None and self.done and self.total and self.done < self.total:
            left = (time.monotonic() - self.started) / self.done * (self.total - self.done)
            text += f" · ETA {duration(left)}"
        if self.reused:
            text += f" ({self.reused})"
        return text


def command_line(python: str, req: RunRequest, storage: str, ray_address: str | None) -> list[str]:
    """The child's argv: only flags of ``neural-hpo run`` (the caller checked ``--ray``)."""
    argv = [python, "-m", "neural_hpo.cli", "run", req.path, "--network", req.network]
    if req.trials is not None:
        argv += ["--trials", str(req.trials)]
    if req.sampler is not None:
        argv += ["--sampler", req.sampler]
    argv += ["--json-events", "--storage", storage]
    if req.executor == "ray":
        argv += ["--ray"] + (["--address", ray_address] if ray_address else [])
    for key, value in req.options.items():
        if value is True:
            argv.append(flag_of(key))
        elif value is not False:
            argv += [flag_of(key), str(value)]
    return argv


#: the events ``neural-hpo run --json-events`` prints (``neural_hpo.engine.events``)
TRIAL_ENDS = frozenset({"trial_finished", "trial_pruned", "trial_failed"})
EVENTS = TRIAL_ENDS | {"trials_reused", "trial_started", "best_changed", "done"}
#: keys every event carries (None where one does not apply)
EVENT_KEYS = ("event", "study", "n_trials", "finished", "best_value")


def apply_event(job: Job, event: dict[str, Any]) -> bool:
    """Fold one engine event into ``job``; whether it ended a trial."""
    job.study = event["study"]
    job.total = event["n_trials"]
    job.done = event["finished"]
    job.best = event["best_value"]
    if event["event"] == "trial_started" and job.started is None:
        job.started = time.monotonic()
    if event["event"] == "trials_reused":
        job.reused = f"{event['reused']} reused from {event['parent']}"
    return event["event"] in TRIAL_ENDS


class JobManager:
    """Running and finished jobs; one running job per (document, network).

    ``settings`` and ``root`` give the interpreter, Ray address and working folder of the next
    child; ``progress(token)`` makes a progress bar; ``trial_ended`` is told when a trial or a
    run ends (the study poll then reads the storage at once)."""

    def __init__(
        self,
        *,
        settings: Callable[[], Settings],
        root: Callable[[], Path],
        tell: Callable[[str, lsp.MessageType], None],
        progress: Callable[[str], Progress],
        trial_ended: Callable[[], None],
    ) -> None:
        self._settings, self._root, self._tell = settings, root, tell
        self._progress, self._trial_ended = progress, trial_ended
        self.jobs: dict[str, Job] = {}
        self.listeners: list[Callable[[Job], None]] = []
        self._count = 0

    def running(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.state in ("starting", "running")]

    def find(self, uri: str, network: str) -> Job | None:
        return next(
            (j for j in self.running() if j.request.uri == uri and j.request.network == network),
            None,
        )

    def start(self, req: RunRequest, storage: str) -> Job:
        """Start a run in the background; the caller has validated ``req``."""
        self._count += 1
        metric = req.options.get("metric", default("metric"))
        job = Job(f"{req.network}-{self._count}", req, metric, total=req.trials)
        self.jobs[job.id] = job
        asyncio.get_running_loop().create_task(self._run(job, storage))
        return job

    async def _run(self, job: Job, storage: str) -> None:
        req, settings = job.request, self._settings()
        progress = self._progress(f"neural-hpo/{job.id}")
        argv = command_line(settings.python, req, storage, settings.rayAddress)
        log.info("starting %s", argv)
        await progress.begin(f"HPO {req.network}", "starting")
        db = sqlite_path(storage)
        try:
            if db is not None:  # the engine creates its default storage's folder, not a given one
                db.parent.mkdir(parents=True, exist_ok=True)
            job.process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(self._root()),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            job.state = "failed"
            progress.end(f"could not start: {exc}")
            self._tell(f"neural-hpo: could not start {argv[0]}: {exc}", lsp.MessageType.Error)
            self._changed(job)
            return
        job.state = "running"
        self._changed(job)
        stderr = asyncio.get_running_loop().create_task(self._drain(job))
        async for line in job.process.stdout:
            event = parse_event(line)
            if event is not None and event["event"] == "trials_reused":
                self._tell(f"neural-hpo: {event['message']}", lsp.MessageType.Info)
            if event is not None and apply_event(job, event):
                pct = min(100, round(100 * job.done / job.total)) if job.total else None
                progress.report(job.status(), pct)
                self._trial_ended()
                self._changed(job)
        code = await job.process.wait()
        await stderr
        self._finish(job, code, progress)

    async def _drain(self, job: Job) -> None:
        async for line in job.process.stderr:
            job.stderr.append(line.decode("utf-8", "replace").rstrip())

    def _finish(self, job: Job, code: int, progress: Progress) -> None:
        if job.state == "cancelling":
            job.state = "cancelled"
            progress.end(f"cancelled after {job.done} trials; the study can be resumed")
        elif code == 0:
            job.state = "finished"
            progress.end(f"finished: {job.status()}")
        else:
            job.state = "failed"
            tail = "\n".join(list(job.stderr)[-5:])
            progress.end(f"failed (exit code {code})")
            self._tell(
                f"neural-hpo run of {job.request.network} failed (exit code {code}):\n{tail}",
                lsp.MessageType.Error,
            )
        self._trial_ended()
        self._changed(job)

    async def cancel(self, job: Job) -> None:
        """SIGINT, then SIGTERM after a grace period, then SIGKILL."""
        proc = job.process
        job.state = "cancelling"
        self._changed(job)
        if proc is None or proc.returncode is not None:
            return
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            try:
                proc.send_signal(sig)
            except ProcessLookupError:
                return
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE_S)
                return
            except TimeoutError:
                log.warning("job %s did not stop after %s", job.id, sig.name)

    def stop_all(self) -> None:
        """At shutdown: interrupt every child so that its study stays resumable."""
        for job in self.running():
            if job.process is not None and job.process.returncode is None:
                job.state = "cancelling"
                job.process.send_signal(signal.SIGINT)

    def _changed(self, job: Job) -> None:
        for listener in self.listeners:
            listener(job)


def parse_event(line: bytes) -> dict[str, Any] | None:
    """The engine event on ``line``; None for other output (logged when it looks like one)."""
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        log.warning("unreadable event line %r: %s", text[:200], exc)
        return None
    if not isinstance(event, dict) or event.get("event") not in EVENTS:
        log.warning("not an engine event: %r", text[:200])
        return None
    missing = [k for k in EVENT_KEYS if k not in event]
    if missing:
        log.warning("event %s lacks %s: %r", event["event"], ", ".join(missing), text[:200])
        return None
    return event


def register(ls: NeuralServer) -> None:
    @ls.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    async def progress_cancel(ls: NeuralServer, params: lsp.WorkDoneProgressCancelParams) -> None:
        job = ls.jobs.jobs.get(str(params.token).removeprefix("neural-hpo/"))
        if job is not None and job.state == "running":
            await ls.jobs.cancel(job)
