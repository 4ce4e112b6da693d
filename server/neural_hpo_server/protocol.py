"""The protocol: pygls' own, minus its copy of the text documents.

pygls keeps the open documents in its workspace and, while applying a change, rewrites an
out-of-range position of the very params object the server's handler then reads. This server
keeps the documents itself (``documents.py``), so the three document notifications go straight
to the registered handlers.

pygls also files the future of every handler it runs under a message id, for ``$/cancelRequest``,
but only a request's reply takes it out again: a notification's handler (every ``didChange``) and
each step of a generator handler run under a fresh UUID that nothing removes, so every one of them
stayed alive for the life of the server (about 1.7 KiB each). Here a finished handler's entry goes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

from lsprotocol import types as lsp
from pygls.protocol import LanguageServerProtocol, lsp_method


class NeuralProtocol(LanguageServerProtocol):
    """Document notifications reach the handlers untouched; finished handlers are forgotten."""

    def _execute_handler(
        self,
        msg_id: str | int,
        handler: Callable[..., Any],
        callback: Callable[[Future[Any]], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(partial(self._forget, msg_id))

    def _forget(self, msg_id: str | int, future: Future[Any]) -> None:
        """Drop ``msg_id``'s entry once its handler is done (unless it already holds another).
        A cancelled one stays: ``$/cancelRequest`` has removed it already, and ``shutdown``
        cancels while it iterates over the entries, so removing it there would break that loop."""
        if not future.cancelled() and self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    def _user(self, method: str, params):
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams):
        yield from self._user(lsp.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams):
        yield from self._user(lsp.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams):
        yield from self._user(lsp.TEXT_DOCUMENT_DID_CLOSE, params)
