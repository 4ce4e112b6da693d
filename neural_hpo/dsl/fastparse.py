"""A hand-written parser for valid files: the language of ``grammars/neural.lark``, several
times faster than lark's tree building, so the editor can re-check a long file on each keystroke.

It reads the lexicon's tokens (``lexicon.TERMINALS``, the grammar's own) and builds the same
model with the same spans through the ``make_*`` helpers of ``builder``. It
does no error recovery: on any syntax error it raises ``SyntaxFallback``, and ``parser.parse``
runs lark (the reference grammar, which recovers and words the messages) on that piece of the
file. Keywords follow lark's contextual lexer: a word is a keyword only where the LALR state
accepts that keyword.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import TypeVar

from .builder import (
    _number,
    interpret_hpo,
    make_binop,
    make_block,
    make_file,
    make_ident,
    make_layer,
    make_setting,
)
from .diagnostics import Diagnostic
from .lexicon import (
    BLOCK_WORDS,
    DEFINE,
    LAYERS,
    NETWORK,
    PUNCTUATION,
    STATEMENT_WORDS,
    TERMINALS,
    TOP_WORDS,
    is_hpo,
    line_starts_of,
    unquote,
)
from .model import (
    Argument,
    Block,
    Call,
    DictValue,
    File,
    Layer,
    LayersMarker,
    ListValue,
    Literal,
    Macro,
    MacroRef,
    Network,
    Span,
    Statement,
    TupleValue,
    Value,
    make_span,
)


class SyntaxFallback(Exception):
    """The text is not in the language (or too deep to parse here): use the lark path."""


# Whitespace and comments are skipped before each token; the empty match is the end of the text,
# a lone character that starts no token an error.
_TOKEN_RE = re.compile(
    f"(?:{TERMINALS['WS']}|{TERMINALS['COMMENT']})*("
    + "|".join(TERMINALS[k] for k in ("NAME", "NUMBER", "STRING", "MACRO_REF"))
    + "|"
    + "|".join(re.escape(p) for p in PUNCTUATION)
    + r"|\Z|[\s\S])"
)

#: the kind of a token by its first character, where that alone decides it
_KIND_BY_FIRST = {
    **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_", "NAME"),
    **dict.fromkeys("0123456789", "NUMBER"),
    **{p: p for p in PUNCTUATION if len(p) == 1 and p not in "+-"},
}
#: first characters that start a token only with more after them
_KIND_IF_LONGER = {
    **dict.fromkeys("-+.", "NUMBER"),
    **dict.fromkeys("\"'", "STRING"),
    "$": "MACRO_REF",
}


def _odd_kind(text: str) -> str:
    """The kind of a token whose first character does not decide it; raises on a stray one."""
    if text in ("->", "+", "-"):
        return text
    if not text:
        return "END"
    if len(text) > 1 and text[0] in _KIND_IF_LONGER:
        return _KIND_IF_LONGER[text[0]]
    if text[0].isdecimal():  # re's \d: any Unicode decimal digit
        return "NUMBER"
    raise SyntaxFallback(f"unexpected character {text[0]!r}")


# Words that start a body statement (STATEMENT_WORDS) are keywords after a complete value or
# layer (lark's LALR states there accept them), plain names after ``{`` or ``,`` of a dict or
# sub-layer block.
_ARG_SEPARATORS = frozenset((":", "="))
_VALUE_SUFFIXES = {"->": "activation", "*": "repeat", "@": "device"}
#: token kinds after a value that may continue it as arithmetic
_MAYBE_OPERATOR = frozenset(("+", "-", "*", "/", "NUMBER"))
_T = TypeVar("_T")


def parse_fast(
    source: str,
    diags: list[Diagnostic],
    within: tuple[int, int] | None = None,
    line_starts: list[int] | None = None,
) -> File:
    """The model of ``source`` (of its characters ``within`` [start, end) when given, spans
    still counted from the start of ``source``, whose ``line_starts`` a caller parsing it piece
    by piece passes once); problems of meaning go to ``diags``.

    Raises ``SyntaxFallback`` when the text has a syntax error.
    """
    try:
        return _Parser(source, diags, within, line_starts).file()
    except RecursionError as e:
        raise SyntaxFallback("nested too deeply") from e


class _Parser:
    """Recursive descent over a token list; ``i`` is the next token."""

    def __init__(
        self,
        source: str,
        diags: list[Diagnostic],
        within: tuple[int, int] | None = None,
        line_starts: list[int] | None = None,
    ):
        self.source = source
        self.diags = diags
        self.line_starts = line_starts or line_starts_of(source)
        # the last match is the empty one at the end: the END sentinel the parser looks ahead to
        start, end = within or (0, len(source))
        spans = [m.span(1) for m in _TOKEN_RE.finditer(source, start, end)]
        self.texts = texts = [source[start:end] for start, end in spans]
        kind_by_first = _KIND_BY_FIRST.get
        self.kinds = [kind_by_first(text[:1]) or _odd_kind(text) for text in texts]
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]
        self.i = 0

    # ---- tokens and spans

    def _expect(self, kind: str) -> int:
        i = self.i
        if self.kinds[i] != kind:
            raise SyntaxFallback(f"expected {kind}")
        self.i = i + 1
        return i

    def _span(self, first: int, last: int) -> Span:
        """From the start of token ``first`` to the end of token ``last``."""
        return self._offsets(self.starts[first], self.ends[last])

    def _tok(self, i: int) -> Span:
        """The span of token ``i`` (no token holds a newline)."""
        start, end = self.starts[i], self.ends[i]
        ls = self.line_starts
        line = bisect_right(ls, start) - 1
        col = start - ls[line]
        return make_span(line, col, line, col + end - start, start, end)

    def _offsets(self, start: int, end: int) -> Span:
        ls = self.line_starts
        line = bisect_right(ls, start) - 1
        end_line = bisect_right(ls, end) - 1
        return make_span(line, start - ls[line], end_line, end - ls[end_line], start, end)

    # ---- file and bodies

    def file(self) -> File:
        kinds = self.kinds
        items: list[Network | Macro] = []
        while kinds[self.i] != "END":
            if kinds[self.i] == ",":
                self.i += 1
            else:
                items.append(self._item())
        return make_file(items, self.source, None)

    def _item(self) -> Network | Macro:
        """``network``/``define`` and the name: at top level lark's lexer knows no NAME, so
        ``networkNet`` reads as ``network Net``."""
        first = self._expect("NAME")
        text = self.texts[first]
        word = next((w for w in TOP_WORDS if text.startswith(w)), None)
        if word is None:
            raise SyntaxFallback("expected network or define")
        if len(text) > len(word):
            if text[len(word)].isdigit():
                raise SyntaxFallback("a name cannot start with a digit")
            name = text[len(word) :]
            name_span = self._offsets(self.starts[first] + len(word), self.ends[first])
        else:
            at = self._expect("NAME")
            name, name_span = self.texts[at], self._tok(at)
        params: list[str] = []
        if word == DEFINE and self.kinds[self.i] == "(":
            params = self._macro_params()
        self._expect("{")
        body = self._body()
        span = self._span(first, self._expect("}"))
        if word == NETWORK:
            return Network(name, body, [], span, name_span)
        return Macro(name, params, body, span, name_span)

    def _macro_params(self) -> list[str]:
        self.i += 1
        params: list[str] = []
        kinds = self.kinds
        while kinds[self.i] != ")":
            params.append(self.texts[self._expect("NAME")])
            if kinds[self.i] == ",":
                self.i += 1
            elif kinds[self.i] != ")":
                raise SyntaxFallback("expected , or )")
        self.i += 1
        return params

    def _body(self) -> list[Statement]:
        """Statements up to the closing ``}`` (left for the caller)."""
        kinds, texts = self.kinds, self.texts
        body: list[Statement] = []
        while True:
            i = self.i
            kind = kinds[i]
            if kind == ",":
                self.i = i + 1
            elif kind == "}":
                return body
            elif kind != "NAME":
                raise SyntaxFallback("expected a statement")
            elif texts[i] in BLOCK_WORDS:
                body.append(self._block())
            elif texts[i] == LAYERS:
                self.i = i + 1
                body.append(LayersMarker(self._span(i, self._expect(":"))))
            elif kinds[i + 1] == ":":
                self.i = i + 2
                value = self._value()
                block = None
                if kinds[self.i] == "{":
                    first = self.i
                    block = DictValue(self._dict_items(), self._span(first, self.i - 1))
                span = self._span(i, self.i - 1)
                body.append(make_setting(texts[i], value, block, span, self._tok(i), self.diags))
            else:
                body.append(self._layer())

    def _block(self) -> Block:
        first = self.i
        self.i += 1
        if self.kinds[self.i] == ":":
            self.i += 1
        items = self._dict_items()
        span = self._span(first, self.i - 1)
        return make_block(self.texts[first], items, span, self._tok(first))

    # ---- layers

    def _layer(self) -> Layer:
        kinds = self.kinds
        first = self.i
        self.i += 1
        args = self._call_args() if kinds[self.i] == "(" else None
        suffixes: list[tuple[str, Value | list[Layer]]] = []
        while True:
            kind = kinds[self.i]
            if kind in _VALUE_SUFFIXES:
                self.i += 1
                suffixes.append((_VALUE_SUFFIXES[kind], self._value()))
            elif kind == "{":
                suffixes.append(("sublayers", self._sublayers()))
            else:
                break
        name_span = self._tok(first)
        span = name_span if self.i - 1 == first else self._span(first, self.i - 1)
        return make_layer(self.texts[first], span, name_span, args, suffixes, self.diags)

    def _sublayers(self) -> list[Layer]:
        kinds, texts = self.kinds, self.texts
        self.i += 1
        layers: list[Layer] = []
        keywords_here = False  # whether the last token ended a layer with more than its name
        while True:
            i = self.i
            kind = kinds[i]
            if kind == ",":
                self.i = i + 1
                keywords_here = False
            elif kind == "}":
                self.i = i + 1
                return layers
            elif kind == "NAME" and not (keywords_here and texts[i] in STATEMENT_WORDS):
                layers.append(self._layer())
                keywords_here = self.i - 1 != i
            else:
                raise SyntaxFallback("expected a layer")

    # ---- values

    def _value(self) -> Value:
        i = self.i
        kind = self.kinds[i]
        text = self.texts[i]
        if kind == "NAME":
            if is_hpo(text):
                self.i = i + 1
                if self.kinds[self.i] != "(":
                    raise SyntaxFallback("expected ( after hpo")
                args = self._call_args()
                return interpret_hpo(args, self._span(i, self.i - 1), text == "HPO", self.diags)
            if self.kinds[i + 1] == "(":
                self.i = i + 1
                args = self._call_args()
                return Call(text, args, self._span(i, self.i - 1), self._tok(i))
            self.i = i + 1
            return make_ident(text, self._tok(i))
        if kind == "NUMBER":
            self.i = i + 1
            return Literal(_number(text), self._tok(i))
        if kind == "STRING":
            self.i = i + 1
            return Literal(unquote(text), self._tok(i))
        if kind == "MACRO_REF":
            self.i = i + 1
            return MacroRef(text[1:], self._tok(i))
        if kind == "(":
            self.i = i + 1
            items = self._sequence(")", self._expr)
            return TupleValue(items, self._span(i, self.i - 1))
        if kind == "[":
            self.i = i + 1
            args = self._sequence("]", self._arg)
            return ListValue(args, self._span(i, self.i - 1))
        if kind == "{":
            items = self._dict_items()
            return DictValue(items, self._span(i, self.i - 1))
        raise SyntaxFallback("expected a value")

    def _call_args(self) -> list[Argument]:
        self.i += 1
        return self._sequence(")", self._arg)

    def _sequence(self, close: str, item: Callable[[], _T]) -> list[_T]:
        """``[item (, item)* ,?] close``, after the opening bracket."""
        kinds = self.kinds
        items: list[_T] = []
        if kinds[self.i] == close:
            self.i += 1
            return items
        while True:
            items.append(item())
            kind = kinds[self.i]
            if kind == ",":
                self.i += 1
                if kinds[self.i] == close:
                    self.i += 1
                    return items
            elif kind == close:
                self.i += 1
                return items
            else:
                raise SyntaxFallback(f"expected , or {close}")

    def _arg(self) -> Argument:
        i = self.i
        if (
            self.kinds[i] == "NAME"
            and self.kinds[i + 1] in _ARG_SEPARATORS
            and not is_hpo(self.texts[i])
        ):
            return self._named(self._expr)
        value = self._expr()
        return Argument(None, value, value.span)

    def _expr(self) -> Value:
        """Terms joined by ``+``/``-``; a signed number after a term is the operator and a
        number, as lark's contextual lexer reads it there."""
        first = self.i
        left = self._value()
        if self.kinds[self.i] not in _MAYBE_OPERATOR:  # the common case: no arithmetic
            return left
        left = self._term_rest(first, left)
        while (op := self._operator("+-")) is not None:
            right = self._term_rest(self.i, self._value())
            left = make_binop(op, left, right, self._span(first, self.i - 1))
        return left

    def _term_rest(self, first: int, left: Value) -> Value:
        """``left`` and the factors joined to it by ``*``/``/``."""
        while (op := self._operator("*/")) is not None:
            left = make_binop(op, left, self._value(), self._span(first, self.i - 1))
        return left

    def _operator(self, ops: str) -> str | None:
        i = self.i
        kind = self.kinds[i]
        if kind in ops and len(kind) == 1:
            self.i = i + 1
            return kind
        sign = self.texts[i][:1]
        if kind == "NUMBER" and sign in ops and sign in "+-":
            self._split_sign(i)
            self.i = i + 1
            return sign
        return None

    def _split_sign(self, i: int) -> None:
        """Token ``i``, a signed number, becomes the sign and the number."""
        start = self.starts[i]
        self.texts[i : i + 1] = [self.texts[i][0], self.texts[i][1:]]
        self.kinds[i : i + 1] = [self.texts[i], "NUMBER"]
        self.starts[i : i + 1] = [start, start + 1]
        self.ends[i : i + 1] = [start + 1, self.ends[i]]

    def _named(self, value: Callable[[], Value]) -> Argument:
        """``name: value`` or ``name = value``: a named argument or a dict entry."""
        i = self.i
        self.i = i + 2
        v = value()
        return Argument(self.texts[i], v, self._span(i, self.i - 1), self._tok(i))

    def _dict_items(self) -> list[Argument]:
        """``{ (pair | ,)* }``; a statement word right after a pair is lark's keyword there."""
        kinds, texts = self.kinds, self.texts
        self._expect("{")
        items: list[Argument] = []
        after_pair = False
        while True:
            i = self.i
            kind = kinds[i]
            if kind == ",":
                self.i = i + 1
                after_pair = False
            elif kind == "}":
                self.i = i + 1
                return items
            elif (
                kind == "NAME"
                and kinds[i + 1] in _ARG_SEPARATORS
                and not (after_pair and texts[i] in STATEMENT_WORDS)
            ):
                items.append(self._named(self._value))
                after_pair = True
            else:
                raise SyntaxFallback("expected name: value")
