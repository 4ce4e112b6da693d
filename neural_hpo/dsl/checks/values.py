"""Type and domain of a value against a catalog argument, for every value an hpo can take."""

from __future__ import annotations

from ..arguments import bind, misspelt
from ..catalog import SCHEDULES, ArgSpec, schedule_spec
from ..diagnostics import Diagnostic
from ..model import Call, DictValue, HpoSpec, Ident, ListValue, Literal, MacroRef, TupleValue, Value
from ..space.model import SearchSpace

_TUPLE_TYPES = ("int_tuple", "shape")


def check_value(spec: ArgSpec, value: Value, space: SearchSpace, owner: str) -> list[Diagnostic]:
    """Problems of ``value`` for argument ``spec`` of ``owner`` (a layer or optimizer name).

    An ``hpo(...)`` is checked for every value it can take: each categorical option, both ends
    of a range, and a float range where an int is needed.
    """
    out: list[Diagnostic] = []
    _check(spec, value, space, owner, out, in_tuple=False)
    return out


def _check(
    spec: ArgSpec,
    value: Value,
    space: SearchSpace,
    owner: str,
    out: list[Diagnostic],
    in_tuple: bool,
) -> None:
    if isinstance(value, HpoSpec):
        param = space.for_spec(value)
        if param is None:  # invalid spec: already reported by the search space
            return
        if param.kind == "categorical":
            for option in value.choices:
                _check(spec, option, space, owner, out, in_tuple)
            return
        if param.kind == "float" and spec.type in ("int", *_TUPLE_TYPES):
            out.append(
                Diagnostic(
                    "E303",
                    f"{owner}: {spec.name} takes an int, but this range gives floats",
                    value.span,
                    hint="use int bounds, e.g. range: [16, 128]",
                )
            )
            return
        for end in (value.low, value.high):
            _check(spec, end, space, owner, out, in_tuple)  # type: ignore[arg-type]
        return
    if isinstance(value, TupleValue):
        if spec.type in _TUPLE_TYPES and not in_tuple:
            for item in value.items:
                _check(spec, item, space, owner, out, in_tuple=True)
        else:
            out.append(
                Diagnostic(
                    "E303",
                    f"{owner}: {spec.name} takes {spec.domain_text()}, not a tuple",
                    value.span,
                )
            )
        return
    if isinstance(value, (Literal, Ident)):
        scalar = value.value if isinstance(value, Literal) else value.name
        if spec.type == "shape" and not in_tuple:
            out.append(
                Diagnostic(
                    "E303", f"{owner}: {spec.name} takes a tuple, e.g. (7, 7, 4)", value.span
                )
            )
            return
        problem = spec.problem(scalar)
        if problem is not None:
            code, message = problem
            out.append(Diagnostic(code, f"{owner}: {message}", value.span, _quoted_hint(scalar)))
        return
    if isinstance(value, MacroRef) or (isinstance(value, Call) and value.name == "hpo"):
        return  # an unbound $ref or a malformed hpo was reported where it was found
    if isinstance(value, Call) and spec.type == "rate_schedule":
        out += check_schedule(value, space)
        return
    what = {ListValue: "a list", DictValue: "a block", Call: "a call"}.get(type(value), "this")
    out.append(
        Diagnostic(
            "E303", f"{owner}: {spec.name} takes {spec.domain_text()}, not {what}", value.span
        )
    )


def _quoted_hint(scalar: object) -> str | None:
    """Old files quote the schedule (``learning_rate="ExponentialDecay(...)"``): say how."""
    if isinstance(scalar, str) and schedule_spec(scalar.split("(")[0].strip()) is not None:
        return "write the schedule without quotes: learning_rate=" + scalar.strip()
    return None


def check_schedule(call: Call, space: SearchSpace) -> list[Diagnostic]:
    """A learning-rate schedule call: its name (E321), arguments and their values."""
    spec = schedule_spec(call.name)
    if spec is None:
        return [
            misspelt(
                "E321",
                f"unknown learning-rate schedule {call.name!r}",
                call.name,
                list(SCHEDULES),
                call.name_span,
                hint="schedules: " + ", ".join(SCHEDULES),
            )
        ]
    bound = bind(call.args, spec.args, spec.name, call.name_span)
    out = list(bound.problems)
    for name, arg in bound.values.items():
        out += check_value(spec.arg(name), arg.value, space, spec.name)  # type: ignore[arg-type]
    return out
