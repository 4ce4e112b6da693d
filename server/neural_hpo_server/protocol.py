"""The protocol: pygls' own, minus its copy of the text documents.

pygls keeps the open documents in its workspace and, while applying a change, rewrites an
out-of-range position of the very params object the server's handler then reads. This server
keeps the documents itself (``documents.py``), so the three document notifications go straight
to the registered handlers.
"""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.protocol import LanguageServerProtocol, lsp_method


class NeuralProtocol(LanguageServerProtocol):
    """Document notifications reach the handlers untouched."""

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
