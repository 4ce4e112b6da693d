"""Code lenses over each ``network``: run (locally or on Ray), estimate the time, open the report,
a live status ("trial 12/50 · 80 in study · best accuracy 0.981 · ETA 3 min 20 s": this run's
trials, then the study's, which other runs and machines sharing the storage add to) that
refreshes as trials finish, whoever started the run, and the cost over the space
("50.9k–204k parameters · ...")."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from neural_hpo.dsl.lexicon import value_text

from . import engine_check
from .commands import CANCEL_HPO, OPEN_REPORT, RUN_HPO
from .costs import ESTIMATE_TIME, cost_of

if TYPE_CHECKING:
    from .server import NeuralServer
    from .studies import StudyInfo

log = logging.getLogger(__name__)
#: client command the "install neural-hpo" lens runs (the VS Code extension opens a terminal)
INSTALL_ENGINE = "neural.installEngine"
_pending: set[asyncio.Task] = set()


def study_status(info: StudyInfo) -> str:
    """``50 trials · best accuracy 0.981`` from the storage (which holds no trial target)."""
    text = f"{info.n_total} trials"
    if info.best_value is not None:
        text += f" · best {info.metric} {value_text(info.best_value, digits=4)}"
    if info.parent:
        text += f" ({info.reuse_note()})"
    return text


def lenses(ls: NeuralServer, uri: str, snap, engine: str | None = None) -> list[lsp.CodeLens]:
    """The lenses of each network; ``engine``: why the study interpreter cannot run studies."""
    out = []
    for net in snap.analysis.file.networks:
        rng = snap.index.span_range(net.name_span)
        job = ls.jobs.find(uri, net.name)
        info = ls.studies.get(net.name)
        if job is None and ls.trusted and engine is not None:
            title = f"⚠ {engine}: {engine_check.INSTALL}"
            python = ls.settings.python
            out.append(lsp.CodeLens(rng, lsp.Command(title, INSTALL_ENGINE, arguments=[python])))
        elif job is None and ls.trusted:
            out.append(
                lsp.CodeLens(
                    rng, lsp.Command("▶ Run HPO", RUN_HPO, arguments=[uri, net.name, "local"])
                )
            )
            out.append(
                lsp.CodeLens(
                    rng, lsp.Command("▶ Run HPO on Ray", RUN_HPO, arguments=[uri, net.name, "ray"])
                )
            )
            out.append(
                lsp.CodeLens(
                    rng, lsp.Command("⏱ Estimate time", ESTIMATE_TIME, arguments=[uri, net.name])
                )
            )
        elif job is not None:
            out.append(lsp.CodeLens(rng, lsp.Command("■ Cancel", CANCEL_HPO, arguments=[job.id])))
        if info is not None:
            out.append(
                lsp.CodeLens(
                    rng, lsp.Command("Open report", OPEN_REPORT, arguments=[uri, net.name])
                )
            )
        status = study_status(info) if info is not None else None
        if job is not None:  # the study's count as last read: other machines' trials too
            status = job.status(info.n_total if info and info.study == job.study else None)
        if status:
            out.append(lsp.CodeLens(rng, lsp.Command(status, "")))
        cost = cost_of(snap, net.name)
        if cost is not None:
            out.append(lsp.CodeLens(rng, lsp.Command(cost.text(), "")))
    return out


def refresh(ls: NeuralServer) -> None:
    """Ask the client to re-request lenses (and inlay hints), where it supports that."""
    for cap, send in (
        ("workspace.code_lens.refresh_support", ls.workspace_code_lens_refresh_async),
        ("workspace.inlay_hint.refresh_support", ls.workspace_inlay_hint_refresh_async),
    ):
        if ls.client_supports(cap):
            task = asyncio.get_running_loop().create_task(_send(send, cap))
            _pending.add(task)
            task.add_done_callback(_pending.discard)


async def _send(send, what: str) -> None:
    try:
        await send(None)
    except JsonRpcException as exc:  # the client answered with an error
        log.warning("%s: the client refused the refresh: %s", what, exc)


def register(ls: NeuralServer) -> None:
    ls.studies.listeners.append(lambda: refresh(ls))
    ls.jobs.listeners.append(lambda job: refresh(ls))

    @ls.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: NeuralServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
        snap = await ls.snapshot(params, exact=True)
        if snap is None:
            return []
        engine = None
        if ls.trusted:
            loop = asyncio.get_running_loop()
            engine = await loop.run_in_executor(None, engine_check.problem, ls.settings.python)
        return lenses(ls, snap.uri, snap, engine)
