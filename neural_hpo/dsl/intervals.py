"""Value intervals over the whole search space, with the corner that attains each bound.

Shape checks reason over ``[lo, hi]`` per dimension instead of enumerating corners (a long file
has astronomically many). Each bound carries its *witness*: the parameter values that produce it,
so an error can name the corner where a shape breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import HpoSpec, Ident, Literal, TupleValue, Value
from .space.model import SearchSpace

Witness = tuple[tuple[str, Any], ...]


def merge(*ws: Witness) -> Witness:
    """The union of several witnesses (first value of a parameter wins)."""
    out: dict[str, Any] = {}
    for w in ws:
        for k, v in w:
            out.setdefault(k, v)
    return tuple(out.items())


def corner_text(w: Witness) -> str:
    """``at dense_1.units=64, conv2d_1.kernel_size=5`` (or ``for every setting``)."""
    if not w:
        return "for every setting"
    return "at " + ", ".join(f"{k}={v}" for k, v in w)


@dataclass(frozen=True)
class Interval:
    """A closed range of numbers and the corners attaining its ends."""

    lo: float
    hi: float
    lo_w: Witness = ()
    hi_w: Witness = ()

    @property
    def fixed(self) -> bool:
        return self.lo == self.hi

    @staticmethod
    def point(x: float, w: Witness = ()) -> Interval:
        return Interval(x, x, w, w)

    def union(self, other: Interval) -> Interval:
        lo, lo_w = (self.lo, self.lo_w) if self.lo <= other.lo else (other.lo, other.lo_w)
        hi, hi_w = (self.hi, self.hi_w) if self.hi >= other.hi else (other.hi, other.hi_w)
        return Interval(lo, hi, lo_w, hi_w)

    def with_witness(self, w: Witness) -> Interval:
        return Interval(self.lo, self.hi, merge(w, self.lo_w), merge(w, self.hi_w))


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v


def interval(value: Value | None, space: SearchSpace) -> Interval | None:
    """The numeric range of a scalar value (None when it is not a number everywhere)."""
    if isinstance(value, Literal):
        x = _num(value.value)
        return Interval.point(x) if x is not None else None
    if isinstance(value, HpoSpec):
        p = space.for_spec(value)
        if p is None:
            return None
        if p.kind != "categorical":
            return Interval(p.low, p.high, ((p.name, p.low),), ((p.name, p.high),))
        out: Interval | None = None
        for choice, option in zip(p.choices, value.choices):
            sub = interval(option, space)
            if sub is None:
                return None
            sub = sub.with_witness(((p.name, choice),))
            out = sub if out is None else out.union(sub)
        return out
    return None


def intervals_nd(value: Value | None, rank: int, space: SearchSpace) -> list[Interval] | None:
    """Per-axis ranges of an ``int or tuple`` argument (kernel_size, strides, pool_size)."""
    if isinstance(value, TupleValue):
        if len(value.items) != rank:
            return None
        parts = [interval(i, space) for i in value.items]
        return None if any(p is None for p in parts) else parts  # type: ignore[return-value]
    if isinstance(value, HpoSpec) and space.for_spec(value) is not None:
        p = space.for_spec(value)
        if p.kind == "categorical":
            out: list[Interval] | None = None
            for choice, option in zip(p.choices, value.choices):
                sub = intervals_nd(option, rank, space)
                if sub is None:
                    return None
                sub = [s.with_witness(((p.name, choice),)) for s in sub]
                out = sub if out is None else [a.union(b) for a, b in zip(out, sub)]
            return out
    one = interval(value, space)
    return None if one is None else [one] * rank


def options(value: Value | None, space: SearchSpace) -> list[tuple[Any, Witness]] | None:
    """Every value a categorical-or-fixed argument can take, with its corner (None: a range)."""
    if isinstance(value, Literal):
        return [(value.value, ())]
    if isinstance(value, Ident):
        return [(value.name, ())]
    if isinstance(value, HpoSpec):
        p = space.for_spec(value)
        if p is None or p.kind != "categorical":
            return None
        out = []
        for choice, option in zip(p.choices, value.choices):
            sub = options(option, space)
            if sub is None:
                return None
            out.extend((v, merge(((p.name, choice),), w)) for v, w in sub)
        return out
    return None
