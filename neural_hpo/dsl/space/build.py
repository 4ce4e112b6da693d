"""Building a network's search space: every ``hpo(...)`` in a stable order, named by its place,
and the diagnostics (E201-E212) of those that cannot be a distribution.

Parameter names follow the place an ``hpo(...)`` stands: ``<layer>_<k>.<argument>`` where
``<layer>`` is the layer type in lower case and ``k`` counts layers of that type (so adding a
layer of another type renames nothing), ``optimizer``/``optimizer.<arg>``, ``loss``,
``training.<key>``. Tuple elements add ``.<i>``; an option of a categorical that is itself an
``hpo`` (a conditional parameter) is ``<parent>[<i>]``. ``name: "..."`` overrides all of this.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..arguments import bind, bind_layer
from ..catalog import LAYERS, OPTIMIZERS, schedule_spec
from ..diagnostics import Diagnostic
from ..lexicon import value_text
from ..model import (
    Argument,
    Block,
    Call,
    DictValue,
    HpoSpec,
    Ident,
    Layer,
    ListValue,
    Literal,
    Network,
    Setting,
    Span,
    TupleValue,
    Value,
)
from .model import Choice, Param, SearchSpace, _is_int, _is_num, encode_choice, round_to_grid


def tunable_places(network: Network) -> Iterator[tuple[str, Value]]:
    """``(path, value)`` for every value of the network that may hold an ``hpo(...)``."""
    yield from _layer_places(network.layers, "")
    for s in network.body:
        if isinstance(s, Setting):
            if s.name == "optimizer" and isinstance(s.value, Call):
                yield from _call_places("optimizer", s.value, OPTIMIZERS.get(s.value.name.lower()))
            elif s.name == "lr_schedule":  # legacy alias: named as the optimizer's schedule
                yield from _value_places("optimizer.learning_rate", s.value)
            else:
                yield s.name, s.value
        elif isinstance(s, Block):
            for a in s.items:
                yield f"{s.kind}.{a.name}", a.value


def _call_places(key: str, call: Call, spec) -> Iterator[tuple[str, Value]]:
    """The arguments of an optimizer or schedule call (``spec`` None: an unknown name)."""
    bound = bind(call.args, spec.args, call.name, call.name_span).values if spec else {}
    yield from _bound_places(key, call.args, bound)


def _value_places(key: str, value: Value) -> Iterator[tuple[str, Value]]:
    """``value`` itself, or a learning-rate schedule's arguments under ``key.<argument>``."""
    spec = schedule_spec(value.name) if isinstance(value, Call) else None
    if spec is None:
        yield key, value
    else:
        yield from _call_places(key, value, spec)


def _bound_places(
    key: str, args: list[Argument], bound: dict[str, Argument]
) -> Iterator[tuple[str, Value]]:
    """Bound arguments under their catalog names; the rest (misspelled, surplus) as written, so
    that every ``hpo`` of a network is in its space even while the file has errors."""
    for name, a in bound.items():
        yield from _value_places(f"{key}.{name}", a.value)
    taken = {id(a) for a in bound.values()}
    for i, a in enumerate(args):
        if id(a) not in taken:
            yield f"{key}.{a.name or i}", a.value


def _layer_places(layers: list[Layer], prefix: str) -> Iterator[tuple[str, Value]]:
    counts: dict[str, int] = {}
    for layer in layers:
        counts[layer.name] = counts.get(layer.name, 0) + 1
        key = f"{prefix}{layer.name.lower()}_{counts[layer.name]}"
        if layer.name in LAYERS:
            yield from _bound_places(key, layer.args, bind_layer(layer).values)
        else:
            yield from _bound_places(key, layer.args, {})
            if layer.activation is not None:
                yield f"{key}.activation", layer.activation
        if layer.repeat is not None:
            yield f"{key}.repeat", layer.repeat
        if layer.device is not None:
            yield f"{key}.device", layer.device
        if layer.sublayers:
            yield from _layer_places(layer.sublayers, key + ".")


def hpo_specs(value: Value, path: str) -> Iterator[tuple[str, HpoSpec]]:
    """Every top-level ``hpo`` in ``value`` with its path (nested options are handled by the
    space builder, which knows their parent)."""
    if isinstance(value, HpoSpec):
        yield path, value
    elif isinstance(value, TupleValue):
        for i, item in enumerate(value.items):
            yield from hpo_specs(item, f"{path}.{i}")
    elif isinstance(value, (ListValue, DictValue)):
        for i, a in enumerate(value.items):
            yield from hpo_specs(a.value, f"{path}.{a.name or i}")
    elif isinstance(value, Call):
        for i, a in enumerate(value.args):
            yield from hpo_specs(a.value, f"{path}.{a.name or i}")


def build_search_space(network: Network) -> SearchSpace:
    """The search space of ``network``; specs that cannot be distributions are reported."""
    space = SearchSpace(network.name)
    seen: dict[str, Param] = {}
    for place, value in tunable_places(network):
        for path, spec in hpo_specs(value, place):
            _add(space, spec, path, None, seen)
    return space


