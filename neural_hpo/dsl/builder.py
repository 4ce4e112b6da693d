"""Syntax tree to typed model, and what an ``hpo(...)`` means in either dialect.

The ``make_*`` functions, ``interpret_hpo`` and ``_number`` (with ``lexicon.unquote``) build nodes from parsed
pieces; the lark transformer here and the fast parser (``fastparse``) both call them, so the two
paths build the same model by construction.
"""

from __future__ import annotations

from lark import Token, Transformer, Tree, v_args

from .diagnostics import Diagnostic
from .lexicon import BLOCK_WORDS, HPO_FORMS, unquote
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
    TupleValue,
    Value,
)


def _tok_span(t: Token) -> Span:
    return Span(t.line - 1, t.column - 1, t.end_line - 1, t.end_column - 1, t.start_pos, t.end_pos)


def _meta_span(meta) -> Span:
    if getattr(meta, "empty", True):
        return Span(0, 0, 0, 0, 0, 0)
    return Span(
        meta.line - 1,
        meta.column - 1,
        meta.end_line - 1,
        meta.end_column - 1,
        meta.start_pos,
        meta.end_pos,
    )


def _number(text: str) -> int | float:
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


@v_args(meta=True)
class _ToModel(Transformer):
    """Builds model nodes bottom-up; ``hpo(...)`` is interpreted as soon as it is reduced."""

    def __init__(self, diags: list[Diagnostic]):
        super().__init__()
        self.diags = diags

    # ---- values
    def number(self, meta, c):
        return Literal(_number(c[0].value), _tok_span(c[0]))

    def string(self, meta, c):
        return Literal(unquote(c[0].value), _tok_span(c[0]))

    def ident(self, meta, c):
        return make_ident(c[0].value, _tok_span(c[0]))

    def macro_ref(self, meta, c):
        return MacroRef(c[0].value[1:], _tok_span(c[0]))

    def tuple(self, meta, c):
        return TupleValue(list(c), _meta_span(meta))

    def list(self, meta, c):
        return ListValue(list(c), _meta_span(meta))

    def dict(self, meta, c):
        return DictValue(list(c), _meta_span(meta))

    def pair(self, meta, c):
        return Argument(c[0].value, c[1], _meta_span(meta), _tok_span(c[0]))

    def positional(self, meta, c):
        return Argument(None, c[0], _meta_span(meta))

    def named(self, meta, c):
        return Argument(c[0].value, c[1], _meta_span(meta), _tok_span(c[0]))

    def call_args(self, meta, c):
        return list(c)

    def call(self, meta, c):
        return Call(c[0].value, c[1], _meta_span(meta), _tok_span(c[0]))

    def hpo(self, meta, c):
        return interpret_hpo(c[1], _meta_span(meta), c[0].value == "HPO", self.diags)

    def add(self, meta, c):
        return make_binop("+", c[0], c[1], _meta_span(meta))

    def sub(self, meta, c):
        return make_binop("-", c[0], c[1], _meta_span(meta))

    def mul(self, meta, c):
        return make_binop("*", c[0], c[1], _meta_span(meta))

    def div(self, meta, c):
        return make_binop("/", c[0], c[1], _meta_span(meta))

    # ---- layers
    def activation(self, meta, c):
        return ("activation", c[0])

    def repeat(self, meta, c):
        return ("repeat", c[0])

    def device(self, meta, c):
        return ("device", c[0])

    def sublayers(self, meta, c):
        return ("sublayers", list(c))

    def layer(self, meta, c):
        args = next((item for item in c[1:] if isinstance(item, list)), None)
        suffixes = [item for item in c[1:] if isinstance(item, tuple)]
        return make_layer(c[0].value, _meta_span(meta), _tok_span(c[0]), args, suffixes, self.diags)

    # ---- network body
    def setting(self, meta, c):
        block = c[2] if len(c) > 2 else None
        return make_setting(c[0].value, c[1], block, _meta_span(meta), _tok_span(c[0]), self.diags)

    def block(self, meta, c):
        return make_block(c[0].value, c[1].items, _meta_span(meta), _tok_span(c[0]))

    def layers_marker(self, meta, c):
        return LayersMarker(_meta_span(meta))

    def macro_params(self, meta, c):
        return [t.value for t in c]

    def network(self, meta, c):
        name: Token = c[0]
        return Network(name.value, list(c[1:]), [], _meta_span(meta), _tok_span(name))

    def macro(self, meta, c):
        name: Token = c[0]
        params: list[str] = []
        body = list(c[1:])
        if body and isinstance(body[0], list):
            params = body.pop(0)
        return Macro(name.value, params, body, _meta_span(meta), _tok_span(name))

    def start(self, meta, c):
        return list(c)


def _value_span(v: Value | list, fallback: Span) -> Span:
    """Where a suffix value stands; an empty sub-layer block has no value, so its layer's span."""
    if isinstance(v, list):
        return v[0].span if v else fallback
    return v.span


def build_file(tree: Tree, source: str, path: str | None, diags: list[Diagnostic]) -> File:
    """The model of a parsed tree; problems of meaning go to ``diags``."""
    return make_file(_ToModel(diags).transform(tree), source, path)


def make_file(items: list[Network | Macro], source: str, path: str | None) -> File:
    """The file of the top-level items, networks and macros apart."""
    return File(
        networks=[i for i in items if isinstance(i, Network)],
        macros=[i for i in items if isinstance(i, Macro)],
        source=source,
        path=path,
    )


