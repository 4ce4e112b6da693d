"""Carrying a configuration of one version of a network over to an edited version.

A trial of the old version is a configuration there; it is one of the new version too when the
network it trained is exactly the network the new version builds from some configuration. That
configuration takes each new parameter from the old trial by name, else (a parameter new to the
space) from the value the old version had fixed at the same place. ``carry`` returns it, or None
when there is none: a value outside its new domain, a fixed value that is not a choice, or any
other difference between the two concrete networks (a fixed size, epochs, a removed layer).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .model import Call, DictValue, Ident, ListValue, Literal, Network, TupleValue, Value
from .space.build import tunable_places
from .space.materialize import materialize
from .space.model import Choice, SearchSpace, encode_choice

#: fields of the syntax tree that say where or how a thing was written, not what it is
_SPELLING = {"has_parens", "keyword", "legacy", "origin"}
_MISSING = object()


def fits(space: SearchSpace, params: Mapping[str, Any]) -> bool:
    """Whether ``params`` (a trial's) names exactly the parameters ``space`` makes active, each
    within its domain: a cheap test that needs no network (the editor's best-value hints)."""
    active = space.active(dict(params))
    return {p.name for p in active} == set(params) and all(
        p.contains(params[p.name]) for p in active
    )


def carry(
    old: Network,
    old_space: SearchSpace,
    params: Mapping[str, Any],
    new: Network,
    new_space: SearchSpace,
) -> dict[str, Any] | None:
    """The configuration of ``new`` that builds what ``params`` built of ``old``; None if none."""
    try:
        trained = materialize(old, dict(params), old_space)
    except ValueError:
        return None
    carried: dict[str, Any] = {}
    for p in new_space.params:
        if p.parent is not None and carried.get(p.parent[0], _MISSING) != p.parent[1]:
            continue
        value = params[p.name] if p.name in params else fixed_value(trained, p.path)
        if value is _MISSING or not p.contains(value):
            return None
        carried[p.name] = value
    try:
        built = materialize(new, carried, new_space)
    except ValueError:
        return None
    return carried if shape(built) == shape(trained) else None


def fixed_value(network: Network, path: str) -> Choice:
    """The value a concrete network holds at a parameter's ``path`` (``dense_1.units``,
    ``optimizer.learning_rate``, ``conv2d_1.kernel_size.0``), as Optuna would store it."""
    for place, value in tunable_places(network):
        if path == place:
            return _encoded(value)
        if path.startswith(place + "."):
            return _encoded(_descend(value, path[len(place) + 1 :].split(".")))
    return _MISSING


def _descend(value: Value | None, parts: list[str]) -> Value | None:
    for part in parts:
        if isinstance(value, TupleValue):
            items = dict(enumerate(value.items))
        elif isinstance(value, (ListValue, DictValue)):
            items = {a.name or i: a.value for i, a in enumerate(value.items)}
        elif isinstance(value, Call):
            items = {a.name or i: a.value for i, a in enumerate(value.args)}
        else:
            return None
        value = items.get(int(part) if part.isdigit() else part)
    return value


def _encoded(value: Value | None) -> Choice:
    if isinstance(value, (Literal, Ident, TupleValue)):
        try:
            return encode_choice(value)
        except TypeError:
            return _MISSING
    return _MISSING


def shape(node: Any) -> Any:
    """What a syntax-tree node means, without where it stood or how it was spelled: two
    networks with equal shapes train the same model the same way."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return (
            type(node).__name__,
            tuple(
                shape(getattr(node, f.name))
                for f in dataclasses.fields(node)
                if not f.name.endswith("span") and f.name not in _SPELLING
            ),
        )
    if isinstance(node, (list, tuple)):
        return tuple(shape(n) for n in node)
    return node
