"""Document formatting with the project's formatter (canonical syntax), as one whole-document
edit. A file with syntax errors is left alone and the user is told why."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified, JsonRpcException

if TYPE_CHECKING:
    from .server import NeuralServer

#: LSP's RequestFailed error code
REQUEST_FAILED = -32803


def _format(text: str) -> str:
    from neural_hpo.dsl.formatter import format_source

    return format_source(text)


def register(ls: NeuralServer) -> None:
    @ls.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    async def formatting(
        ls: NeuralServer, params: lsp.DocumentFormattingParams
    ) -> list[lsp.TextEdit]:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return []
        text = doc.text
        try:
            new = await asyncio.get_running_loop().run_in_executor(None, _format, text)
        except ValueError as exc:
            raise JsonRpcException(message=f"cannot format: {exc}", code=REQUEST_FAILED) from exc
        if doc.text is not text:
            raise JsonRpcContentModified(message="the document changed while formatting")
        if new == text:
            return []
        return [lsp.TextEdit(doc.index.range(0, len(text)), new)]
