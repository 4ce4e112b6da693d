"""The words and tokens of the ``.neural`` language, in one place: the terminals of
``grammars/neural.lark`` (tests/test_fastparse.py keeps them equal), its keywords, and the one
scanner that knows where strings and comments are, so that no reader of the text (the fast
parser, the piece splitter, the formatter, the editor's cursor context and completion) finds a
brace or a ``define`` inside a comment or a string.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import cache

#: the regex terminals of neural.lark with groups made non-capturing (faster to match)
TERMINALS = {
    "NAME": r"[A-Za-z_][A-Za-z0-9_]*",
    "NUMBER": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?",
    "STRING": r"""(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')""",
    "MACRO_REF": r"\$[A-Za-z_][A-Za-z0-9_]*",
    "COMMENT": r"(?:/\*[\s\S]*?\*/|//[^\n]*|#[^\n]*)",
    "WS": r"[ \t\f\r\n]+",
}
#: the grammar's literal terminals that are not words
PUNCTUATION = ("->", "{", "}", "(", ")", "[", "]", ":", "=", ",", "*", "@", "+", "-", "/")

#: words that start a top-level item
NETWORK, DEFINE = "network", "define"
TOP_WORDS = (NETWORK, DEFINE)
#: the block keywords, each with the block it opens
BLOCK_WORDS = {
    "training": "training",
    "train": "training",
    "execution": "execution",
    "execute": "execution",
}
#: the legacy ``layers:`` marker
LAYERS = "layers"
#: words that start a body statement where the grammar accepts a keyword
STATEMENT_WORDS = frozenset((*BLOCK_WORDS, LAYERS))
#: the keyword of a tunable value; the grammar reads it in any case (``HPO``, ``Hpo``)
HPO = "hpo"
#: the forms of an ``hpo(...)``, each with the kind it stands for (``choice`` is the legacy
#: ``HPO(choice(...))`` spelling of ``categorical``)
HPO_FORMS = {
    "categorical": "categorical",
    "choice": "categorical",
    "range": "range",
    "log_range": "log_range",
}
#: names the model reads as constants, not as names
CONSTANTS = frozenset(("true", "false", "True", "False", "None"))

_NAME_RE = re.compile(TERMINALS["NAME"])
#: a string or block comment that the text ends inside of: half-typed text, read up to a cursor
_OPEN_STRING = r"""(?:"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)"""
_OPEN_COMMENT = r"(?:/\*(?:[\s\S]*?\*/|[\s\S]*)|//[^\n]*|#[^\n]*)"


def is_hpo(word: str) -> bool:
    """Whether ``word`` is the ``hpo`` keyword (in any case)."""
    return len(word) == 3 and word.lower() == HPO


def is_bare_name(text: str) -> bool:
    """Whether ``text`` reads back as the same name when written without quotes."""
    return (
        _NAME_RE.fullmatch(text) is not None
        and text not in TOP_WORDS
        and text not in STATEMENT_WORDS
        and text not in CONSTANTS
        and not is_hpo(text)
    )


def quote(text: str) -> str:
    """A double-quoted string literal that reads back as ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\t", "\\t") + '"'


def value_text(v: object, digits: int | None = 6, quoted: bool = False) -> str:
    """A value as DSL text, the one renderer (the formatter, messages, signatures, hovers,
    hints, edits): ``true``/``false``, ``None``, an int, a float to ``digits`` significant
    digits (None: exactly) that reads back as a float (``3.0``, ``1e-05``), a string as it is
    or, ``quoted``, as a literal (where a message must tell a string from a name); anything else
    as ``str`` gives it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "None"
    if isinstance(v, float):
        text = repr(v) if digits is None else f"{v:.{digits}g}"
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str) and quoted:
        return quote(v)
    return str(v)


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def unquote(text: str) -> str:
    """The text a STRING token stands for (``\\n``, ``\\t`` and an escaped character read)."""
    body = text[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def line_starts_of(source: str) -> list[int]:
    """The offset of each line's first character."""
    return [0, *(m.end() for m in re.finditer("\n", source))]


# ---- the scanner ---------------------------------------------------------------------------

_QUOTE_OR_COMMENT = "\"'/#"  # the characters a string or comment starts with
_SKIPPED = frozenset(("string", "comment"))


_SKIP = re.compile(f"(?P<string>{TERMINALS['STRING']})|(?P<comment>{TERMINALS['COMMENT']})").match
#: strings and comments in half-typed text: either may run on to where the text stops
_OPEN = f"(?P<string>{_OPEN_STRING})|(?P<comment>{_OPEN_COMMENT})"


@cache
def _char_finder(chars: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(_QUOTE_OR_COMMENT + chars)}]")


@cache
def _half_typed_scanner(pattern: str) -> re.Pattern[str]:
    return re.compile(f"{_OPEN}|{pattern}")


def marks(
    source: str, chars: str = "", start: int = 0, end: int | None = None
) -> Iterator[re.Match[str]]:
    """The strings, the comments and each of the characters ``chars`` outside them in
    ``source[start:end]``, in order (``is_skipped`` tells a string or comment). An unclosed quote
    or ``/*`` is one character like any other, as the grammar's terminals read it.

    The fast way (a search for one character of a set, Python only where one is found): for
    the readers of whole files, the piece splitter and the formatter."""
    end = len(source) if end is None else end
    find = _char_finder(chars).search
    pos = start
    while (m := find(source, pos, end)) is not None:
        at = m.start()
        skipped = _SKIP(source, at, end) if source[at] in _QUOTE_OR_COMMENT else None
        if skipped is not None:
            yield skipped
            pos = skipped.end()
            continue
        if source[at] in chars:
            yield m
        pos = at + 1


def scan_half_typed(source: str, pattern: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """The strings, the comments and the matches of the regex ``pattern`` outside them in
    ``source[start:end]``, text that may stop inside a string or a ``/*`` comment (an editor's
    text up to the cursor), which then runs to ``end``. In order; ``is_skipped`` tells a string
    or comment; ``pattern``'s groups must be named (two come before them)."""
    return _half_typed_scanner(pattern).finditer(source, start, end)


def is_skipped(m: re.Match[str]) -> bool:
    """Whether a match of ``marks`` or ``scan_half_typed`` is a string or a comment."""
    return m.lastgroup in _SKIPPED


def code(
    source: str, pattern: str, start: int = 0, end: int | None = None
) -> Iterator[re.Match[str]]:
    """The matches of the regex ``pattern`` that start outside strings and comments (a match is
    kept whole: give a pattern that stops at a line's end, as those of names and words do).

    The pattern's own search, then the strings and comments found by ``marks``: faster than a
    scan of every token where matches are few (a ``define`` line)."""
    end = len(source) if end is None else end
    found = list(_compiled(pattern).finditer(source, start, end))
    if not found:
        return iter(())
    skipped = [m.span() for m in marks(source, "", start, end)]
    starts = [s for s, _ in skipped]

    def outside(m: re.Match[str]) -> bool:
        i = bisect_right(starts, m.start()) - 1
        return i < 0 or skipped[i][1] <= m.start()

    return filter(outside, found)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def comments(source: str) -> Iterator[re.Match[str]]:
    """Every comment of ``source`` (strings skipped, so ``"#"`` is none)."""
    return (m for m in marks(source) if m.lastgroup == "comment")
