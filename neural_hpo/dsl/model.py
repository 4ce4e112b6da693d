"""The typed model of a ``.neural`` file: every node carries the span the user wrote it at.

Spans are 0-based lines and columns counted in code points (the language server converts to
UTF-16 at its edge), plus character offsets into the source for edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Literal as _Lit


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node stands in the source: start inclusive, end exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int
    start: int
    end: int

    def contains(self, line: int, col: int) -> bool:
        """Whether the position (line, col) lies inside this span (end included)."""
        if line < self.line or line > self.end_line:
            return False
        if line == self.line and col < self.col:
            return False
        return not (line == self.end_line and col > self.end_col)


#: A span for nodes that do not come from source text (defaults, materialized values).
NO_SPAN = Span(0, 0, 0, 0, 0, 0)


def _span_maker() -> Callable[[int, int, int, int, int, int], Span]:
    new = object.__new__
    set_line, set_col, set_end_line, set_end_col, set_start, set_end = (
        getattr(Span, f.name).__set__ for f in fields(Span)
    )

    def make_span(line: int, col: int, end_line: int, end_col: int, start: int, end: int) -> Span:
        s = new(Span)
        set_line(s, line)
        set_col(s, col)
        set_end_line(s, end_line)
        set_end_col(s, end_col)
        set_start(s, start)
        set_end(s, end)
        return s

    return make_span


#: ``Span(...)`` in half the time (the frozen ``__init__`` sets each field through
#: ``object.__setattr__``): the fast parser makes one per token.
make_span = _span_maker()

Scalar = int | float | str | bool | None


@dataclass(slots=True)
class Literal:
    """A number, string, boolean or ``None`` as written."""

    value: Scalar
    span: Span = NO_SPAN

    @property
    def kind(self) -> str:
        """``int``, ``float``, ``str``, ``bool`` or ``none``."""
        v = self.value
        if v is None:
            return "none"
        if isinstance(v, bool):
            return "bool"
        return type(v).__name__


@dataclass(slots=True)
class Ident:
    """A bare identifier such as ``relu`` or ``adam``."""

    name: str
    span: Span = NO_SPAN


@dataclass(slots=True)
class MacroRef:
    """``$name`` inside a macro body; replaced when the macro is expanded."""

    name: str
    span: Span = NO_SPAN


@dataclass(slots=True)
class TupleValue:
    """``(3, 3)``: shapes, kernel sizes."""

    items: list[Value]
    span: Span = NO_SPAN


@dataclass(slots=True)
class ListValue:
    """``[a, b, step=s]``: items are arguments because ``hpo`` lists may name some."""

    items: list[Argument]
    span: Span = NO_SPAN


@dataclass(slots=True)
class DictValue:
    """``{key: value ...}``."""

    items: list[Argument]
    span: Span = NO_SPAN


@dataclass(slots=True)
class Call:
    """``name(args)`` as a value, e.g. ``adam(learning_rate: 0.01)``."""

    name: str
    args: list[Argument]
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN


@dataclass(slots=True)
class BinOp:
    """``left op right`` (``op`` one of ``+ - * /``) in an argument; folded to a number when
    macros are expanded."""

    op: str
    left: Value
    right: Value
    span: Span = NO_SPAN


HpoKind = _Lit["categorical", "range", "log_range"]


@dataclass(slots=True, eq=False)
class HpoSpec:
    """One ``hpo(...)``: a dimension of the search space.

    ``choices`` (categorical) may hold nested ``HpoSpec`` options: a conditional parameter.
    Identity matters (``eq=False``): the search space keys parameters by the spec object, so a
    repeated layer shares its parameters.
    """

    kind: HpoKind
    choices: list[Value] = field(default_factory=list)
    low: Value | None = None
    high: Value | None = None
    step: Value | None = None
    name: str | None = None
    span: Span = NO_SPAN
    legacy: bool = False


Value = Literal | Ident | MacroRef | TupleValue | ListValue | DictValue | Call | HpoSpec | BinOp


@dataclass(slots=True)
class Argument:
    """A positional (``name`` None) or named argument."""

    name: str | None
    value: Value
    span: Span = NO_SPAN
    name_span: Span | None = None


@dataclass(slots=True)
class Layer:
    """A layer line: ``Name(args) -> activation * repeat @ device { sublayers }``.

    ``origin`` is the span of the macro use a layer was expanded from (None otherwise).
    """

    name: str
    args: list[Argument] = field(default_factory=list)
    activation: Value | None = None
    repeat: Value | None = None
    device: Value | None = None
    sublayers: list[Layer] | None = None
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN
    has_parens: bool = True
    origin: Span | None = None

    def arg(self, name: str) -> Argument | None:
        """The named argument ``name`` as written (positional ones are resolved by the checker)."""
        for a in self.args:
            if a.name == name:
                return a
        return None


@dataclass(slots=True)
class Setting:
    """``name: value`` in a network body: input, loss, optimizer, metrics, ..."""

    name: str
    value: Value
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN


@dataclass(slots=True)
class Block:
    """``training: {...}`` / ``train {...}`` (kind ``training``) or ``execution``/``execute``."""

    kind: _Lit["training", "execution"]
    keyword: str
    items: list[Argument]
    span: Span = NO_SPAN
    keyword_span: Span = NO_SPAN


@dataclass(slots=True)
class LayersMarker:
    """The legacy ``layers:`` line, kept so the formatter and converter see it."""

    span: Span = NO_SPAN


Statement = Setting | Block | LayersMarker | Layer


@dataclass(slots=True)
class Network:
    """One ``network Name { ... }``.

    ``body`` is the statements in source order, as written (the formatter's view); ``layers`` is
    the layer list with macros expanded (the checker's, search space's and builder's view).
    """

    name: str
    body: list[Statement] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN

    def setting(self, name: str) -> Setting | None:
        """The first ``name: value`` setting (``input``, ``loss``, ``optimizer``, ``metrics``)."""
        for s in self.body:
            if isinstance(s, Setting) and s.name == name:
                return s
        return None

    def block_items(self, kind: str) -> list[Argument]:
        """The entries of every ``training``/``execution`` block, in order."""
        return [a for s in self.body if isinstance(s, Block) and s.kind == kind for a in s.items]

    @property
    def is_legacy(self) -> bool:
        """Whether the network is written in the legacy ``layers:`` form."""
        return any(isinstance(s, LayersMarker) for s in self.body)

    def input_axes(self) -> list[Value] | None:
        """The axes of ``input:`` as written, without the batch axis of a legacy network (a
        leading ``None`` followed by at least one axis); None when input is not a tuple."""
        s = self.setting("input")
        if s is None or not isinstance(s.value, TupleValue):
            return None
        items = s.value.items
        if self.is_legacy and len(items) > 1 and _is_none(items[0]):
            return items[1:]
        return items

    def training(self, key: str) -> Argument | None:
        """The ``training``/``train`` entry ``key``."""
        return next((a for a in self.block_items("training") if a.name == key), None)


def _is_none(v: Value) -> bool:
    return isinstance(v, Literal) and v.value is None


@dataclass(slots=True)
class Macro:
    """``define Name(params) { layers }``."""

    name: str
    params: list[str]
    body: list[Statement]
    span: Span = NO_SPAN
    name_span: Span = NO_SPAN


@dataclass(slots=True)
class File:
    """A parsed file: networks and macros in source order, and the comments the formatter keeps."""

    networks: list[Network] = field(default_factory=list)
    macros: list[Macro] = field(default_factory=list)
    comments: list[tuple[Span, str]] = field(default_factory=list)
    source: str = ""
    path: str | None = None

    def network(self, name: str | None = None) -> Network:
        """The network called ``name`` (the only/first one when None); KeyError names the choices."""
        if name is None and self.networks:
            return self.networks[0]
        for n in self.networks:
            if n.name == name:
                return n
        names = ", ".join(n.name for n in self.networks) or "none"
        where = self.path or "the file"
        if name is None:
            raise KeyError(f"no network in {where}")
        raise KeyError(f"no network named {name!r} in {where} (networks there: {names})")
