"""User-supplied names as figure text, shared by the importance and visualization figures."""

from __future__ import annotations

from typing import Any


def short(value: Any, limit: int = 28) -> str:
    """``value`` as a figure label, cut with an ellipsis so long names cannot crowd a plot out."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