def _add(
    space: SearchSpace,
    spec: HpoSpec,
    path: str,
    parent: tuple[str, Choice] | None,
    seen: dict[str, Param],
) -> None:
    if id(spec) in space.by_spec:  # a repeated layer: one parameter for all its copies
        return
    name = spec.name or path
    if name in seen:
        space.problems.append(
            Diagnostic(
                "E209",
                f'parameter name {name!r} is used twice; give one of them name: "..."',
                spec.span,
            )
        )
        return
    param = _param(space, spec, name, path, parent)
    if param is None:
        return
    seen[name] = param
    space.by_spec[id(spec)] = param
    space.params.append(param)
    if spec.kind == "categorical":
        for i, option in enumerate(spec.choices):
            if isinstance(option, HpoSpec):
                _add(space, option, f"{name}[{i}]", (name, param.choices[i]), seen)


def _param(
    space: SearchSpace, spec: HpoSpec, name: str, path: str, parent: tuple[str, Choice] | None
) -> Param | None:
    errors = space.problems
    n_before = len(errors)
    if spec.kind == "categorical":
        choices = _categorical_choices(spec, name, errors)
        if len(errors) > n_before:
            return None
        return Param(name, "categorical", spec, path, choices=tuple(choices), parent=parent)
    low, high, step = (
        _number(v, what, errors)
        for v, what in ((spec.low, "low"), (spec.high, "high"), (spec.step, "step"))
    )
    if len(errors) > n_before or low is None or high is None:
        return None
    log = spec.kind == "log_range"
    if low >= high:
        errors.append(
            Diagnostic(
                "E204",
                f"low ({value_text(low)}) must be below high ({value_text(high)})",
                spec.span,
            )
        )
    if log and low <= 0:
        errors.append(
            Diagnostic("E207", f"log_range needs low > 0, got {value_text(low)}", spec.low.span)
        )
    if step is not None:
        if log:
            errors.append(
                Diagnostic("E211", "log_range takes no step; use range with a step", spec.step.span)
            )
        elif step <= 0:
            errors.append(
                Diagnostic("E205", f"step must be positive, got {value_text(step)}", spec.step.span)
            )
        elif low < high and step > high - low:
            errors.append(
                Diagnostic(
                    "E206",
                    f"step {value_text(step)} is larger than the range [{value_text(low)}, {value_text(high)}]",
                    spec.step.span,
                )
            )
    if len(errors) > n_before:
        return None
    kind = "int" if _is_int(low) and _is_int(high) and (step is None or _is_int(step)) else "float"
    if step is not None:  # the grid low, low+step, ... <= high
        n = math.floor((high - low) / step + 1e-9)
        high = low + n * step if kind == "int" else round_to_grid(low + n * step, step)
    return Param(
        name,
        kind,
        spec,
        path,
        low=low if kind == "int" else float(low),
        high=high if kind == "int" else float(high),
        step=step if kind == "int" or step is None else float(step),
        log=log,
        parent=parent,
    )


def _number(v: Value | None, what: str, errors: list[Diagnostic]) -> float | int | None:
    if v is None:
        return None
    if isinstance(v, Literal) and _is_num(v.value):
        if not math.isfinite(v.value):
            errors.append(
                Diagnostic("E212", f"the {what} of a range must be finite, not {v.value}", v.span)
            )
            return None
        return v.value
    errors.append(Diagnostic("E208", f"the {what} of a range must be a number", v.span))
    return None


def _categorical_choices(spec: HpoSpec, name: str, errors: list[Diagnostic]) -> list[Choice]:
    if not spec.choices:
        errors.append(Diagnostic("E201", "categorical needs at least one value", spec.span))
        return []
    out: list[Choice] = []
    kinds: dict[str, Span] = {}
    for i, option in enumerate(spec.choices):
        if isinstance(option, HpoSpec):
            out.append(f"{spec.name or name}[{i}]")
            kinds.setdefault("number" if option.kind != "categorical" else "hpo", option.span)
            continue
        try:
            encoded = encode_choice(option)
        except TypeError:
            errors.append(
                Diagnostic(
                    "E208",
                    "categorical values are numbers, strings, names, booleans or tuples",
                    option.span,
                )
            )
            continue
        kind = _choice_kind(encoded, option)
        if encoded in out and any(type(encoded) is type(o) for o in out if o == encoded):
            errors.append(Diagnostic("E202", f"{value_text(encoded)} is listed twice", option.span))
        kinds.setdefault(kind, option.span)
        out.append(encoded)
    if len(kinds) > 1:
        errors.append(
            Diagnostic(
                "E203",
                f"categorical mixes value types: {', '.join(kinds)}",
                spec.span,
            )
        )
    return out


def _choice_kind(encoded: Choice, option: Value) -> str:
    if isinstance(option, TupleValue):
        return "tuple"
    if isinstance(option, Ident) or isinstance(encoded, str):
        return "name or string"
    if isinstance(encoded, bool):
        return "boolean"
    if encoded is None:
        return "None"
    return "number"
