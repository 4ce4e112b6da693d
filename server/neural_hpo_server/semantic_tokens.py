"""Semantic tokens from the model: layers, arguments, settings, keys, activations and other names,
macros, ``hpo`` keywords, numbers, strings and comments, as LSP's relative encoding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.catalog import LAYERS
from neural_hpo.dsl.model import (
    Argument,
    BinOp,
    Block,
    Call,
    DictValue,
    HpoSpec,
    Ident,
    Layer,
    ListValue,
    Literal,
    MacroRef,
    Setting,
    TupleValue,
)

from .positions import utf16_len

if TYPE_CHECKING:
    from .server import NeuralServer

TYPES = [
    "keyword",
    "class",
    "parameter",
    "property",
    "enumMember",
    "number",
    "string",
    "comment",
    "macro",
    "function",
]
LEGEND = lsp.SemanticTokensLegend(token_types=TYPES, token_modifiers=[])
_T = {t: i for i, t in enumerate(TYPES)}


def _collect(file) -> list[tuple[int, int, int]]:
    """``(start, end, type)`` of every token, unsorted."""
    out: list[tuple[int, int, int]] = []

    def tok(span, kind: str) -> None:
        if span is not None and span.end > span.start:
            out.append((span.start, span.end, _T[kind]))

    def value(v) -> None:
        if isinstance(v, HpoSpec):
            out.append((v.span.start, v.span.start + len("hpo"), _T["keyword"]))  # hpo / HPO
            for x in (*v.choices, v.low, v.high, v.step):
                if x is not None:
                    value(x)
        elif isinstance(v, Literal):
            tok(
                v.span,
                "string"
                if isinstance(v.value, str)
                else "number"
                if v.kind in ("int", "float")
                else "keyword",
            )
        elif isinstance(v, (Ident, MacroRef)):
            tok(v.span, "enumMember" if isinstance(v, Ident) else "macro")
        elif isinstance(v, Call):
            tok(v.name_span, "function")
            args(v.args)
        elif isinstance(v, TupleValue):
            for x in v.items:
                value(x)
        elif isinstance(v, (ListValue, DictValue)):
            args(v.items)
        elif isinstance(v, BinOp):
            value(v.left)
            value(v.right)

    def args(items: list[Argument], kind: str = "parameter") -> None:
        for a in items:
            tok(a.name_span, kind)
            value(a.value)

    def body(statements) -> None:
        for s in statements:
            if isinstance(s, Layer):
                tok(s.name_span, "class" if s.name in LAYERS else "macro")
                args(s.args)
                for v in (s.activation, s.repeat, s.device):
                    if v is not None:
                        value(v)
                body(s.sublayers or [])
            elif isinstance(s, Setting):
                tok(s.name_span, "property")
                value(s.value)
            elif isinstance(s, Block):
                tok(s.keyword_span, "keyword")
                args(s.items, "property")

    for m in file.macros:
        tok(m.name_span, "macro")
        body(m.body)
    for n in file.networks:
        tok(n.name_span, "class")
        body(n.body)
    for span, _ in file.comments:
        tok(span, "comment")
    return out


def encode(snap) -> list[int]:
    """The relative five-integer encoding, one line per token (multi-line tokens split)."""
    data: list[int] = []
    prev_line = prev_col = 0
    end_seen = -1
    text, index = snap.text, snap.index
    for start, end, kind in sorted(_collect(snap.analysis.file)):
        if start < end_seen:
            continue  # overlaps the previous token
        end_seen = end
        line = index.line_of(start)
        while start < end:
            line_start, line_end = index.line_bounds(line)
            stop = min(end, line_end)
            if stop > start:
                col = utf16_len(text[line_start:start])
                delta_col = col - prev_col if line == prev_line else col
                data += [line - prev_line, delta_col, utf16_len(text[start:stop]), kind, 0]
                prev_line, prev_col = line, col
            line += 1
            if line >= index.line_count():
                break
            start = max(stop, index.starts[line])
    return data


def register(ls: NeuralServer) -> None:
    @ls.feature(
        lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
        lsp.SemanticTokensRegistrationOptions(legend=LEGEND, full=True),
    )
    async def semantic_tokens(
        ls: NeuralServer, params: lsp.SemanticTokensParams
    ) -> lsp.SemanticTokens:
        snap = await ls.snapshot(params)
        return lsp.SemanticTokens(data=encode(snap) if snap is not None else [])
