"""Binding written arguments to the catalog's parameters: one place that resolves positional
arguments, aliases and ``-> activation``, used by the checks, the search space and the builder."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from .catalog import ACTIVATIONS, LAYERS, ArgSpec, LayerSpec
from .diagnostics import Diagnostic, Suggestion
from .model import Argument, Ident, Layer, Span


@dataclass
class BoundArgs:
    """Arguments by canonical name, and what was wrong with the call."""

    values: dict[str, Argument] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def closest(word: str, candidates: Sequence[str], cutoff: float = 0.6) -> str | None:
    """The candidate closest to ``word``, case-insensitively; None when none is close
    (``cutoff``: difflib's similarity, higher for lists where a loose match misleads)."""
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    import difflib  # only on the error path: keeps difflib out of a clean file's start-up

    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[close[0]] if close else None


def did_you_mean(word: str, candidates: Sequence[str], cutoff: float = 0.6) -> str:
    """`` (did you mean X?)`` for the closest candidate; '' when none is close."""
    near = closest(word, candidates, cutoff)
    return f" (did you mean {near}?)" if near is not None else ""


def misspelt(
    code: str,
    message: str,
    word: str,
    candidates: Sequence[str],
    span: Span,
    hint: str | None = None,
    cutoff: float = 0.6,
    quoted: bool = False,
) -> Diagnostic:
    """The diagnostic of a ``word`` (written at ``span``, in quotes when ``quoted``) that names
    none of ``candidates``: ``message`` with " (did you mean X?)" and X as its suggestion."""
    near = closest(word, candidates, cutoff)
    if near is None:
        return Diagnostic(code, message, span, hint)
    at = span
    if quoted:  # the name inside the quotes (a string never spans lines)
        at = Span(
            span.line, span.col + 1, span.end_line, span.end_col - 1, span.start + 1, span.end - 1
        )
    return Diagnostic(code, f"{message} (did you mean {near}?)", span, hint, Suggestion(near, at))


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
            legacy_activation = _activation_spec(a, specs, i, out)
            if legacy_activation is not None:
                spec = legacy_activation
            elif i >= len(specs):
                out.problems.append(
                    Diagnostic(
                        "E307",
                        f"{owner} takes {len(specs)} positional argument(s), got more",
                        a.span,
                    )
                )
                continue
            else:
                spec = specs[i]
        else:
            positional_done = True
            spec = next((s for s in specs if s.name == a.name or a.name in s.aliases), None)
            if spec is None:
                names = [s.name for s in specs]
                known = ", ".join(names) or "no arguments"
                out.problems.append(
                    misspelt(
                        "E302",
                        f"{owner} has no argument {a.name!r}",
                        a.name,
                        names,
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


def _activation_spec(
    a: Argument, specs: Sequence[ArgSpec], i: int, out: BoundArgs
) -> ArgSpec | None:
    """Legacy files pass the activation positionally anywhere (``Conv2D(32, (3, 3), "relu")``):
    a positional activation name binds to ``activation`` when its slot takes no such name."""
    v = a.value
    text = v.name if isinstance(v, Ident) else getattr(v, "value", None)
    if not isinstance(text, str) or text.lower() not in ACTIVATIONS:
        return None
    if i < len(specs) and specs[i].type in ("activation", "enum", "str"):
        return None
    target = next((s for s in specs if s.type == "activation"), None)
    return target if target is not None and target.name not in out.values else None


_cache: ContextVar[dict[int, tuple[Layer, LayerSpec, BoundArgs]] | None] = ContextVar(
    "bind_layer_cache", default=None
)


@contextmanager
def layer_bindings_cached() -> Iterator[None]:
    """Inside the block ``bind_layer`` binds each layer once and hands out that result (not to
    be changed): the search space and two checks all ask for every layer's arguments, and
    ``analyze`` changes no layer meanwhile."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def bind_layer(layer: Layer, spec: LayerSpec | None = None) -> BoundArgs:
    """The layer's arguments with ``-> activation`` folded in as ``activation``."""
    spec = spec or LAYERS[layer.name]
    cache = _cache.get()
    if cache is None:
        return _bind_layer(layer, spec)
    hit = cache.get(id(layer))
    if hit is None or hit[0] is not layer or hit[1] is not spec:
        hit = cache[id(layer)] = (layer, spec, _bind_layer(layer, spec))
    return hit[2]


def _bind_layer(layer: Layer, spec: LayerSpec) -> BoundArgs:
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
