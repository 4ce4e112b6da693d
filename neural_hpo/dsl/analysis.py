"""The checker's entry point: source text in, model + diagnostics + search spaces out.

The language server, ``neural-hpo check`` and the engine all call ``analyze`` so that a file
means the same thing everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..labels import printable
from .arguments import layer_bindings_cached
from .catalog import TRAINING_KEYS
from .checks.budget import check_space
from .checks.memory import check_memory
from .checks.network import check_network
from .checks.shapes import check_shapes
from .diagnostics import Diagnostic, Severity, sort_key
from .model import File, Literal, Network, Span
from .parser import parse
from .space.build import build_search_space
from .space.model import SearchSpace
from .training import resolve_sampler


@dataclass
class Analysis:
    """A checked file: its model, its diagnostics (source order) and each network's space."""

    file: File
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spaces: dict[str, SearchSpace] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def analyze(
    source: str,
    path: str | None = None,
    *,
    n_trials: int | None = None,
    sampler: str | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> Analysis:
    """Parse and check ``source``; never raises on bad input.

    ``n_trials`` and ``sampler`` (when given, e.g. by ``neural-hpo check --trials``) take the
    place of the network's own ``training`` settings for the budget and sampler warnings.
    ``checkpoint`` is called between networks: the language server raises from it to drop an
    analysis of a version the user has already typed past.
    """
    parsed = parse(source, path, checkpoint)
    diags = list(parsed.diagnostics)
    spaces: dict[str, SearchSpace] = {}
    with layer_bindings_cached():
        for net in parsed.file.networks:
            if checkpoint is not None:
                checkpoint()
            if net.name in spaces:
                diags.append(duplicate_network(net.name, net.name_span))
                continue
            spaces[net.name], found = check_one(net, n_trials, sampler)
            diags += found
    return Analysis(parsed.file, in_reading_order(diags), spaces)


def check(
    source: str,
    path: str | None = None,
    *,
    n_trials: int | None = None,
    sampler: str | None = None,
) -> list[Diagnostic]:
    """The diagnostics of DSL text ``source`` in reading order (``neural_hpo.check``): what the
    editor underlines and ``neural-hpo check`` prints. ``analyze`` keeps the model and spaces."""
    return analyze(source, path, n_trials=n_trials, sampler=sampler).diagnostics


def check_one(
    net: Network, n_trials: int | None = None, sampler: str | None = None
) -> tuple[SearchSpace, list[Diagnostic]]:
    """One network's search space and what the checks find in it (inside
    ``layer_bindings_cached``); a network's checks read nothing outside it."""
    space = build_search_space(net)
    diags = list(space.problems)
    diags += check_network(net, space)
    diags += check_shapes(net, space)
    diags += check_space(space, n_trials or _budget(net), sampler or resolve_sampler(net))
    if not any(d.is_error for d in diags):
        diags += check_memory(net, space)
    return space, diags


def duplicate_network(name: str, name_span: Span) -> Diagnostic:
    """E114 at the second network of a name (which is then left unchecked)."""
    return Diagnostic("E114", f"network {name} is defined twice", name_span)


def in_reading_order(diags: list[Diagnostic]) -> list[Diagnostic]:
    """``diags`` without repeats, in source order."""
    unique = list(dict.fromkeys(diags))
    unique.sort(key=sort_key)
    return unique


def _budget(net) -> int | None:
    item = net.training("n_trials")
    if item is not None and isinstance(item.value, Literal):
        v = item.value.value
        if TRAINING_KEYS["n_trials"].problem(v) is None:
            return int(v)  # type: ignore[arg-type]
    return None


_SEVERITY_WORDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "info",
    Severity.HINT: "hint",
}


def format_diagnostic(d: Diagnostic, source: str, path: str | None = None) -> str:
    """Compiler-style text: ``path:line:col: error[CODE]: message``, the line and a caret.

    Control characters of the source (a NUL, an escape sequence) are shown escaped, as
    ``\\x00``, never sent raw to the terminal; the caret stays under the span."""
    lines = source.split("\n")  # not splitlines(): a form feed or \x1c does not end a line
    line_text = lines[d.span.line].rstrip("\r") if d.span.line < len(lines) else ""
    end = d.span.end_col if d.span.end_line == d.span.line else len(line_text)
    head = f"{path or '<input>'}:{d.span.line + 1}:{d.span.col + 1}: {_SEVERITY_WORDS[d.severity]}[{d.code}]: {d.message}"
    caret = _blank(line_text[: d.span.col]) + "^"
    caret += "~" * max(0, len(_shown(line_text[d.span.col : end])) - 1)
    text = f"{printable(head)}\n  {_shown(line_text)}\n  {caret}"
    if d.hint:
        text += f"\n  = hint: {printable(d.hint)}"
    return text


def _shown(text: str) -> str:
    """A source line for a terminal: tabs kept, other control characters escaped."""
    return "\t".join(printable(part) for part in text.split("\t"))


def _blank(text: str) -> str:
    """Blanks as wide as ``_shown(text)``, tabs kept, so a caret below lines up."""
    return re.sub(r"[^\t]", " ", _shown(text))
