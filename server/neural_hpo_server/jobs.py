"""HPO runs as child processes: ``python -m neural_hpo.cli run FILE --json-events ...``.

The server never trains. It starts the child (the python of ``neural.python``), reads its JSON
events line by line without blocking, turns them into ``$/progress`` and status lens updates, and
cancels with SIGINT (the engine records the trial in flight and leaves the study resumable), then
SIGTERM if the child does not stop in time.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from .progress import Progress
from .values import show

if TYPE_CHECKING:
    from .server import NeuralServer

log = logging.getLogger(__name__)

#: seconds the child gets to stop after SIGINT, then after SIGTERM
STOP_GRACE_S = 10.0


@dataclass
class RunRequest:
    """A validated run: everything the command line needs."""

    uri: str
    path: str
    network: str
    executor: str
    trials: int
    sampler: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    """One run and what its events said so far."""

    id: str
    request: RunRequest
    state: str = "starting"  # starting | running | finished | failed | cancelled
    done: int = 0
    best: float | None = None
    metric: str | None = None
    study: str | None = None
    process: asyncio.subprocess.Process | None = None
    stderr: collections.deque = field(default_factory=lambda: collections.deque(maxlen=40))

    def status(self) -> str:
        """``trial 12/50 · best accuracy 0.981``."""
        text = f"trial {self.done}/{self.request.trials}"
        if self.best is not None:
            text += f" · best {self.metric or 'value'} {show(self.best)}"
        return text


def command_line(python: str, req: RunRequest, storage: str, ray_address: str | None) -> list[str]:
    """The child's argv."""
    argv = [python, "-m", "neural_hpo.cli", "run", req.path, "--network", req.network]
    argv += ["--trials", str(req.trials), "--sampler", req.sampler, "--json-events"]
    argv += ["--storage", storage]
    if req.executor == "ray":
        argv += ["--executor", "ray"] + (["--ray-address", ray_address] if ray_address else [])
    for key, value in req.options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is not False:
            argv += [flag, str(value)]
    return argv


def apply_event(job: Job, event: dict[str, Any]) -> bool:
    """Fold one engine event into ``job``; whether it finished a trial."""
    kind = str(event.get("event") or event.get("type") or "")
    job.study = event.get("study") or event.get("study_name") or job.study
    job.metric = event.get("metric") or job.metric
    best = event.get("best_value", event.get("best"))
    if isinstance(best, (int, float)) and not isinstance(best, bool):
        job.best = float(best)
    if kind.startswith("trial") and any(
        w in kind for w in ("complete", "finish", "end", "prun", "fail")
    ):
        n = event.get("n_done", event.get("completed"))
        job.done = int(n) if isinstance(n, int) else job.done + 1
        return True
    return False


class JobManager:
    """Running and finished jobs; one running job per (document, network)."""

    def __init__(self, ls: NeuralServer) -> None:
        self.ls = ls
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
        job = Job(f"{req.network}-{self._count}", req)
        self.jobs[job.id] = job
        asyncio.get_running_loop().create_task(self._run(job, storage))
        return job

    async def _run(self, job: Job, storage: str) -> None:
        ls, req = self.ls, job.request
        progress = Progress(ls, f"neural-hpo/{job.id}")
        argv = command_line(ls.settings.python, req, storage, ls.settings.rayAddress)
        log.info("starting %s", argv)
        await progress.begin(f"HPO {req.network}", f"starting {req.trials} trials")
        try:
            job.process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(ls.root()),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            job.state = "failed"
            progress.end(f"could not start: {exc}")
            ls.tell(f"neural-hpo: could not start {argv[0]}: {exc}", lsp.MessageType.Error)
            self._changed(job)
            return
        job.state = "running"
        self._changed(job)
        stderr = asyncio.get_running_loop().create_task(self._drain(job))
        async for line in job.process.stdout:
            event = _event(line)
            if event is not None and apply_event(job, event):
                pct = min(100, round(100 * job.done / max(1, req.trials)))
                progress.report(job.status(), pct)
                ls.studies.wake()
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
            self.ls.tell(
                f"neural-hpo run of {job.request.network} failed (exit code {code}):\n{tail}",
                lsp.MessageType.Error,
            )
        self.ls.studies.wake()
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


def _event(line: bytes) -> dict[str, Any] | None:
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        log.warning("unreadable event line %r: %s", text[:200], exc)
        return None
    return event if isinstance(event, dict) else None


def register(ls: NeuralServer) -> None:
    ls.jobs = JobManager(ls)
    ls.on_shutdown.append(ls.jobs.stop_all)

    @ls.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    async def progress_cancel(ls: NeuralServer, params: lsp.WorkDoneProgressCancelParams) -> None:
        job = ls.jobs.jobs.get(str(params.token).removeprefix("neural-hpo/"))
        if job is not None and job.state == "running":
            await ls.jobs.cancel(job)
