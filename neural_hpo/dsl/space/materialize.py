"""The concrete network of one trial: every ``hpo(...)`` replaced by its value."""

from __future__ import annotations

from typing import Any

from ..model import (
    Argument,
    Block,
    Call,
    DictValue,
    HpoSpec,
    Layer,
    LayersMarker,
    ListValue,
    Literal,
    Network,
    Setting,
    TupleValue,
    Value,
)
from .build import build_search_space
from .model import SearchSpace


def materialize(
    network: Network, params: dict[str, Any], space: SearchSpace | None = None
) -> Network:
    """The concrete network for one trial: every ``hpo(...)`` replaced by its value in ``params``.

    Raises ValueError naming the parameter when one is missing, unknown or outside its domain.
    """
    space = space or build_search_space(network)
    if space.problems:
        raise ValueError(
            f"the search space of {network.name} is invalid: {space.problems[0].message}"
        )
    known = set(space.names())
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for network {network.name} "
            f"(parameters: {', '.join(sorted(known)) or 'none'})"
        )
    for p in space.active(params):
        if p.name not in params:
            raise ValueError(f"parameter {p.name} is missing ({p.describe()})")
        if not p.contains(params[p.name]):
            raise ValueError(
                f"parameter {p.name}={params[p.name]!r} is outside its domain ({p.describe()})"
            )
    m = _Materializer(space, params)
    layers = [m.layer(layer) for layer in network.layers]
    body: list = []
    placed = False  # the expanded layers stand where the first layer line stood
    for s in network.body:
        if isinstance(s, Setting):
            body.append(Setting(s.name, m.value(s.value), s.span, s.name_span))
        elif isinstance(s, Block):
            body.append(
                Block(s.kind, s.keyword, [m.arg(a) for a in s.items], s.span, s.keyword_span)
            )
        elif isinstance(s, LayersMarker):
            body.append(s)  # kept: it makes a legacy input's leading None the batch axis
        elif isinstance(s, Layer) and not placed:
            body.extend(layers)
            placed = True
    return Network(network.name, body, layers, network.span, network.name_span)


class _Materializer:
    def __init__(self, space: SearchSpace, params: dict[str, Any]):
        self.space, self.params = space, params

    def value(self, v: Value) -> Value:
        if isinstance(v, HpoSpec):
            p = self.space.for_spec(v)
            if p is None:
                raise ValueError(f"the hpo at line {v.span.line + 1} is not in the search space")
            chosen = self.params[p.name]
            if p.kind != "categorical":
                return Literal(chosen, v.span)
            index = next(i for i, c in enumerate(p.choices) if c == chosen)
            return self.value(v.choices[index])
        if isinstance(v, TupleValue):
            return TupleValue([self.value(i) for i in v.items], v.span)
        if isinstance(v, ListValue):
            return ListValue([self.arg(a) for a in v.items], v.span)
        if isinstance(v, DictValue):
            return DictValue([self.arg(a) for a in v.items], v.span)
        if isinstance(v, Call):
            return Call(v.name, [self.arg(a) for a in v.args], v.span, v.name_span)
        return v

    def arg(self, a: Argument) -> Argument:
        return Argument(a.name, self.value(a.value), a.span, a.name_span)

    def layer(self, layer: Layer) -> Layer:
        opt = self.value
        return Layer(
            layer.name,
            [self.arg(a) for a in layer.args],
            opt(layer.activation) if layer.activation is not None else None,
            opt(layer.repeat) if layer.repeat is not None else None,
            opt(layer.device) if layer.device is not None else None,
            [self.layer(s) for s in layer.sublayers] if layer.sublayers is not None else None,
            layer.span,
            layer.name_span,
            layer.has_parens,
            layer.origin,
        )
