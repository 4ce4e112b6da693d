"""UTF-16 positions (what LSP clients send by default) <-> character offsets (what the model uses).

Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` as LSP defines them (not at the other breaks that
``str.splitlines`` knows). Every conversion clamps instead of raising: clients send ranges past the
end of a line or into the middle of a surrogate pair, and the server must not fall over.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types as lsp

from neural_hpo.dsl.model import Span

_EOL = re.compile(r"\r\n|\r|\n")


def utf16_len(text: str) -> int:
    """Number of UTF-16 code units of ``text`` (lone surrogates count as one)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class LineIndex:
    """Line starts of one text, for O(log n) conversions between offsets and positions."""

    __slots__ = ("starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in _EOL.finditer(text))]

    def line_count(self) -> int:
        return len(self.starts)

    def line_bounds(self, line: int) -> tuple[int, int]:
        """Offsets of the first character of ``line`` and of its line break (or text end)."""
        line = min(max(line, 0), len(self.starts) - 1)
        start = self.starts[line]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return start, end

    def line_text(self, line: int) -> str:
        start, end = self.line_bounds(line)
        return self.text[start:end]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def position(self, offset: int) -> lsp.Position:
        """The LSP position (UTF-16 column) of a character offset."""
        offset = min(max(offset, 0), len(self.text))
        line = self.line_of(offset)
        start, end = self.line_bounds(line)
        return lsp.Position(line, utf16_len(self.text[start : min(offset, end)]))

    def offset(self, position: lsp.Position) -> int:
        """The character offset of an LSP position; past the line end clamps to it, past the
        last line to the end of the text, inside a surrogate pair to after it."""
        if position.line >= len(self.starts):
            return len(self.text)
        start, end = self.line_bounds(position.line)
        units = position.character
        if end - start <= units or self.text[start : start + units].isascii():
            return min(start + units, end)
        seen = 0
        for i in range(start, end):
            if seen >= units:
                return i
            seen += 2 if ord(self.text[i]) > 0xFFFF else 1
        return end

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(self.position(start), self.position(end))

    def span_range(self, span: Span) -> lsp.Range:
        """The LSP range of a model span (through its character offsets)."""
        return self.range(span.start, span.end)


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by bisection on slices (C speed, O(n log n))."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def map_offset(old: str, new: str, offset: int) -> int | None:
    """The offset in ``old`` of the character at ``offset`` in ``new``, or None when that
    character lies inside the region that changed between them."""
    if old is new or old == new:
        return offset
    prefix = common_prefix(old, new)
    if offset < prefix:
        return offset
    suffix = common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    if offset >= len(new) - suffix:
        return offset - len(new) + len(old)
    return None
