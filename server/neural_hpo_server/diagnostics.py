"""Push diagnostics: document notifications schedule an analysis, and the analyzer hands each
version's diagnostics here as soon as it knows them (versioned for open documents). A "did you mean X?" suggestion travels in ``data`` so
the quick fix needs no message parsing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.diagnostics import Diagnostic

from .analyzer import Checked
from .positions import LineIndex

if TYPE_CHECKING:
    from .server import NeuralServer

SOURCE = "neural-hpo"
_SUGGESTION = re.compile(r"\(did you mean ([^?()]+)\?\)")


def suggestion(message: str) -> str | None:
    """The name a "did you mean X?" message proposes."""
    m = _SUGGESTION.search(message)
    return m.group(1) if m else None


def to_lsp(d: Diagnostic, index: LineIndex) -> lsp.Diagnostic:
    """One checker diagnostic in LSP terms (the hint, when any, on a second line)."""
    fix = suggestion(d.message)
    return lsp.Diagnostic(
        range=index.span_range(d.span),
        message=d.message + (f"\nhint: {d.hint}" if d.hint else ""),
        severity=lsp.DiagnosticSeverity(int(d.severity)),
        code=d.code,
        source=SOURCE,
        data={"suggestion": fix} if fix else None,
    )


def publish(ls: NeuralServer, checked: Checked) -> None:
    """Publish a version's diagnostics, unless the document moved on since."""
    doc = ls.documents.get(checked.uri)
    if doc is not None and doc.version != checked.version:
        return
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(
            uri=checked.uri,
            version=checked.version,
            diagnostics=[to_lsp(d, checked.index) for d in checked.diagnostics],
        )
    )


def clear(ls: NeuralServer, uri: str) -> None:
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def register(ls: NeuralServer) -> None:
    ls.diagnostics_listeners.append(lambda checked: publish(ls, checked))

    @ls.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NeuralServer, params: lsp.DidOpenTextDocumentParams) -> None:
        doc = ls.documents.open(params.text_document)
        ls.analyzer.schedule(doc.uri, doc.text, doc.version, delay=0)

    @ls.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NeuralServer, params: lsp.DidChangeTextDocumentParams) -> None:
        doc = ls.documents.change(params)
        if doc is not None:
            ls.analyzer.schedule(doc.uri, doc.text, doc.version)

    @ls.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NeuralServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.close(uri)
        ls.analyzer.forget(uri)
        path = ls.workspace_path(uri)
        if path is not None and path.is_file():
            ls.analyzer.schedule(uri, lambda: ls.text_of(uri), None, lane="disk")
        else:
            clear(ls, uri)
