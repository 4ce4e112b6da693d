"""The open documents, kept here rather than in pygls' workspace so that one tolerant
implementation of incremental changes (UTF-16 ranges, LSP line breaks, clamping) applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from .positions import LineIndex


@dataclass
class Document:
    """One open document: its text, version and a line index built on demand."""

    uri: str
    text: str
    version: int | None = None
    _index: LineIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> LineIndex:
        if self._index is None or self._index.text is not self.text:
            self._index = LineIndex(self.text)
        return self._index

    @property
    def path(self) -> Path | None:
        return uri_path(self.uri)

    def apply(self, change: lsp.TextDocumentContentChangeEvent) -> None:
        """Apply one change; a reversed range is read as its mirror, an out-of-bounds one clamps."""
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            a = self.index.offset(change.range.start)
            b = self.index.offset(change.range.end)
            a, b = min(a, b), max(a, b)
            self.text = self.text[:a] + change.text + self.text[b:]
        else:
            self.text = change.text


def uri_path(uri: str) -> Path | None:
    """The filesystem path of a ``file:`` URI (None for other schemes)."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


class Documents:
    """Open documents by URI."""

    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def open(self, item: lsp.TextDocumentItem) -> Document:
        doc = Document(item.uri, item.text, item.version)
        self._docs[item.uri] = doc
        return doc

    def change(self, params: lsp.DidChangeTextDocumentParams) -> Document | None:
        doc = self._docs.get(params.text_document.uri)
        if doc is None:
            return None
        for change in params.content_changes:
            doc.apply(change)
        doc.version = params.text_document.version
        return doc

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def __contains__(self, uri: str) -> bool:
        return uri in self._docs

    def uris(self) -> list[str]:
        return list(self._docs)
