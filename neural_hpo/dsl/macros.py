"""Macro expansion: ``define Block(a) { Dense(units=$a) }`` used as a layer line ``Block(a=64)``.

Expanded layers keep the spans of the macro body (so argument errors point into the definition)
and record ``origin``, the span of the use, where shape errors are reported. Each use gets fresh
copies of the body's ``hpo(...)`` nodes: every use is its own set of parameters.
"""

from __future__ import annotations

import copy

from .diagnostics import Diagnostic
from .model import (
    Argument,
    Call,
    DictValue,
    File,
    HpoSpec,
    Layer,
    ListValue,
    Literal,
    Macro,
    MacroRef,
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
    for m in file.macros:
        _check_refs(m, diags)
    for net in file.networks:
        net.layers = _expand([s for s in net.body if isinstance(s, Layer)], macros, diags, ())


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
        body = [copy.deepcopy(s) for s in macro.body if isinstance(s, Layer)]
        for b in body:
            _substitute_layer(b, bindings)
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


def _substitute_layer(layer: Layer, b: dict[str, Value]) -> None:
    layer.args = [_sub_arg(a, b) for a in layer.args]
    layer.activation = _sub(layer.activation, b)
    layer.repeat = _sub(layer.repeat, b)
    layer.device = _sub(layer.device, b)
    for s in layer.sublayers or []:
        _substitute_layer(s, b)


def _sub_arg(a: Argument, b: dict[str, Value]) -> Argument:
    return Argument(a.name, _sub(a.value, b), a.span, a.name_span)  # type: ignore[arg-type]


def _sub(v: Value | None, b: dict[str, Value]) -> Value | None:
    if v is None:
        return None
    if isinstance(v, MacroRef):
        # Shared, not copied: one hpo passed to a macro is one parameter wherever it is used.
        return b.get(v.name, v)
    if isinstance(v, TupleValue):
        v.items = [_sub(i, b) for i in v.items]  # type: ignore[misc]
    elif isinstance(v, (ListValue, DictValue)):
        v.items = [_sub_arg(a, b) for a in v.items]
    elif isinstance(v, Call):
        v.args = [_sub_arg(a, b) for a in v.args]
    elif isinstance(v, HpoSpec):
        v.choices = [_sub(c, b) for c in v.choices]  # type: ignore[misc]
        v.low, v.high, v.step = _sub(v.low, b), _sub(v.high, b), _sub(v.step, b)
    return v
