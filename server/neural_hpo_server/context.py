"""Where the cursor stands, read from the text alone (so it works on half-typed documents).

A small tokenizer runs from the start of the enclosing top-level block to the cursor and keeps a
stack of open brackets: a network or macro body, a ``training``/``execution`` block, a call
(``Dense(``, ``adam(``, ``hpo(``), a list or a tuple, each with the ``key:`` being given a value
in it. Completion and hover ask ``cursor_context`` what the cursor is inside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from neural_hpo.dsl.lexicon import (
    BLOCK_WORDS,
    HPO_FORMS,
    TERMINALS,
    TOP_WORDS,
    is_hpo,
    scan_half_typed,
)

_WORD_RE = f"(?:{TERMINALS['MACRO_REF']}|{TERMINALS['NAME']})"
#: what the cursor context reads between the lexicon's strings and comments
_TOKENS = "|".join(
    (
        r"(?P<num>\d[\w.]*(?:[eE][-+]?\d+)?)",  # loose: a number may be half-typed
        "(?P<arrow>->)",
        r"(?P<open>[(\[{])",
        r"(?P<close>[)\]}])",
        f"(?P<name>{_WORD_RE})",
        "(?P<punct>[:=,])",
        r"(?P<nl>\n)",
    )
)
_WORD_BEFORE = re.compile(_WORD_RE + "$")
_WORD = re.compile(_WORD_RE)


@dataclass
class _Frame:
    kind: str  # top | network | training | execution | dict | call | hpo | list | tuple
    name: str | None = None  # the call's name
    outer_key: str | None = None  # the key this bracket is the value of
    key: str | None = None  # the key of the item being written
    arrow: bool = False
    given: set[str] = field(default_factory=set)
    item: list[tuple[str, str]] = field(default_factory=list)

    def new_item(self) -> None:
        self.key, self.arrow, self.item = None, False, []


@dataclass
class Context:
    """What the cursor is inside.

    ``where``: ``top``, ``statement`` (a network body line), ``setting_value``, ``activation``
    (after ``->``), ``args`` (argument names of ``owner``), ``arg_value``, ``hpo`` (the forms),
    ``hpo_value`` (options of an ``hpo`` list), ``block_key``, ``block_value``, ``metrics`` or
    ``none`` (comments, strings, numbers, tuples). ``owner`` is the call or block, ``key`` the
    argument or setting, ``given`` the argument names already written in the call.
    """

    where: str
    prefix: str = ""
    start: int = 0
    owner: str | None = None
    key: str | None = None
    given: frozenset[str] = frozenset()


def block_start(text: str, offset: int) -> int:
    """Offset of the last ``network``/``define`` line start before ``offset`` (0 when none)."""
    best = 0
    for kw in TOP_WORDS:
        i = text.rfind("\n" + kw, 0, offset)
        if i >= 0:
            best = max(best, i + 1)
    return best


def word_at(text: str, offset: int) -> tuple[str, int, int] | None:
    """The name around ``offset`` with its start and end offsets."""
    lo = offset
    while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in "_$"):
        lo -= 1
    m = _WORD.match(text, lo)
    if m is None or m.end() < offset:
        return None
    return m.group(), m.start(), m.end()


def cursor_context(text: str, offset: int) -> Context:
    """The context at ``offset`` (a character offset into ``text``)."""
    offset = min(max(offset, 0), len(text))
    m = _WORD_BEFORE.search(text, max(0, offset - 200), offset)
    prefix = m.group() if m else ""
    start = offset - len(prefix)
    stack = [_Frame("top")]
    last: tuple[str, str] | None = None
    for tok in scan_half_typed(text, _TOKENS, block_start(text, start), start):
        kind, value = tok.lastgroup, tok.group()
        if tok.end() == start and _open_at_end(kind, value):
            return Context("none", prefix, start)
        _step(stack, kind, value, last)
        if kind not in ("comment", "nl"):
            last = (kind, value)
    return _classify(stack, prefix, start)


def _open_at_end(kind: str | None, value: str) -> bool:
    """Whether a token that ends at the cursor goes on there: a number, a line comment, an
    unclosed string or block comment (what the cursor is in, nothing is completed)."""
    if kind == "string":
        return len(value) < 2 or value[-1] != value[0]
    if kind == "comment":
        return not value.startswith("/*") or len(value) < 4 or not value.endswith("*/")
    return kind == "num"


def _step(stack: list[_Frame], kind: str, value: str, last: tuple[str, str] | None) -> None:
    top = stack[-1]
    if kind == "nl":
        if top.kind in ("top", "network", "training", "execution", "dict"):
            top.new_item()
        return
    if kind == "comment":
        return
    if kind == "punct":
        if value == ",":
            top.new_item()
        elif last is not None and last[0] == "name" and top.key is None:
            top.key = last[1]
            top.given.add(last[1])
        return
    if kind == "arrow":
        top.arrow = True
    elif kind == "open":
        stack.append(_open(top, value, last))
        return
    elif kind == "close":
        if len(stack) > 1:
            stack.pop()
        stack[-1].item.append(("close", value))
        return
    top.item.append((kind, value))


def _open(top: _Frame, bracket: str, last: tuple[str, str] | None) -> _Frame:
    name = last[1] if last is not None and last[0] == "name" else None
    if bracket == "(":
        if name is None:
            return _Frame("tuple", outer_key=top.key)
        if is_hpo(name) or (top.kind == "hpo" and name in HPO_FORMS):
            return _Frame("hpo", name=name.lower(), outer_key=top.key or top.outer_key)
        return _Frame("call", name=name, outer_key=top.key)
    if bracket == "[":
        return _Frame("list", outer_key=top.key or (top.outer_key if top.kind == "hpo" else None))
    words = [v for k, v in top.item if k == "name"]
    if words and words[0] in TOP_WORDS:
        return _Frame("network")
    if words and words[0] in BLOCK_WORDS:
        return _Frame(BLOCK_WORDS[words[0]])
    if top.kind in ("network", "top") and any(k == "close" for k, _ in top.item):
        return _Frame("network")  # a layer's sub-layer block
    return _Frame("dict", outer_key=top.key)


def _classify(stack: list[_Frame], prefix: str, start: int) -> Context:
    top = stack[-1]
    ctx = Context("none", prefix, start)
    if top.kind == "top":
        ctx.where = "top" if not top.item else "none"
    elif top.kind == "network":
        if top.arrow:
            ctx.where = "activation"
        elif top.key is not None:
            ctx.where, ctx.key = "setting_value", top.key
        elif not top.item:
            ctx.where = "statement"
    elif top.kind in ("training", "execution"):
        ctx.owner = top.kind
        ctx.where, ctx.key = ("block_value", top.key) if top.key else ("block_key", None)
        if top.key is None and top.item:
            ctx.where = "none"
    elif top.kind == "call":
        ctx.owner, ctx.given = top.name, frozenset(top.given)
        ctx.where, ctx.key = ("arg_value", top.key) if top.key else ("args", None)
    elif top.kind == "hpo":
        if top.name in HPO_FORMS:
            ctx.where = "hpo_value"
        elif top.key is None and not top.item:
            ctx.where = "hpo"
    elif top.kind == "list":
        parent = stack[-2] if len(stack) > 1 else None
        if parent is not None and parent.kind == "hpo":
            ctx.where = "hpo_value"
        elif top.outer_key == "metrics":
            ctx.where = "metrics"
    if ctx.where == "hpo_value":
        ctx.key, ctx.owner = _value_owner(stack)
    return ctx


def _value_owner(stack: list[_Frame]) -> tuple[str | None, str | None]:
    """For options of an ``hpo``: the argument/setting it is the value of and that one's owner."""
    for frame in reversed(stack):
        if frame.kind in ("hpo", "list"):
            continue
        if frame.arrow:
            return "activation", None
        owner = frame.name if frame.kind == "call" else frame.kind
        return frame.key, owner
    return None, None
