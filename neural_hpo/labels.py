"""Text for people: user-supplied names as figure labels and terminal text (importance and
visualization figures, the CLI tables), durations (estimates, ETAs)."""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def short(value: Any, limit: int = 28) -> str:
    """``value`` as a figure label, cut with an ellipsis so long names cannot crowd a plot out."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duration(seconds: float) -> str:
    """``0.42 s``, ``3 min 20 s``, ``2 h 05 min``."""
    if seconds < 60:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def printable(value: Any) -> str:
    """``value`` for a terminal: control characters (escape sequences that set a title or
    clear the screen, NULs) shown escaped, as ``\\x1b``, never sent raw."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
