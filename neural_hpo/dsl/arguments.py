"""Binding written arguments to the catalog's parameters: one place that resolves positional
arguments, aliases and ``-> activation``, used by the checks, the search space and the builder."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from .catalog import LAYERS, ArgSpec, LayerSpec
from .diagnostics import Diagnostic
from .model import Argument, Layer, Span


@dataclass
class BoundArgs:
    """Arguments by canonical name, and what was wrong with the call."""

    values: dict[str, Argument] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    """`` (did you mean X?)`` for the closest candidate, case-insensitively; '' when none is close."""
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return f" (did you mean {lowered[word.lower()]}?)"
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]}?)" if close else ""


def bind(
    args: Sequence[Argument], specs: Sequence[ArgSpec], owner: str, owner_span: Span
) -> BoundArgs:
    """Match ``args`` to ``specs`` (positional order, names and aliases)."""
    out = BoundArgs()
    positional_done = False
    for i, a in enumerate(args):
        if a.name is None:
            if positional_done:
                out.problems.append(
                    Diagnostic("E307", f"{owner}: a positional argument after a named one", a.span)
                )
                continue
            if i >= len(specs):
                out.problems.append(
                    Diagnostic(
                        "E307",
                        f"{owner} takes {len(specs)} positional argument(s), got more",
                        a.span,
                    )
                )
                continue
            spec = specs[i]
        else:
            positional_done = True
            spec = next((s for s in specs if s.name == a.name or a.name in s.aliases), None)
            if spec is None:
                names = [s.name for s in specs]
                known = ", ".join(names) or "no arguments"
                out.problems.append(
                    Diagnostic(
                        "E302",
                        f"{owner} has no argument {a.name!r}{did_you_mean(a.name, names)}",
                        a.name_span or a.span,
                        hint=f"{owner} takes {known}",
                    )
                )
                continue
        if spec.name in out.values:
            out.problems.append(Diagnostic("E306", f"{owner}: {spec.name} given twice", a.span))
            continue
        out.values[spec.name] = a
    for s in specs:
        if s.required and s.name not in out.values:
            out.problems.append(Diagnostic("E305", f"{owner} needs {s.name}", owner_span))
    return out


def bind_layer(layer: Layer, spec: LayerSpec | None = None) -> BoundArgs:
    """The layer's arguments with ``-> activation`` folded in as ``activation``."""
    spec = spec or LAYERS[layer.name]
    bound = bind(layer.args, spec.args, layer.name, layer.name_span)
    if layer.activation is not None:
        if "activation" in bound.values:
            bound.problems.append(
                Diagnostic(
                    "E306",
                    f"{layer.name}: activation given twice (as an argument and after ->)",
                    layer.activation.span,
                )
            )
        else:
            bound.values["activation"] = Argument(
                "activation", layer.activation, layer.activation.span
            )
    return bound
