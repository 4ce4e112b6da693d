"""Text to typed model: the fast parser for valid text, else the LALR parse with error recovery
and the tree builder; then macros.

``parse`` never raises on bad input: syntax errors become diagnostics (several per file where
recovery allows, worded for users), and whatever parsed is still built into the model so that
the editor keeps its features on a half-typed file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from .builder import build_file
from .diagnostics import Diagnostic
from .fastparse import SyntaxFallback, parse_fast
from .lexicon import comments as comment_matches
from .lexicon import is_skipped, line_starts_of, marks
from .macros import expand_macros
from .model import File, Span

#: words users know, for each terminal of the grammar
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "MACRO_REF": "a macro parameter ($name)",
    "HPO": "hpo(...)",
    "$END": "end of file",
}

_CLOSERS = ("_RPAR", "_RSQB", "_RBRACE")
_MAX_ERRORS = 50


@lru_cache(maxsize=1)
def grammar_text() -> str:
    """The grammar shipped inside the package."""
    return resources.files("neural_hpo").joinpath("grammars/neural.lark").read_text("utf-8")


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=False,
    )


def prepare() -> None:
    """Build lark's parser now (about 30 ms), not at the first syntax error someone types."""
    _lark()


@lru_cache(maxsize=1)
def _words() -> dict[str, str]:
    words = dict(_TERMINAL_WORDS)
    for t in _lark().terminals:
        if type(t.pattern).__name__ == "PatternStr":
            words.setdefault(t.name, f"'{t.pattern.value}'")
    return words


@dataclass
class ParseResult:
    """The model (possibly partial) and the syntax and structure diagnostics."""

    file: File
    diagnostics: list[Diagnostic] = field(default_factory=list)


def parse(
    source: str, path: str | None = None, checkpoint: Callable[[], None] | None = None
) -> ParseResult:
    """Parse ``source``; syntax errors are returned as diagnostics, never raised.

    Each top-level piece (``split_items``) is parsed on its own, by the fast parser, or where it
    has a syntax error by lark, which recovers and words the errors: an error stays within the
    item it is in. (Piece by piece is also a little faster than the whole file at once.)
    ``checkpoint`` is called before each piece: a caller that no longer wants the result raises
    from it.
    """
    diags: list[Diagnostic] = []
    file = File(source=source)
    line_starts = line_starts_of(source)
    for start, end in split_items(source):
        if checkpoint is not None:
            checkpoint()
        refusal = refused(source, start, end)
        if refusal is not None:
            at, length, code, message = refusal
            diags.append(Diagnostic(code, message, span_of(at, at + length, line_starts)))
            continue
        found: list[Diagnostic] = []
        try:
            part = parse_fast(source, found, within=(start, end), line_starts=line_starts)
        except SyntaxFallback:
            found = []
            part = _lark_file(_blank_before(source, start, end), path, found)
        diags += found
        file.networks += part.networks
        file.macros += part.macros
    return _finish(file, path, diags)


#: brackets deeper than this are refused with E104 rather than parsed (the parsers and every
#: walk over the model recurse per level; no file needs them), digits longer than MAX_DIGITS
#: with E105 (Python refuses to convert an integer of over 4300 digits)
MAX_NESTING = 100
MAX_DIGITS = 100
_LONG_NUMBER = re.compile(rf"(?<![\w.])\d{{{MAX_DIGITS + 1},}}")
_DIGITS = re.compile(r"\d+")


def refused(source: str, start: int, end: int) -> tuple[int, int, str, str] | None:
    """What in ``source[start:end]`` the parsers are not given (strings and comments
    skipped): ``(offset, length, code, message)`` of the first bracket opening level
    MAX_NESTING + 1 or of a number of over MAX_DIGITS digits, else None."""
    opening = sum(source.count(c, start, end) for c in "([{")
    if opening <= MAX_NESTING and _LONG_NUMBER.search(source, start, end) is None:
        return None  # the common case, told without a scan
    depth, after = 0, start
    for m in marks(source, "()[]{}0123456789", start, end):
        at = m.start()
        if at < after or is_skipped(m):
            continue
        c = m.group()
        if c.isdigit():
            long = _LONG_NUMBER.match(source, at, end)
            if long is not None:
                n = long.end() - at
                return at, n, "E105", f"number of {n} digits (at most {MAX_DIGITS})"
            after = _DIGITS.match(source, at, end).end()
        elif c in "([{":
            depth += 1
            if depth > MAX_NESTING:
                return at, 1, "E104", f"nested more than {MAX_NESTING} levels deep"
        else:
            depth = max(depth - 1, 0)
    return None


def split_items(source: str) -> list[tuple[int, int]]:
    """``source`` cut after each top-level ``}``: [start, end) of each piece and of the rest.

    In a valid file each piece is one item with what precedes it (commas, comments, blanks), and
    parses on its own exactly as inside the file. In an invalid one a piece may hold half an
    item or several; its errors then stay within it.
    """
    pieces: list[tuple[int, int]] = []
    depth = start = 0
    for m in marks(source, "{}"):
        if is_skipped(m):
            continue
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                pieces.append((start, m.end()))
                start = m.end()
    pieces.append((start, len(source)))
    return pieces


def _blank_before(source: str, start: int, end: int) -> str:
    """``source[:end]`` with every character before ``start`` blank: what lark reads of one
    piece, positions (offsets, lines, columns) as in the whole file."""
    lines = source.count("\n", 0, start)
    col = start - (source.rfind("\n", 0, start) + 1)
    return " " * (start - lines - col) + "\n" * lines + " " * col + source[start:end]


