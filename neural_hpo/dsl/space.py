"""The search space of a network: one model that feeds Optuna, Ray Tune and ``materialize``.

Parameter names follow the place an ``hpo(...)`` stands: ``<layer>_<k>.<argument>`` where
``<layer>`` is the layer type in lower case and ``k`` counts layers of that type (so adding a
layer of another type renames nothing), ``optimizer``/``optimizer.<arg>``, ``loss``,
``training.<key>``. Tuple elements add ``.<i>``; an option of a categorical that is itself an
``hpo`` (a conditional parameter) is ``<parent>[<i>]``. ``name: "..."`` overrides all of this.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .arguments import bind, bind_layer
from .catalog import LAYERS, OPTIMIZERS, schedule_spec
from .diagnostics import Diagnostic
from .lexicon import value_text
from .model import (
    Argument,
    Block,
    Call,
    DictValue,
    HpoSpec,
    Ident,
    Layer,
    LayersMarker,
    ListValue,
    Literal,
    Network,
    Setting,
    Span,
    TupleValue,
    Value,
)

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

    def distribution(self):
        """The Optuna distribution (imports optuna on first use)."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if self.kind == "categorical":
            return CategoricalDistribution(list(self.choices))
        if self.kind == "int":
            return IntDistribution(
                int(self.low), int(self.high), log=self.log, step=int(self.step or 1)
            )
        return FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def ray(self):
        """The Ray Tune sampler for this parameter (imports ray on first use)."""
        from ray import tune

        grid = self.grid()
        if self.kind == "categorical" or (grid is not None and self.step and len(grid) <= 10_000):
            return tune.choice(grid)
        if self.kind == "int":
            return (
                tune.lograndint(int(self.low), int(self.high) + 1)
                if self.log
                else tune.randint(int(self.low), int(self.high) + 1)
            )
        if self.step:
            return tune.quniform(self.low, self.high, self.step)
        return (
            tune.loguniform(self.low, self.high) if self.log else tune.uniform(self.low, self.high)
        )


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

    def to_optuna(self) -> dict[str, Any]:
        """``{name: optuna distribution}`` for every parameter (conditional ones included)."""
        return {p.name: p.distribution() for p in self.params}

    def to_ray(self) -> dict[str, Any]:
        """``{name: ray.tune sampler}``: conditional parameters are sampled always and ignored by
        ``materialize`` when inactive (Ray's spaces have no conditions of this kind)."""
        return {p.name: p.ray() for p in self.params}

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Sample one configuration from an Optuna trial, define-by-run: a conditional parameter
        is asked for only when its parent chose it."""
        values: dict[str, Any] = {}
        for p in self.params:
            if p.parent is not None and values.get(p.parent[0], _MISSING) != p.parent[1]:
                continue
            if p.kind == "categorical":
                values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
            elif p.kind == "int":
                values[p.name] = trial.suggest_int(
                    p.name, int(p.low), int(p.high), step=int(p.step or 1), log=p.log
                )
            else:
                values[p.name] = trial.suggest_float(p.name, p.low, p.high, step=p.step, log=p.log)
        return values

    def active(self, params: dict[str, Any]) -> list[Param]:
        """The parameters that ``params`` (a full configuration) makes active."""
        out = []
        for p in self.params:
            if p.parent is None or params.get(p.parent[0], _MISSING) == p.parent[1]:
                out.append(p)
        return out

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


# ---- building ------------------------------------------------------------------------------------


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


# ---- materializing ----------------------------------------------------------------------------


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
