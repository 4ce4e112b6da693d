"""Diagnostics of a long file, re-checked per keystroke: each top-level item is checked on its
own and remembered by its text, so an edit re-checks only the items it changed.

A network's checks read nothing outside the network but the macros it uses, so a file can be
checked piece by piece (``parser.split_items``): each network with the file's macros, as a small
file of its own, its findings then moved to where each piece stands now. An edit in one network
re-checks that network and shifts the others' findings by the lines and characters it added; an
edit in a macro re-checks every network. ``parse`` keeps syntax errors within their pieces too,
so the result equals ``analyze(source).diagnostics``. Where a piece holds a macro and a network
at once, or a macro is left open at the end of the file, pieces cannot be checked apart: it gives
up (returns None) and the caller runs ``analyze``.

Only diagnostics come out: the model with absolute spans is ``analyze``'s job.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from .analysis import check_one, duplicate_network, in_reading_order
from .arguments import layer_bindings_cached
from .diagnostics import Diagnostic
from .lexicon import DEFINE, line_starts_of
from .model import Span, make_span
from .parser import one_syntax_error_per_line, parse, split_items

#: (the file's macro pieces, one other piece): what a check was made of
_Key = tuple[tuple[str, ...], str]


@dataclass(frozen=True, slots=True)
class _Found:
    """A finding, its span relative to the start of the piece it is in: the ``part``-th of the
    texts checked together (the macros in file order, then the other piece)."""

    part: int
    diag: Diagnostic


@dataclass(frozen=True, slots=True)
class _Network:
    """A network of the checked piece: its name, where that stands, what its checks found."""

    name: str
    name_span: Span
    found: tuple[_Found, ...]


@dataclass(frozen=True, slots=True)
class _Checked:
    """What parsing (macros expanded) and checking one piece with the file's macros found."""

    parse_found: tuple[_Found, ...]
    networks: tuple[_Network, ...]


def _check(macros: tuple[str, ...], piece: str) -> _Checked:
    """Check ``piece`` in a file made of the ``macros`` pieces and itself."""
    parts = (*macros, piece)
    source = "".join(parts)
    place = _Parts(source, list(accumulate(map(len, parts[:-1]), initial=0)))
    parsed = parse(source)
    with layer_bindings_cached():
        networks = tuple(
            _Network(
                net.name,
                place.relative(net.name_span)[1],
                tuple(map(place.found, check_one(net)[1])),
            )
            for net in parsed.file.networks
        )
    return _Checked(tuple(map(place.found, parsed.diagnostics)), networks)


class _Parts:
    """Spans of a text made of parts, re-told relative to the part they are in."""

    def __init__(self, source: str, starts: list[int]) -> None:
        self.starts = starts
        self.shifts = [_Shift.back_from(source, s) for s in starts]

    def relative(self, span: Span) -> tuple[int, Span]:
        part = bisect_right(self.starts, span.start) - 1
        return part, self.shifts[part].span(span)

    def found(self, d: Diagnostic) -> _Found:
        part = bisect_right(self.starts, d.span.start) - 1
        return _Found(part, d.moved(self.shifts[part].span))


class _Shift:
    """Moves spans by lines, by columns on one line, and by characters."""

    __slots__ = ("col", "first_line", "line", "offset")

    def __init__(self, line: int, col: int, offset: int, first_line: int = 0) -> None:
        self.line, self.col, self.offset, self.first_line = line, col, offset, first_line

    @classmethod
    def to(cls, line_starts: list[int], start: int) -> _Shift:
        """From relative to a piece to where the piece starts at ``start``."""
        line = bisect_right(line_starts, start) - 1
        return cls(line, start - line_starts[line], start)

    @classmethod
    def back_from(cls, source: str, start: int) -> _Shift:
        """From positions in ``source`` to relative to a piece starting at ``start``."""
        line = source.count("\n", 0, start)
        col = start - (source.rfind("\n", 0, start) + 1)
        return cls(-line, -col, -start, first_line=line)

    def span(self, s: Span) -> Span:
        if not (self.line or self.col or self.offset):
            return s
        return make_span(
            s.line + self.line,
            s.col + self.col if s.line == self.first_line else s.col,
            s.end_line + self.line,
            s.end_col + self.col if s.end_line == self.first_line else s.end_col,
            s.start + self.offset,
            s.end + self.offset,
        )

    def diagnostic(self, d: Diagnostic) -> Diagnostic:
        return d.moved(self.span)


class IncrementalChecker:
    """``analyze(source).diagnostics`` for successive versions of one document, re-checking
    only the pieces that changed since the last call (all of them after a macro changed)."""

    def __init__(self) -> None:
        self._memo: dict[_Key, _Checked] = {}
        self._kinds: dict[str, str] = {}

    def diagnostics(self, source: str) -> list[Diagnostic] | None:
        """The file's diagnostics, or None where only ``analyze`` can tell (see the module doc).

        Only the current version's pieces are remembered, so memory follows the document.
        """
        pieces = split_items(source)
        texts = [source[start:end] for start, end in pieces]
        kinds = {text: self._kind(text) for text in texts}
        self._kinds = kinds
        if "mixed" in kinds.values() or kinds[texts[-1]] == "macro":
            return None
        at_macro = [i for i, text in enumerate(texts) if kinds[text] == "macro"]
        macros = tuple(texts[i] for i in at_macro)
        line_starts = line_starts_of(source)
        shifts: dict[int, _Shift] = {}

        def shift(piece: int) -> _Shift:
            found = shifts.get(piece)
            if found is None:
                found = shifts[piece] = _Shift.to(line_starts, pieces[piece][0])
            return found

        memo: dict[_Key, _Checked] = {}
        syntax: dict[Diagnostic, int] = {}  # found while parsing, with the piece it is in
        checks: list[Diagnostic] = []
        names: set[str] = set()
        for i, text in enumerate(texts):
            if kinds[text] == "macro":
                continue
            key = (macros, text)
            checked = memo.get(key) or self._memo.get(key) or _check(macros, text)
            memo[key] = checked
            parts = [*at_macro, i]
            for f in checked.parse_found:
                syntax.setdefault(shift(parts[f.part]).diagnostic(f.diag), parts[f.part])
            for net in checked.networks:
                if net.name in names:
                    checks.append(duplicate_network(net.name, shift(i).span(net.name_span)))
                    continue
                names.add(net.name)
                checks += (shift(parts[f.part]).diagnostic(f.diag) for f in net.found)
        self._memo = memo
        in_file_order = sorted(syntax, key=syntax.__getitem__)
        return in_reading_order(one_syntax_error_per_line(in_file_order) + checks)

    def _kind(self, text: str) -> str:
        """``macro``, ``mixed`` (a macro and a network) or ``other``: how a piece takes part."""
        kind = self._kinds.get(text)
        if kind is None:
            kind = "other"
            if DEFINE in text:  # the one word that starts a macro
                file = parse(text).file
                if file.macros:
                    kind = "mixed" if file.networks else "macro"
        return kind
