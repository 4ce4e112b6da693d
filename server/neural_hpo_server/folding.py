"""Folding ranges: networks, macros, blocks, layers with sub-layer blocks, and runs of comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.model import Block, Layer

if TYPE_CHECKING:
    from .server import NeuralServer


def folding_ranges(snap) -> list[lsp.FoldingRange]:
    out: list[lsp.FoldingRange] = []
    line = snap.index.line_of

    def add(span, kind=None) -> None:
        a, b = line(span.start), line(max(span.start, span.end - 1))
        if b > a:
            out.append(lsp.FoldingRange(start_line=a, end_line=b, kind=kind))

    def body(statements) -> None:
        for s in statements:
            if isinstance(s, Block) or (isinstance(s, Layer) and s.sublayers):
                add(s.span)
            if isinstance(s, Layer) and s.sublayers:
                body(s.sublayers)

    file = snap.analysis.file
    for node in (*file.macros, *file.networks):
        add(node.span)
        body(node.body)
    comment_lines = sorted({line(span.start) for span, _ in file.comments})
    run_start = None
    for i, ln in enumerate(comment_lines):
        if run_start is None:
            run_start = ln
        if i + 1 == len(comment_lines) or comment_lines[i + 1] != ln + 1:
            if ln > run_start:
                out.append(
                    lsp.FoldingRange(
                        start_line=run_start, end_line=ln, kind=lsp.FoldingRangeKind.Comment
                    )
                )
            run_start = None
    return out


def register(ls: NeuralServer) -> None:
    @ls.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding_range(
        ls: NeuralServer, params: lsp.FoldingRangeParams
    ) -> list[lsp.FoldingRange]:
        snap = await ls.snapshot(params)
        return folding_ranges(snap) if snap is not None else []
