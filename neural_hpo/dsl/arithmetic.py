"""Arithmetic in arguments (``filters=$f * 4``, ``units=$d / 2``), folded to numbers once macros
are expanded, so every later stage (checks, search space, builder) sees plain numbers.

A bad expression is one diagnostic at the expression and becomes the ``Call`` named ``hpo``
that later checks skip (as a malformed ``hpo(...)`` does): E119 for an operand that is not a
number (an ``hpo(...)`` included: expressions are evaluated when the file is read, not per
trial), E120 for a division by zero, E121 for a ``/`` that does not divide exactly where the
argument takes an int.
"""

from __future__ import annotations

from dataclasses import replace

from .arguments import bind_layer
from .catalog import LAYERS
from .diagnostics import Diagnostic
from .model import (
    Argument,
    BinOp,
    Call,
    DictValue,
    HpoSpec,
    Ident,
    Layer,
    ListValue,
    Literal,
    MacroRef,
    Span,
    TupleValue,
    Value,
)

_ATOMS = frozenset((Literal, Ident, MacroRef))
_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}


class _Folder:
    """Folds the expressions of one layer or setting; remembers inexact divisions."""

    def __init__(self, diags: list[Diagnostic]):
        self.diags = diags
        self.inexact: set[Span] = set()

    def value(self, v: Value) -> Value:
        """``v`` with its expressions folded (the same object where there is none)."""
        if type(v) in _ATOMS:
            return v
        if isinstance(v, BinOp):
            return self.binop(v)
        if isinstance(v, TupleValue):
            items = [self.value(i) for i in v.items]
            return v if _same(items, v.items) else replace(v, items=items)
        if isinstance(v, (ListValue, DictValue)):
            args = [self.arg(a) for a in v.items]
            return v if _same(args, v.items) else replace(v, items=args)
        if isinstance(v, Call):
            args = [self.arg(a) for a in v.args]
            return v if _same(args, v.args) else replace(v, args=args)
        if isinstance(v, HpoSpec):  # kept in place: its identity is the parameter
            v.choices = [self.value(c) for c in v.choices]
            v.low, v.high, v.step = (
                None if b is None else self.value(b) for b in (v.low, v.high, v.step)
            )
        return v

    def arg(self, a: Argument) -> Argument:
        folded = self.value(a.value)
        return a if folded is a.value else replace(a, value=folded)

    def binop(self, v: BinOp) -> Value:
        left, right = self.value(v.left), self.value(v.right)
        if _is_marker(left) or _is_marker(right):
            return _marker(v.span)
        for operand in (left, right):
            if not _is_number(operand):
                return self.fail("E119", _operand_problem(operand), operand.span, v.span)
        a, b = left.value, right.value  # type: ignore[union-attr]
        if v.op != "/":
            return Literal(_OPS[v.op](a, b), v.span)
        if b == 0:
            return self.fail("E120", "division by zero", right.span, v.span)
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return Literal(a // b, v.span)
        if isinstance(a, int) and isinstance(b, int):
            self.inexact.add(v.span)
        return Literal(a / b, v.span)

    def fail(self, code: str, message: str, at: Span, whole: Span) -> Value:
        self.diags.append(Diagnostic(code, message, at))
        return _marker(whole)


def fold_value(v: Value, diags: list[Diagnostic]) -> Value:
    """``v`` (a setting's value) with its expressions folded."""
    return _Folder(diags).value(v)


def fold_layer(layer: Layer, diags: list[Diagnostic]) -> Layer:
    """``layer`` with its expressions folded (a copy where it had any; sub-layers too), and E121
    where an inexact ``/`` feeds an argument that takes an int."""
    folder = _Folder(diags)
    args = [folder.arg(a) for a in layer.args]
    subs = None if layer.sublayers is None else [fold_layer(s, diags) for s in layer.sublayers]
    if _same(args, layer.args) and (subs is None or _same(subs, layer.sublayers or [])):
        return layer
    folded = replace(layer, args=args, sublayers=subs)
    if folder.inexact and layer.name in LAYERS:
        bad = _inexact_ints(folded, folder.inexact, diags)
        if bad:
            folded.args = [replace(a, value=_mark(a.value, bad)) for a in folded.args]
    return folded


def _inexact_ints(layer: Layer, inexact: set[Span], diags: list[Diagnostic]) -> set[Span]:
    """The spans of inexact divisions that feed an int argument, each reported (E121)."""
    spec = LAYERS[layer.name]
    bad: set[Span] = set()
    for name, arg in bind_layer(layer, spec).values.items():
        arg_spec = spec.arg(name)
        if arg_spec is None or arg_spec.type == "float":
            continue
        for item in arg.value.items if isinstance(arg.value, TupleValue) else [arg.value]:
            if isinstance(item, Literal) and item.span in inexact:
                bad.add(item.span)
                diags.append(
                    Diagnostic(
                        "E121",
                        f"{name} takes an int, and this division gives {item.value:g}: "
                        "'/' must divide exactly",
                        item.span,
                    )
                )

    return bad


def _mark(v: Value, bad: set[Span]) -> Value:
    if isinstance(v, Literal) and v.span in bad:
        return _marker(v.span)
    if isinstance(v, TupleValue):
        return replace(v, items=[_mark(i, bad) for i in v.items])
    return v


def _same(new: list, old: list) -> bool:
    return all(a is b for a, b in zip(new, old))


def _is_number(v: Value) -> bool:
    return (
        isinstance(v, Literal)
        and isinstance(v.value, (int, float))
        and not isinstance(v.value, bool)
    )


def _operand_problem(v: Value) -> str:
    if isinstance(v, HpoSpec):
        return (
            "an hpo(...) cannot be part of an expression (expressions are computed when the file "
            "is read): list the computed values in the hpo instead, e.g. hpo(categorical: [64, 128])"
        )
    return "arithmetic takes numbers (and $parameters bound to numbers)"


def _marker(span: Span) -> Call:
    """What a reported expression becomes: the ``hpo`` call later checks skip."""
    return Call("hpo", [], span, span)


def _is_marker(v: Value) -> bool:
    return isinstance(v, Call) and v.name == "hpo" and not v.args
