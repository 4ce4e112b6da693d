"""Document symbols: networks and macros, with their layers, settings and search parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.model import Block, Layer, Setting

from .locate import hpo_specs, params_of

if TYPE_CHECKING:
    from .server import NeuralServer

S = lsp.SymbolKind


def _sym(snap, name: str, kind: S, span, sel, detail=None, children=None) -> lsp.DocumentSymbol:
    rng = snap.index.span_range(span)
    sel_rng = snap.index.span_range(sel) if sel is not None and sel.end > sel.start else rng
    return lsp.DocumentSymbol(name or "?", kind, rng, sel_rng, detail=detail, children=children)


def _body(snap, body) -> list[lsp.DocumentSymbol]:
    out = []
    for s in body:
        if isinstance(s, Layer):
            kids = _body(snap, s.sublayers) if s.sublayers else None
            out.append(_sym(snap, s.name, S.Class, s.span, s.name_span, children=kids))
        elif isinstance(s, Setting):
            out.append(_sym(snap, s.name, S.Property, s.span, s.name_span))
        elif isinstance(s, Block):
            out.append(_sym(snap, s.keyword, S.Namespace, s.span, s.keyword_span))
    return out


def symbols(snap) -> list[lsp.DocumentSymbol]:
    out = []
    file = snap.analysis.file
    for m in file.macros:
        out.append(
            _sym(snap, m.name, S.Function, m.span, m.name_span, "macro", _body(snap, m.body))
        )
    for net in file.networks:
        space = snap.analysis.spaces.get(net.name)
        params = [
            _sym(snap, p.name, S.Variable, spec.span, spec.span, p.describe())
            for spec in hpo_specs(net)
            for p in params_of(space, spec)
        ]
        n = len(space) if space else 0
        out.append(
            _sym(
                snap,
                net.name,
                S.Module,
                net.span,
                net.name_span,
                f"{n} parameters",
                _body(snap, net.body) + params,
            )
        )
    return out


def register(ls: NeuralServer) -> None:
    @ls.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        ls: NeuralServer, params: lsp.DocumentSymbolParams
    ) -> list[lsp.DocumentSymbol]:
        snap = await ls.snapshot(params)
        return symbols(snap) if snap is not None else []
