"""Diagnostics of a long file, re-checked per keystroke: each top-level item is checked on its
own and remembered by its text, so an edit re-checks only the items it changed.

A network's checks read nothing outside the network (``analysis.check_one``), so the items of a
file can be checked one by one with spans relative to the item, then moved to where the item
stands now: an edit in one network re-checks that network, and shifts the others' findings by
the lines and characters it added. Pieces are ``parser.split_items``'s, which ``parse`` also
keeps syntax errors within, so the result equals ``analyze(source).diagnostics``. A file with
macros is the exception (an expanded layer's spans point into the ``define``, another item): there
it gives up (returns None) and the caller runs ``analyze``.

Only diagnostics come out: the model with absolute spans is ``analyze``'s job.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .analysis import check_one, duplicate_network, in_reading_order
from .arguments import layer_bindings_cached
from .diagnostics import Diagnostic
from .model import Span, make_span
from .parser import one_syntax_error_per_line, parse, split_items


@dataclass(frozen=True, slots=True)
class _Network:
    """A network of a piece: its name, where that stands, what its checks found."""

    name: str
    name_span: Span
    diags: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class _Checked:
    """One piece's findings, spans relative to the piece's start (line 0, column 0)."""

    parse_diags: tuple[Diagnostic, ...]
    networks: tuple[_Network, ...]


def _check_piece(text: str) -> _Checked | None:
    """The findings of one piece, or None where the piece cannot be checked alone."""
    parsed = parse(text)
    if parsed.file.macros:
        return None
    with layer_bindings_cached():
        networks = tuple(
            _Network(net.name, net.name_span, tuple(check_one(net)[1]))
            for net in parsed.file.networks
        )
    return _Checked(tuple(parsed.diagnostics), networks)


class _Shift:
    """Moves spans from piece-relative to file positions."""

    __slots__ = ("col", "line", "offset")

    def __init__(self, line: int, col: int, offset: int) -> None:
        self.line, self.col, self.offset = line, col, offset

    def span(self, s: Span) -> Span:
        return make_span(
            s.line + self.line,
            s.col + self.col if s.line == 0 else s.col,
            s.end_line + self.line,
            s.end_col + self.col if s.end_line == 0 else s.end_col,
            s.start + self.offset,
            s.end + self.offset,
        )

    def diagnostic(self, d: Diagnostic) -> Diagnostic:
        if not (self.line or self.col or self.offset):
            return d
        return Diagnostic(d.code, d.message, self.span(d.span), d.hint)


class IncrementalChecker:
    """``analyze(source).diagnostics`` for successive versions of one document, re-checking
    only the pieces that changed since the last call."""

    def __init__(self) -> None:
        self._memo: dict[str, _Checked] = {}

    def diagnostics(self, source: str) -> list[Diagnostic] | None:
        """The file's diagnostics, or None where only ``analyze`` can tell (see the module doc).

        Only the current version's pieces are remembered, so memory follows the document.
        """
        memo: dict[str, _Checked] = {}
        line_starts: list[int] | None = None
        names: set[str] = set()
        syntax: list[Diagnostic] = []
        checks: list[Diagnostic] = []
        for start, end in split_items(source):
            text = source[start:end]
            checked = memo.get(text) or self._memo.get(text)
            if checked is None:
                checked = _check_piece(text)
                if checked is None:
                    return None
            memo[text] = checked
            if not (checked.parse_diags or checked.networks):
                continue
            if line_starts is None:
                line_starts = [0, *(m.end() for m in re.finditer("\n", source))]
            line = bisect_right(line_starts, start) - 1
            shift = _Shift(line, start - line_starts[line], start)
            syntax += map(shift.diagnostic, checked.parse_diags)
            for net in checked.networks:
                if net.name in names:
                    checks.append(duplicate_network(net.name, shift.span(net.name_span)))
                else:
                    names.add(net.name)
                    checks += map(shift.diagnostic, net.diags)
        self._memo = memo
        return in_reading_order(one_syntax_error_per_line(syntax) + checks)
