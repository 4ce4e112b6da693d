"""Work-done progress for long jobs: create/begin/report/end, when the client supports it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

if TYPE_CHECKING:
    from .server import NeuralServer

log = logging.getLogger(__name__)


class Progress:
    """One progress bar, identified by ``token``; a no-op for clients without the feature."""

    def __init__(self, ls: NeuralServer, token: str) -> None:
        self.ls, self.token = ls, token
        self.active = False

    async def begin(self, title: str, message: str, cancellable: bool = True) -> None:
        if not self.ls.client_supports("window.work_done_progress"):
            return
        try:
            await self.ls.work_done_progress.create_async(self.token)
        except JsonRpcException as exc:  # the client answered with an error
            log.warning("the client refused progress token %s: %s", self.token, exc)
            return
        self.active = True
        self.ls.work_done_progress.begin(
            self.token,
            lsp.WorkDoneProgressBegin(
                title=title, message=message, cancellable=cancellable, percentage=0
            ),
        )

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.active:
            self.ls.work_done_progress.report(
                self.token, lsp.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def end(self, message: str) -> None:
        if self.active:
            self.active = False
            self.ls.work_done_progress.end(self.token, lsp.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)
