"""User-supplied names as figure and terminal text, shared by the figures and the CLI tables."""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def short(value: Any, limit: int = 28) -> str:
    """``value`` as a figure label, cut with an ellipsis so long names cannot crowd a plot out."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def printable(value: Any) -> str:
    """``value`` for a terminal: control characters (escape sequences that set a title or
    clear the screen, NULs) shown escaped, as ``\\x1b``, never sent raw."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