def _parse_lark(source: str, path: str | None = None) -> ParseResult:
    """``parse`` through lark alone: the reference the fast parser is tested against."""
    diags: list[Diagnostic] = []
    return _finish(_lark_file(source, path, diags), path, diags)


def _lark_file(source: str, path: str | None, diags: list[Diagnostic]) -> File:
    """lark's parse with recovery, built into the model (what parsed of it)."""
    tree = None
    try:
        tree = _lark().parse(source, on_error=lambda e: _recover(e, source, diags))
    except UnexpectedInput as e:
        if not diags or diags[-1].span != _error_span(e, source):
            diags.append(_syntax_diagnostic(e, source))
    return build_file(tree, source, path, diags) if tree is not None else File(source=source)


def _finish(file: File, path: str | None, diags: list[Diagnostic]) -> ParseResult:
    file.path = path
    file.comments = comments(file.source)
    expand_macros(file, diags)
    return ParseResult(file=file, diagnostics=one_syntax_error_per_line(diags))


def comments(source: str) -> list[tuple[Span, str]]:
    """Every comment with its span (strings are skipped, so ``"#"`` is no comment)."""
    line_starts = line_starts_of(source)
    return [(span_of(m.start(), m.end(), line_starts), m.group()) for m in comment_matches(source)]


def span_of(start: int, end: int, line_starts: list[int]) -> Span:
    """The span of the character offsets [start, end)."""
    from bisect import bisect_right

    line = bisect_right(line_starts, start) - 1
    end_line = bisect_right(line_starts, end) - 1
    return Span(line, start - line_starts[line], end_line, end - line_starts[end_line], start, end)


def _recover(e: UnexpectedInput, source: str, diags: list[Diagnostic]) -> bool:
    """Record the error, then repair: close open brackets when that makes the token fit,
    otherwise drop the token. Returns False (give up) after too many errors."""
    if not isinstance(e, UnexpectedToken):
        diags.append(_syntax_diagnostic(e, source))
        return isinstance(e, UnexpectedCharacters) and len(diags) < _MAX_ERRORS
    ip: InteractiveParser = e.interactive_parser
    token = e.token
    closers = _closers_before(ip, token.type)
    if token.type == "$END" and closers:
        missing = " and ".join(_words()[c] for c in closers)
        diags.append(
            Diagnostic(
                "E103", f"the file ends too early: missing {missing}", _error_span(e, source)
            )
        )
    else:
        diags.append(_syntax_diagnostic(e, source))
    if len(diags) >= _MAX_ERRORS:
        return False
    if closers is not None:
        for c in closers:
            ip.feed_token(_synthetic(c, token))
        if token.type != "$END":
            ip.feed_token(token)
        return True
    return token.type != "$END"


def _synthetic(kind: str, at: Token) -> Token:
    """A zero-width closing token inserted by recovery just before ``at``."""
    pos = at.start_pos or 0
    line, col = at.line or 1, at.column or 1
    return Token(kind, "", pos, line, col, line, col, pos)


def _closers_before(ip: InteractiveParser, wanted: str, depth: int = 6) -> list[str] | None:
    """The shortest run of closing brackets after which ``wanted`` is accepted (None: none)."""
    frontier: list[tuple[InteractiveParser, list[str]]] = [(ip, [])]
    for _ in range(depth):
        nxt = []
        for p, path in frontier:
            acc = p.accepts()
            if path and wanted in acc:
                return path
            for c in _CLOSERS:
                if c in acc:
                    q = p.copy()
                    q.feed_token(Token(c, ""))
                    nxt.append((q, [*path, c]))
        if not nxt:
            return None
        frontier = nxt[:8]
    return None


def _error_span(e: UnexpectedInput, source: str) -> Span:
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        t = e.token
        return Span(
            t.line - 1, t.column - 1, t.end_line - 1, t.end_column - 1, t.start_pos, t.end_pos
        )
    pos = getattr(e, "pos_in_stream", None)
    if pos is None or isinstance(e, UnexpectedToken):
        pos = len(source)
    starts = line_starts_of(source)
    end = min(pos + (0 if pos >= len(source) else 1), len(source))
    return span_of(pos, end, starts)


def _syntax_diagnostic(e: UnexpectedInput, source: str) -> Diagnostic:
    span = _error_span(e, source)
    if source.startswith("/*", span.start):
        return Diagnostic("E101", "a /* comment that is never closed (no */ after it)", span)
    if isinstance(e, UnexpectedCharacters):
        ch = source[e.pos_in_stream] if e.pos_in_stream < len(source) else ""
        return Diagnostic("E101", f"unexpected character {ch!r}", span)
    expected = _expected_words(getattr(e, "expected", set()) or set())
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        return Diagnostic("E103", f"the file ends too early: expected {expected}", span)
    tok = e.token.value if isinstance(e, UnexpectedToken) else "input"
    return Diagnostic("E102", f"unexpected {tok!r}: expected {expected}", span)


def _expected_words(names: set[str]) -> str:
    words = _words()
    items = sorted(
        {words.get(n, n.strip("_").lower()) for n in names if n not in ("COMMENT", "WS")}
    )
    if not items:
        return "something else"
    if len(items) > 8:
        items = [*items[:8], "..."]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def one_syntax_error_per_line(diags: list[Diagnostic]) -> list[Diagnostic]:
    """The first syntax error of each line only: recovery often stumbles twice over the same
    mistake."""
    seen_lines: set[int] = set()
    out = []
    for d in diags:
        if d.code.startswith("E10"):
            if d.span.line in seen_lines:
                continue
            seen_lines.add(d.span.line)
        out.append(d)
    return out
