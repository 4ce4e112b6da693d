"""Push diagnostics: document notifications schedule an analysis, and the analyzer hands each
version's diagnostics here as soon as it knows them (versioned for open documents). A diagnostic's
suggestion ("did you mean X?") travels in ``data`` (``suggestion_data``), where the quick fix reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from neural_hpo.dsl.diagnostics import Diagnostic

from .analyzer import Checked
from .positions import LineIndex

if TYPE_CHECKING:
    from .server import NeuralServer

SOURCE = "neural-hpo"


def suggestion_data(d: Diagnostic, index: LineIndex) -> dict[str, Any] | None:
    """``data`` of the LSP diagnostic: the suggested text and the range it replaces, as JSON."""
    if d.suggestion is None:
        return None
    rng = index.span_range(d.suggestion.span)
    at = [{"line": p.line, "character": p.character} for p in (rng.start, rng.end)]
    return {"suggestion": d.suggestion.text, "range": {"start": at[0], "end": at[1]}}


def to_lsp(d: Diagnostic, index: LineIndex) -> lsp.Diagnostic:
    """One checker diagnostic in LSP terms (the hint, when any, on a second line)."""
    return lsp.Diagnostic(
        range=index.span_range(d.span),
        message=d.message + (f"\nhint: {d.hint}" if d.hint else ""),
        severity=lsp.DiagnosticSeverity(int(d.severity)),
        code=d.code,
        source=SOURCE,
        data=suggestion_data(d, index),
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
