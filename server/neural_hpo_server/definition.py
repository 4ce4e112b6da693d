"""Go to definition: from a macro's use (a layer line naming it) to its ``define``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from .context import word_at
from .positions import map_offset

if TYPE_CHECKING:
    from .server import NeuralServer


def register(ls: NeuralServer) -> None:
    @ls.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: NeuralServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        doc = ls.documents.get(params.text_document.uri)
        snap = ls.analyzer.latest.get(params.text_document.uri)
        if doc is None or snap is None:
            return None
        hit = word_at(doc.text, doc.index.offset(params.position))
        if hit is None:
            return None
        macro = next((m for m in snap.analysis.file.macros if m.name == hit[0]), None)
        if macro is None:
            return None
        start = map_offset(doc.text, snap.text, macro.name_span.start)  # into the current text
        if start is None:
            return None
        return lsp.Location(doc.uri, doc.index.range(start, start + len(macro.name)))
