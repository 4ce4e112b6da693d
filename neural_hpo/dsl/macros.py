"""Macro expansion: ``define Block(a) { Dense(units=$a) }`` used as a layer line ``Block(a=64)``.

Expanded layers keep the spans of the macro body (so argument errors point into the definition)
and record ``origin``, the span of the use, where shape errors are reported. Each use gets fresh
copies of the body's nodes (so of its ``hpo(...)`` nodes: every use is its own set of
parameters); spans are immutable and shared.
"""

from __future__ import annotations

from dataclasses import replace

from .arithmetic import fold_layer, fold_value
from .catalog import LAYERS
from .diagnostics import Diagnostic
from .model import (
    Argument,
    BinOp,
    Call,
    DictValue,
    File,
    HpoSpec,
    Layer,
    LayersMarker,
    ListValue,
    Literal,
    Macro,
    MacroRef,
    Setting,
    TupleValue,
    Value,
)

_MAX_DEPTH = 16


def expand_macros(file: File, diags: list[Diagnostic]) -> None:
    """Fill ``network.layers`` of every network with its layers, macros expanded."""
    macros: dict[str, Macro] = {}
    for m in file.macros:
        if m.name in macros:
            diags.append(Diagnostic("E118", f"macro {m.name} is defined twice", m.name_span))
        else:
            macros[m.name] = m
        if m.name in LAYERS:
            diags.append(
                Diagnostic(
                    "E122",
                    f"macro {m.name} shadows the built-in layer {m.name}: give it another name",
                    m.name_span,
                )
            )
    for m in file.macros:
        _check_refs(m, diags)
        diags.extend(
            Diagnostic("E117", f"macro {m.name} may hold layers only", s.span)
            for s in m.body
            if not isinstance(s, (Layer, LayersMarker))
        )
    for net in file.networks:
        layers = _expand([s for s in net.body if isinstance(s, Layer)], macros, diags, ())
        net.layers = [fold_layer(layer, diags) for layer in layers]
        for s in net.body:
            if isinstance(s, Setting):
                s.value = fold_value(s.value, diags)


def _expand(
    layers: list[Layer], macros: dict[str, Macro], diags: list[Diagnostic], stack: tuple[str, ...]
) -> list[Layer]:
    out: list[Layer] = []
    for layer in layers:
        macro = macros.get(layer.name)
        if macro is None:
            if layer.sublayers is not None:
                layer.sublayers = _expand(layer.sublayers, macros, diags, stack)
            out.append(layer)
            continue
        if macro.name in stack or len(stack) >= _MAX_DEPTH:
            chain = " -> ".join((*stack, macro.name))
            diags.append(
                Diagnostic("E117", f"macro {macro.name} uses itself ({chain})", layer.name_span)
            )
            continue
        bindings = _bind(macro, layer, diags)
        if bindings is None:
            continue
        body = [_instantiate(s, bindings) for s in macro.body if isinstance(s, Layer)]
        expanded = _expand(body, macros, diags, (*stack, macro.name))
        for e in expanded:
            _set_origin(e, layer)
        out.extend(_repeat_use(expanded, layer, diags))
    return out


def _repeat_use(expanded: list[Layer], use: Layer, diags: list[Diagnostic]) -> list[Layer]:
    """``Block * 2`` repeats the whole block (sharing its parameters, as repetition does)."""
    if use.repeat is None:
        return expanded
    if len(expanded) == 1 and expanded[0].repeat is None:
        expanded[0].repeat = use.repeat
        return expanded
    count = use.repeat.value if isinstance(use.repeat, Literal) else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        diags.append(
            Diagnostic(
                "E117", "a macro of several layers repeats a fixed count, e.g. * 2", use.repeat.span
            )
        )
        return expanded
    return [layer for _ in range(count) for layer in expanded]


def _set_origin(layer: Layer, use: Layer) -> None:
    layer.origin = layer.origin or use.span
    for s in layer.sublayers or []:
        _set_origin(s, use)


