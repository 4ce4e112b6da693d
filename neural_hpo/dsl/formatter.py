"""Canonical formatting of ``.neural`` files: legacy in, canonical out, comments kept.

The printer walks the model as written (``Network.body``, unexpanded macros) and turns each
statement into one output line; ``{ ... }`` constructs become a header line, their children one
level deeper (4 spaces) and a closing line. Every output line remembers the source range it
stands for, which is how comments find their place again: a comment alone on its line goes before
the first line that comes after it in the source, a comment after code trails the line that code
became. Number tokens are copied from the source, so ``1e-4`` stays ``1e-4``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .arguments import bind, bind_layer
from .catalog import LAYERS, OPTIMIZERS
from .lexicon import (
    DEFINE,
    NETWORK,
    is_bare_name,
    is_skipped,
    line_starts_of,
    marks,
    quote,
    value_text,
)
from .model import (
    Argument,
    BinOp,
    Block,
    Call,
    DictValue,
    File,
    HpoSpec,
    Ident,
    Layer,
    LayersMarker,
    ListValue,
    Literal,
    Macro,
    MacroRef,
    Network,
    Setting,
    Span,
    Statement,
    TupleValue,
    Value,
)
from .parser import parse

INDENT = "    "
#: parse diagnostics after which the model no longer holds everything written: syntax errors,
#: nesting too deep or a number too long (E104, E105), a layer suffix (``-> act``, ``* n``, ``@ dev``) given twice, of which only one is kept, and a
#: ``{ ... }`` block after a setting other than optimizer, which is dropped
UNFORMATTABLE = ("E101", "E102", "E103", "E104", "E105", "E123", "E306")

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def format_source(source: str) -> str:
    """``source`` in canonical form; raises ValueError (with the first syntax error) rather than
    reformat a file that does not parse, since recovery may have dropped some of it."""
    result = parse(source)
    blocking = [d for d in result.diagnostics if d.code in UNFORMATTABLE]
    if blocking:
        d = blocking[0]
        raise ValueError(f"{d.span.line + 1}:{d.span.col + 1}: error[{d.code}]: {d.message}")
    printer = _Printer(source, result.file)
    printer.file()
    return _render(printer.lines, result.file.comments, source)


# ---- printing statements to lines ----------------------------------------------------------------


@dataclass
class _Line:
    """One output line and the source range [start, end) it stands for.

    ``text`` None marks a dropped statement (legacy ``layers:``) whose comments still need a
    place; ``closer`` marks a closing brace, before which comments sit one level deeper.
    """

    indent: int
    text: str | None
    start: int
    end: int
    opener: bool = False
    closer: bool = False
    top_end: bool = False
    before: list[tuple[int, str]] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)


class _Printer:
    def __init__(self, source: str, file: File):
        self.source = source
        self.macros = {m.name for m in file.macros}
        self.file_model = file
        self.lines: list[_Line] = []
        self.network: Network | None = None  # the network being printed

    def emit(self, indent: int, text: str | None, start: int, end: int, **flags: bool) -> None:
        self.lines.append(_Line(indent, text, start, end, **flags))

    def file(self) -> None:
        items: list[Network | Macro] = [*self.file_model.networks, *self.file_model.macros]
        for item in sorted(items, key=lambda i: i.span.start):
            self.network = item if isinstance(item, Network) else None
            if isinstance(item, Network):
                head = f"{NETWORK} {item.name}"
            else:
                params = f"({', '.join(item.params)})" if item.params else ""
                head = f"{DEFINE} {item.name}{params}"
            self.braced(0, head, item.span, item.name_span.end, item.body)

    def braced(
        self,
        indent: int,
        head: str,
        span: Span,
        scan_from: int,
        children: list,
        suffix: str = "",
        child: Callable[[object, int], None] | None = None,
    ) -> None:
        """``head {`` children ``}suffix``, or ``head {}suffix`` when there are no children;
        the ``{`` is the first one after ``scan_from`` outside brackets."""
        top, start, end = indent == 0, span.start, span.end
        if not [c for c in children if not isinstance(c, LayersMarker)]:
            self.emit(indent, f"{head} {{}}{suffix}", start, end, top_end=top)
            return
        open_, close = _braces(self.source, scan_from)
        self.emit(indent, head + " {", start, open_ + 1, opener=True)
        for c in children:
            (child or self.statement)(c, indent + 1)
        self.emit(indent, "}" + suffix, close, end, closer=True, top_end=top)

    def statement(self, s: Statement, indent: int) -> None:
        if isinstance(s, LayersMarker):
            self.emit(indent, None, s.span.start, s.span.end)
        elif isinstance(s, Setting):
            text = f"{s.name}: {self.setting_value(s)}"
            self.emit(indent, text, s.span.start, s.span.end)
        elif isinstance(s, Block):
            self.braced(indent, f"{s.kind}:", s.span, s.keyword_span.end, s.items, child=self.entry)
        else:
            self.layer(s, indent)

    def entry(self, a: Argument, indent: int) -> None:
        self.emit(indent, f"{a.name}: {self.value(a.value)}", a.span.start, a.span.end)

    def setting_value(self, s: Setting) -> str:
        if s.name == "optimizer":
            return self.optimizer(s.value)
        axes = self.network.input_axes() if s.name == "input" and self.network else None
        if isinstance(s.value, TupleValue) and axes is not None and axes != s.value.items:
            return self.value(replace(s.value, items=axes))  # a legacy batch axis: dropped
        return self.value(s.value, names=s.name in ("loss", "metrics"))

    def optimizer(self, v: Value) -> str:
        """Known optimizer names in lower case, their arguments bound to catalog names."""
        name = v.name if isinstance(v, (Ident, Call)) else None
        if isinstance(v, Literal) and isinstance(v.value, str) and is_bare_name(v.value):
            name = v.value
        if name is None:
            return self.value(v, names=True)
        spec = OPTIMIZERS.get(name.lower())
        shown = spec.name if spec else name
        if not isinstance(v, Call):
            return shown
        if not is_bare_name(shown):  # the legacy block form is the only way to write it
            return f"{quote(shown)} {{ {self.args(v.args, ': ')} }}"
        args = v.args
        if spec is not None:
            bound = bind(v.args, spec.args, v.name, v.name_span)
            if not bound.problems:
                args = [Argument(k, a.value) for k, a in bound.values.items()]
        return f"{shown}({self.args(args, ': ')})"

    def layer(self, layer: Layer, indent: int) -> None:
        spec = LAYERS.get(layer.name) if layer.name not in self.macros else None
        args, activation, names = layer.args, layer.activation, frozenset()
        if spec is not None:
            names = frozenset(a.name for a in spec.args if a.type == "activation")
            bound = bind_layer(layer, spec)
            if not bound.problems:
                values = dict(bound.values)
                if layer.activation is not None:
                    del values["activation"]  # bind_layer folded the arrow in
                act_spec = spec.arg("activation")
                act = values.get("activation")
                # ``->`` takes a single value, not arithmetic (E119 on an activation)
                if act_spec and not act_spec.required and act and not isinstance(act.value, BinOp):
                    activation = values.pop("activation").value
                args = [Argument(k, a.value) for k, a in values.items()]
        head = layer.name
        if spec is not None or layer.has_parens:
            head += f"({self.args(args, ': ', names)})"
        if activation is not None:
            head += f" -> {self.value(activation, names=True)}"
        suffix = ""
        if layer.repeat is not None:
            suffix += f" * {self.value(layer.repeat)}"
        if layer.device is not None:
            suffix += f" @ {self.value(layer.device)}"
        if layer.sublayers is None:
            self.emit(indent, head + suffix, layer.span.start, layer.span.end)
            return
        self.braced(indent, head, layer.span, layer.name_span.end, layer.sublayers, suffix)

    # ---- values

    def args(self, args: list[Argument], sep: str, names: frozenset[str] = frozenset()) -> str:
        """Arguments joined by commas; those called one of ``names`` name an activation."""
        return ", ".join(self.arg(a, sep, a.name in names) for a in args)

    def arg(self, a: Argument, sep: str, names: bool = False) -> str:
        value = self.value(a.value, names)
        return f"{a.name}{sep}{value}" if a.name is not None else value

    def value(self, v: Value, names: bool = False) -> str:
        """``names``: the value names an activation, loss, optimizer or metric, so a string that
        is a plain identifier is written bare (``"relu"`` -> ``relu``)."""
        if isinstance(v, Literal):
            return self.literal(v, names)
        if isinstance(v, Ident):
            return v.name
        if isinstance(v, MacroRef):
            return "$" + v.name
        if isinstance(v, TupleValue):
            items = [self.value(i, names) for i in v.items]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(v, ListValue):
            return "[" + ", ".join(self.arg(a, "=", names) for a in v.items) + "]"
        if isinstance(v, DictValue):
            return "{" + self.args(v.items, ": ") + "}"
        if isinstance(v, Call):
            if v.name == "hpo" and not v.args:  # a reported expression: as written
                return self.source[v.span.start : v.span.end]
            return f"{v.name}({self.args(v.args, ': ')})"
        if isinstance(v, BinOp):
            return self.binop(v)
        return self.hpo(v, names)

    def binop(self, v: BinOp) -> str:
        """``a op b`` with the parentheses precedence needs (the right operand of ``-`` and
        ``/`` is parenthesised at equal precedence too)."""
        rank = _PRECEDENCE[v.op]
        left, right = self.value(v.left), self.value(v.right)
        if isinstance(v.left, BinOp) and _PRECEDENCE[v.left.op] < rank:
            left = f"({left})"
        if isinstance(v.right, BinOp) and (
            _PRECEDENCE[v.right.op] < rank or (_PRECEDENCE[v.right.op] == rank and v.op in "-/")
        ):
            right = f"({right})"
        return f"{left} {v.op} {right}"

    def literal(self, v: Literal, names: bool) -> str:
        x = v.value
        if isinstance(x, str):
            return x if names and is_bare_name(x) else quote(x)
        if isinstance(x, (int, float)) and not isinstance(x, bool) and v.span.end > v.span.start:
            return self.source[v.span.start : v.span.end]  # a number as written: 1e-4 stays
        return value_text(x, digits=None)

    def hpo(self, spec: HpoSpec, names: bool) -> str:
        if spec.kind == "categorical":
            items = ", ".join(self.value(c, names) for c in spec.choices)
        else:
            bounds = [self.value(spec.low), self.value(spec.high)]  # type: ignore[arg-type]
            if spec.step is not None:
                bounds.append(f"step={self.value(spec.step)}")
            items = ", ".join(bounds)
        name = f", name: {quote(spec.name)}" if spec.name is not None else ""
        return f"hpo({spec.kind}: [{items}]{name})"


def _braces(source: str, pos: int) -> tuple[int, int]:
    """Offsets of the first ``{`` at bracket depth 0 from ``pos`` and of its matching ``}``,
    skipping strings and comments."""
    depth, braces, open_ = 0, 0, -1
    for m in marks(source, "()[]{}", pos):
        c, i = m.group(), m.start()
        if is_skipped(m):
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "{":
            if open_ < 0 and depth == 0:
                open_ = i
            braces += open_ >= 0
        elif open_ >= 0:
            braces -= 1
            if braces == 0:
                return open_, i
    raise ValueError("unbalanced braces")  # the parser accepted the file, so this cannot happen


# ---- comments and layout -----------------------------------------------------------------------


def _render(lines: list[_Line], comments: list[tuple[Span, str]], source: str) -> str:
    """The lines as text, with comments put back and single blank lines kept between statements."""
    starts = [ln.start for ln in lines]
    tail: list[tuple[int, str]] = []
    layout = _Layout(source)
    for span, text in comments:
        line_start = source.rfind("\n", 0, span.start) + 1
        if source[line_start : span.start].strip(" \t\f\r,"):
            i = bisect.bisect_right(starts, span.start) - 1
            if i >= 0:
                lines[i].trailing.append(text.rstrip())
                continue
        i = bisect.bisect_right(starts, span.start)
        line_no = span.line
        if i > 0 and lines[i - 1].end > span.start:
            i -= 1  # inside a statement printed on one line: the comment goes before it
            line_no = layout.line_of(lines[i].start)
        (lines[i].before if i < len(lines) else tail).append((line_no, text.rstrip()))
    for ln in lines:
        src_line = layout.line_of(ln.start)
        for line_no, text in ln.before:
            layout.add(ln.indent + ln.closer, text, line_no)
        if ln.text is None:
            for text in ln.trailing:
                layout.add(ln.indent, text, src_line)
            continue
        trailing = sorted(ln.trailing, key=_is_line_comment)  # a line comment ends its line
        layout.add(ln.indent, "  ".join([ln.text, *trailing]), src_line, ln.closer)
        layout.after_open, layout.after_top = ln.opener, ln.top_end
    for line_no, text in tail:
        layout.add(0, text, line_no)
    return layout.text()


def _is_line_comment(text: str) -> bool:
    return not text.startswith("/*")


class _Layout:
    """Output lines, with one blank line where the source had blank lines between statements,
    never right after ``{`` or before ``}``, and always between top-level items."""

    def __init__(self, source: str):
        self.line_starts = line_starts_of(source)
        self.blank = [not ln.strip() for ln in source.split("\n")]
        self.out: list[str] = []
        self.prev_line = -1
        self.after_open = True
        self.after_top = False

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def add(self, indent: int, text: str, src_line: int, closer: bool = False) -> None:
        gap = self.prev_line < src_line and src_line > 0 and self.blank[src_line - 1]
        if self.out and not closer and not self.after_open and (gap or self.after_top):
            self.out.append("")
        self.out.append(INDENT * indent + text)
        self.prev_line, self.after_open, self.after_top = src_line, False, False

    def text(self) -> str:
        return "\n".join(self.out) + "\n" if self.out else ""
