"""The search space of a network: its parameters and their domains, pure data.

One model feeds Optuna (``neural_hpo.engine.optuna_space``), Ray Tune
(``neural_hpo.distributed.ray_space``) and ``materialize`` (``.materialize``); ``.build`` makes it
from a network and names the parameters.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic
from ..lexicon import value_text
from ..model import HpoSpec, Ident, Literal, Span, TupleValue, Value

Choice = Any  # None | bool | int | float | str: what Optuna stores for a categorical option


def encode_choice(v: Value) -> Choice:
    """A categorical option as Optuna stores it: scalars as is, names as strings, tuples as text."""
    if isinstance(v, Literal):
        return v.value
    if isinstance(v, Ident):
        return v.name
    if isinstance(v, TupleValue):
        return "(" + ", ".join(str(encode_choice(i)) for i in v.items) + ")"
    raise TypeError(f"not a categorical option: {type(v).__name__}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_number_like(v: Any) -> bool:
    """A number of any library (numpy's too), not a boolean."""
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


@dataclass(eq=False)
class Param:
    """One dimension: ``kind`` is ``categorical``, ``int`` or ``float``."""

    name: str
    kind: str
    spec: HpoSpec
    path: str
    choices: tuple[Choice, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    parent: tuple[str, Choice] | None = None  # active when the parent takes this option

    @property
    def span(self) -> Span:
        return self.spec.span

    def is_active(self, values: dict[str, Any]) -> bool:
        """Whether this parameter counts given the other values: always, or when its parent
        took the option holding it."""
        return self.parent is None or values.get(self.parent[0], _MISSING) == self.parent[1]

    def size(self) -> int | None:
        """Number of distinct values; None for a continuous range."""
        if self.kind == "categorical":
            return len(self.choices)
        if self.kind == "int":
            return int((self.high - self.low) // (self.step or 1)) + 1
        if self.step:
            return math.floor((self.high - self.low) / self.step + 1e-9) + 1
        return None

    def grid(self) -> list[Choice] | None:
        """Every value, for discrete parameters (None for continuous ones)."""
        if self.kind == "categorical":
            return list(self.choices)
        n = self.size()
        if n is None:
            return None
        step = self.step or 1
        if self.kind == "int":
            return [int(self.low + i * step) for i in range(n)]
        return [round_to_grid(self.low + i * step, step) for i in range(n)]

    def describe(self) -> str:
        """``categorical: 64, 128, 256`` / ``int in [16, 64] step 16`` / ``float log-uniform in
        [0.0001, 0.01]``: the distribution in words, for hovers and docs."""
        if self.kind == "categorical":
            return "categorical: " + ", ".join(value_text(c) for c in self.choices)
        scale = "log-uniform" if self.log else "uniform"
        text = f"{self.kind} {scale} in [{value_text(self.low)}, {value_text(self.high)}]"
        return text + (f" step {value_text(self.step)}" if self.step else "")

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is one this parameter can take."""
        if self.kind == "categorical":
            return any(value == c and type(value) is type(c) for c in self.choices) or (
                _is_num(value) and any(_is_num(c) and value == c for c in self.choices)
            )
        if self.kind == "int" and not _is_int(value):
            return False
        if not _is_num(value) or not (self.low - 1e-12 <= value <= self.high + 1e-12):
            return False
        if self.step:
            k = (value - self.low) / self.step
            return abs(k - round(k)) < 1e-6
        return True

    def nearest(self, value: Any) -> Choice:
        """The value this parameter can take that is closest to ``value``: a range's value
        clipped into it and snapped to its step, a categorical option as listed (an unknown
        option is a ValueError). Ray's samplers and PBT's perturbations (x0.8, x1.2) leave the
        grid, the range and Python's types; the DSL and Optuna take only this."""
        if self.kind == "categorical":
            for c in self.choices:
                if value == c and _is_number_like(value) == _is_num(c):
                    return c
            raise ValueError(f"{value!r} is not an option of {self.name} ({self.describe()})")
        x = min(max(float(value), self.low), self.high)
        if self.step:
            x = self.low + round((x - self.low) / self.step) * self.step
            x = (
                min(x, self.high)
                if self.kind == "int"
                else round_to_grid(min(x, self.high), self.step)
            )
        return round(x) if self.kind == "int" else float(x)


def round_to_grid(x: float, step: float) -> float:
    """``x`` (a point ``low + k * step`` computed in floats) rounded to the digits the step has,
    so that it reads as written: 0.6, not 0.6000000000000001."""
    digits = max(0, -math.floor(math.log10(step)) + 6) if step > 0 else 12
    return round(x, digits)


@dataclass
class SearchSpace:
    """The parameters of one network in a stable order, and what made some of them invalid."""

    network: str
    params: list[Param] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    by_spec: dict[int, Param] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"no parameter {name!r} (parameters: {', '.join(self.names()) or 'none'})")

    def for_spec(self, spec: HpoSpec) -> Param | None:
        return self.by_spec.get(id(spec))

    def size(self) -> int | None:
        """Number of distinct configurations; None when a parameter is continuous."""
        total = 1
        for p in self.params:
            if p.parent is not None:
                continue
            n = _subtree_size(self, p)
            if n is None:
                return None
            total *= n
        return total

    def active(self, params: dict[str, Any]) -> list[Param]:
        """The parameters that ``params`` (a full configuration) makes active."""
        return [p for p in self.params if p.is_active(params)]

    def signature(self) -> str:
        """A hash of names and domains: a resumed study must have the same one."""
        rows = [
            [
                p.name,
                p.kind,
                [repr(c) for c in p.choices],
                p.low,
                p.high,
                p.step,
                p.log,
                repr(p.parent),
            ]
            for p in self.params
        ]
        return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


_MISSING = object()


def _subtree_size(space: SearchSpace, p: Param) -> int | None:
    if p.kind != "categorical":
        return p.size()
    total = 0
    for c in p.choices:
        children = [q for q in space.params if q.parent == (p.name, c)]
        if not children:
            total += 1
            continue
        n = 1
        for q in children:
            s = _subtree_size(space, q)
            if s is None:
                return None
            n *= s
        total += n
    return total
