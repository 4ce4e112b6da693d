"""The protocol's bookkeeping: a handler that has finished leaves nothing behind, so a long
editing session's memory stays flat however many edits arrive."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types as T
from neural_hpo_server.server import create_server


@pytest.mark.asyncio
async def test_finished_handlers_leave_no_futures_behind() -> None:
    ls = create_server()
    pinged = asyncio.Event()

    @ls.feature("neural/ping")
    async def ping(ls, params) -> None:
        pinged.set()

    change = T.DidChangeTextDocumentParams(
        T.VersionedTextDocumentIdentifier(uri="file:///nowhere.neural", version=2),
        [T.TextDocumentContentChangeWholeDocument(text="")],
    )
    for _ in range(3):  # a generator handler (the protocol's) around a plain one
        ls.protocol._handle_notification(T.TEXT_DOCUMENT_DID_CHANGE, change)
    ls.protocol._handle_notification("neural/ping", None)  # a coroutine handler
    await pinged.wait()
    for _ in range(3):  # the done callbacks of asyncio futures run on later loop turns
        await asyncio.sleep(0)
    assert ls.protocol._request_futures == {}
    ls.analyzer.shutdown()