def _bind(macro: Macro, use: Layer, diags: list[Diagnostic]) -> dict[str, Value] | None:
    bindings: dict[str, Value] = {}
    ok = True
    positional = [a for a in use.args if a.name is None]
    if len(positional) > len(macro.params):
        diags.append(
            Diagnostic(
                "E117",
                f"macro {macro.name} takes {len(macro.params)} argument(s), got {len(positional)}",
                positional[len(macro.params)].span,
            )
        )
        ok = False
    for p, a in zip(macro.params, positional):
        bindings[p] = a.value
    for a in use.args:
        if a.name is None:
            continue
        if a.name not in macro.params:
            expected = ", ".join(macro.params) or "no arguments"
            diags.append(
                Diagnostic(
                    "E117",
                    f"macro {macro.name} has no parameter {a.name!r} (it takes {expected})",
                    a.name_span or a.span,
                )
            )
            ok = False
        else:
            bindings[a.name] = a.value
    missing = [p for p in macro.params if p not in bindings]
    if missing:
        diags.append(
            Diagnostic(
                "E117",
                f"macro {macro.name} needs {', '.join(missing)}",
                use.name_span,
            )
        )
        ok = False
    return bindings if ok else None


def _check_refs(macro: Macro, diags: list[Diagnostic]) -> None:
    for layer in macro.body:
        if not isinstance(layer, Layer):
            continue
        for ref in _refs_in_layer(layer):
            if ref.name not in macro.params:
                diags.append(
                    Diagnostic(
                        "E117",
                        f"${ref.name} is not a parameter of macro {macro.name}",
                        ref.span,
                    )
                )


def _refs_in_layer(layer: Layer):
    for a in layer.args:
        yield from _refs(a.value)
    for v in (layer.activation, layer.repeat, layer.device):
        if v is not None:
            yield from _refs(v)
    for s in layer.sublayers or []:
        yield from _refs_in_layer(s)


def _refs(v: Value):
    if isinstance(v, MacroRef):
        yield v
    elif isinstance(v, TupleValue):
        for i in v.items:
            yield from _refs(i)
    elif isinstance(v, (ListValue, DictValue)):
        for a in v.items:
            yield from _refs(a.value)
    elif isinstance(v, Call):
        for a in v.args:
            yield from _refs(a.value)
    elif isinstance(v, HpoSpec):
        for c in (*v.choices, v.low, v.high, v.step):
            if c is not None:
                yield from _refs(c)
    elif isinstance(v, BinOp):
        yield from _refs(v.left)
        yield from _refs(v.right)


def _instantiate(layer: Layer, b: dict[str, Value]) -> Layer:
    """A copy of a macro body layer for one use, with its ``$refs`` bound."""
    return replace(
        layer,
        args=[_sub_arg(a, b) for a in layer.args],
        activation=_sub(layer.activation, b),
        repeat=_sub(layer.repeat, b),
        device=_sub(layer.device, b),
        sublayers=None
        if layer.sublayers is None
        else [_instantiate(s, b) for s in layer.sublayers],
    )


def _sub_arg(a: Argument, b: dict[str, Value]) -> Argument:
    return replace(a, value=_sub(a.value, b))


def _sub(v: Value | None, b: dict[str, Value]) -> Value | None:
    """A copy of ``v`` with its ``$refs`` bound."""
    if v is None:
        return None
    if isinstance(v, MacroRef):
        # Shared, not copied: one hpo passed to a macro is one parameter wherever it is used.
        return b[v.name] if v.name in b else replace(v)
    if isinstance(v, TupleValue):
        return replace(v, items=[_sub(i, b) for i in v.items])
    if isinstance(v, (ListValue, DictValue)):
        return replace(v, items=[_sub_arg(a, b) for a in v.items])
    if isinstance(v, Call):
        return replace(v, args=[_sub_arg(a, b) for a in v.args])
    if isinstance(v, BinOp):
        return replace(v, left=_sub(v.left, b), right=_sub(v.right, b))
    if isinstance(v, HpoSpec):
        return replace(
            v,
            choices=[_sub(c, b) for c in v.choices],
            low=_sub(v.low, b),
            high=_sub(v.high, b),
            step=_sub(v.step, b),
        )
    return replace(v)
