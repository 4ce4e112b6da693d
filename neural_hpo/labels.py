"""Text for people: user-supplied names as figure labels (importance and visualization
figures), durations (estimates, ETAs)."""

from __future__ import annotations

from typing import Any


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