def make_ident(name: str, span: Span) -> Value:
    """A name as a value: ``true``/``false`` (either case of the first letter) and ``None`` are
    literals, any other name an identifier."""
    if name in ("true", "True"):
        return Literal(True, span)
    if name in ("false", "False"):
        return Literal(False, span)
    if name == "None":
        return Literal(None, span)
    return Ident(name, span)


def make_binop(op: str, left: Value, right: Value, span: Span) -> BinOp:
    """``left op right``; a one-item tuple operand is a parenthesised expression."""
    operands = [
        v.items[0] if isinstance(v, TupleValue) and len(v.items) == 1 else v for v in (left, right)
    ]
    return BinOp(op, operands[0], operands[1], span)


def make_setting(
    name: str,
    value: Value,
    block: DictValue | None,
    span: Span,
    name_span: Span,
    diags: list[Diagnostic],
) -> Setting:
    """``name: value`` or, for the legacy optimizer form ``optimizer: "Adam" { lr: 0.001 }``,
    the call ``Adam(lr=0.001)``; another setting given a block is E123."""
    if block is None:
        return Setting(name, value, span, name_span)
    opt_name = value.name if isinstance(value, Ident) else getattr(value, "value", None)
    if name == "optimizer" and isinstance(value, (Ident, Literal)) and isinstance(opt_name, str):
        whole = Span(
            value.span.line,
            value.span.col,
            block.span.end_line,
            block.span.end_col,
            value.span.start,
            block.span.end,
        )
        return Setting(name, Call(opt_name, block.items, whole, value.span), span, name_span)
    diags.append(
        Diagnostic(
            "E123",
            f'{name} takes no {{ ... }} block (only optimizer does: optimizer: "Adam" {{ learning_rate: 0.001 }})',
            block.span,
        )
    )
    return Setting(name, value, span, name_span)


def make_layer(
    name: str,
    span: Span,
    name_span: Span,
    args: list[Argument] | None,
    suffixes: list[tuple[str, Value | list[Layer]]],
    diags: list[Diagnostic],
) -> Layer:
    """A layer line from its parts; ``args`` is None without parentheses. Suffixes come as
    ``(kind, value)`` in source order; one given twice is reported (E306) and the last wins."""
    layer = Layer(name, span=span, name_span=name_span, has_parens=args is not None)
    if args is not None:
        layer.args = args
    for kind, value in suffixes:
        if getattr(layer, kind) is not None:
            diags.append(
                Diagnostic("E306", f"{kind} given twice for {name}", _value_span(value, span))
            )
        setattr(layer, kind, value)
    return layer


def make_block(keyword: str, items: list[Argument], span: Span, keyword_span: Span) -> Block:
    """``training``/``train`` blocks are of kind training, ``execution``/``execute`` of execution."""
    kind = BLOCK_WORDS[keyword]
    return Block(kind, keyword, items, span, keyword_span)


def interpret_hpo(args: list[Argument], span: Span, legacy: bool, diags: list[Diagnostic]) -> Value:
    """The ``HpoSpec`` that ``hpo(args)`` (or legacy ``HPO(form(...))``) stands for.

    A malformed expression is reported (E208) and becomes a ``Call`` named ``hpo``, which later
    checks skip, so one mistake gives one diagnostic.
    """
    form: str | None = None
    items: list[Argument] = []
    name: str | None = None
    step: Value | None = None
    problems: list[tuple[str, Span]] = []
    for a in args:
        key = a.name
        if key is None and isinstance(a.value, Call) and a.value.name in HPO_FORMS:
            key, items = a.value.name, list(a.value.args)
            legacy = True
        elif key in HPO_FORMS:
            if isinstance(a.value, ListValue):
                items = list(a.value.items)
            else:
                problems.append((f"{key} takes a list, e.g. {key}: [a, b]", a.value.span))
                continue
        elif key == "name":
            if isinstance(a.value, Literal) and isinstance(a.value.value, str) and a.value.value:
                name = a.value.value
            else:
                problems.append(('name takes a non-empty string, e.g. name: "width"', a.value.span))
            continue
        elif key == "step":
            step = a.value
            continue
        else:
            what = f"{key!r}" if key else "a positional value"
            problems.append(
                (
                    f"hpo does not take {what}: use categorical: [...], range: [low, high], "
                    'log_range: [low, high] (and optionally name: "...")',
                    a.span,
                )
            )
            continue
        if form is not None:
            problems.append(("hpo takes one form: categorical, range or log_range", a.span))
        form = key
    if form is None and not problems:
        problems.append(
            ("hpo needs a form: categorical: [...], range: [...] or log_range: [...]", span)
        )
    spec: HpoSpec | None = None
    if form is not None:
        kind = HPO_FORMS[form]
        if kind == "categorical":
            if step is not None:
                problems.append((f"{form} takes no step", step.span))
            bad = [i for i in items if i.name is not None]
            problems.extend((f"{form} takes values, not {i.name!r}", i.span) for i in bad)
            spec = HpoSpec("categorical", choices=[i.value for i in items if i.name is None])
        else:
            positional = [i.value for i in items if i.name is None]
            for i in items:
                if i.name == "step":
                    step = i.value
                elif i.name is not None:
                    problems.append((f"{form} takes low, high and step, not {i.name!r}", i.span))
            if len(positional) == 3 and step is None:
                step = positional.pop()
            if len(positional) != 2:
                problems.append((f"{form} needs exactly two bounds: [low, high]", span))
            else:
                spec = HpoSpec(kind, low=positional[0], high=positional[1], step=step)
    if problems:
        diags.extend(Diagnostic("E208", msg, s) for msg, s in problems)
        return Call("hpo", args, span, span)
    assert spec is not None
    spec.name, spec.span, spec.legacy = name, span, legacy
    return spec
