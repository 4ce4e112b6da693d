"""What the model has at a character offset: the innermost layer, argument, ``hpo(...)``,
setting or name there, with the network it belongs to. Hover, code actions and go-to-definition
share it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from neural_hpo.dsl.model import (
    Argument,
    BinOp,
    Block,
    Call,
    DictValue,
    File,
    HpoSpec,
    Ident,
    Layer,
    ListValue,
    Macro,
    Network,
    Setting,
    Span,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from neural_hpo.dsl.space.model import Param, SearchSpace


def covers(span: Span | None, offset: int) -> bool:
    return span is not None and span.start <= offset <= span.end and span.end > span.start


@dataclass
class Found:
    """The nodes at an offset, outermost first; ``what`` says which name the offset is on:
    ``network``, ``macro``, ``layer``, ``argument``, ``setting``, ``training``, ``execution``,
    ``optimizer``, ``ident``, ``hpo`` or None."""

    network: Network | None = None
    macro: Macro | None = None
    layer: Layer | None = None
    argument: Argument | None = None
    owner: str | None = None  # whose argument: a layer, an optimizer, training or execution
    setting: Setting | None = None
    hpo: HpoSpec | None = None
    ident: Ident | None = None
    call: Call | None = None
    what: str | None = None


def locate(file: File, offset: int) -> Found:
    """The innermost nodes of ``file`` at ``offset``."""
    found = Found()
    for net in file.networks:
        if covers(net.span, offset):
            found.network = net
            if covers(net.name_span, offset):
                found.what = "network"
            _statements(net.body, offset, found)
            return found
    for macro in file.macros:
        if covers(macro.span, offset):
            found.macro = macro
            if covers(macro.name_span, offset):
                found.what = "macro"
            _statements(macro.body, offset, found)
    return found


def _statements(body, offset: int, found: Found) -> None:
    for s in body:
        if not covers(s.span, offset):
            continue
        if isinstance(s, Layer):
            _layer(s, offset, found)
        elif isinstance(s, Setting):
            found.setting = s
            if covers(s.name_span, offset):
                found.what = "setting"
            _value(s.value, offset, found)
        elif isinstance(s, Block):
            found.owner = s.kind
            for a in s.items:
                _argument(a, offset, found, s.kind)
        return


def _layer(layer: Layer, offset: int, found: Found) -> None:
    found.layer, found.owner = layer, layer.name
    if covers(layer.name_span, offset):
        found.what = "layer"
    for a in layer.args:
        _argument(a, offset, found, layer.name)
    for v in (layer.activation, layer.repeat, layer.device):
        if v is not None:
            _value(v, offset, found)
    if layer.sublayers:
        _statements(layer.sublayers, offset, found)


def _argument(a: Argument, offset: int, found: Found, owner: str) -> None:
    if not covers(a.span, offset):
        return
    found.argument, found.owner = a, owner
    if covers(a.name_span, offset):
        found.what = owner if owner in ("training", "execution") else "argument"
    _value(a.value, offset, found)


def _value(v: Value, offset: int, found: Found) -> None:
    if not covers(v.span, offset):
        return
    if isinstance(v, HpoSpec):
        found.hpo = v
        found.what = found.what or "hpo"
        for option in _hpo_values(v):
            _value(option, offset, found)
    elif isinstance(v, Ident):
        found.ident = v
        found.what = "ident"
    elif isinstance(v, Call):
        found.call = v
        if covers(v.name_span, offset):
            found.what = "optimizer"
        for a in v.args:
            _argument(a, offset, found, v.name)
    elif isinstance(v, TupleValue):
        for item in v.items:
            _value(item, offset, found)
    elif isinstance(v, BinOp):
        _value(v.left, offset, found)
        _value(v.right, offset, found)
    elif isinstance(v, (ListValue, DictValue)):
        for a in v.items:
            _value(a.value, offset, found)


def _hpo_values(spec: HpoSpec) -> Iterator[Value]:
    yield from spec.choices
    yield from (v for v in (spec.low, spec.high, spec.step) if v is not None)


def params_of(space: SearchSpace | None, spec: HpoSpec) -> list[Param]:
    """The parameters an ``hpo(...)`` as written became (several when a macro is used twice)."""
    if space is None:
        return []
    return [p for p in space if p.span.start == spec.span.start and p.span.end == spec.span.end]


def hpo_specs(network: Network | Macro) -> list[HpoSpec]:
    """Every top-level ``hpo(...)`` written in a network's (or macro's) body, in source order."""
    out: list[HpoSpec] = []

    def visit(v: Value | None) -> None:
        if v is None:
            return
        if isinstance(v, HpoSpec):
            out.append(v)
        elif isinstance(v, Call):
            for a in v.args:
                visit(a.value)
        elif isinstance(v, TupleValue):
            for item in v.items:
                visit(item)
        elif isinstance(v, BinOp):
            visit(v.left)
            visit(v.right)
        elif isinstance(v, (ListValue, DictValue)):
            for a in v.items:
                visit(a.value)

    def statements(body) -> None:
        for s in body:
            if isinstance(s, Layer):
                for a in s.args:
                    visit(a.value)
                for v in (s.activation, s.repeat):
                    visit(v)
                statements(s.sublayers or [])
            elif isinstance(s, Setting):
                visit(s.value)
            elif isinstance(s, Block):
                for a in s.items:
                    visit(a.value)

    statements(network.body)
    return out
