"""Values as the editor shows them and as edits write them back into source."""

from __future__ import annotations

from typing import Any

from neural_hpo.dsl.model import HpoSpec


def show(v: Any) -> str:
    """A value for hovers, lenses and hints: ``128``, ``0.00123``, ``relu``, ``true``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.4g}"
    return "None" if v is None else str(v)


def number_text(v: float | int, as_float: bool) -> str:
    """A number that reads back as the same kind: ``3.0`` stays a float."""
    if not as_float:
        return str(int(v))
    text = f"{float(v):.6g}"
    return text if any(c in text for c in ".en") else text + ".0"


def replacement(spec: HpoSpec, value: Any, source: str) -> str | None:
    """Source text that fixes ``spec`` to ``value``: a categorical option as it was written
    (``relu`` stays a name, ``"relu"`` a string), a number in the parameter's kind."""
    if spec.kind == "categorical":
        from neural_hpo.dsl.space.model import encode_choice

        for option in spec.choices:
            if isinstance(option, HpoSpec):
                continue
            try:
                encoded = encode_choice(option)
            except TypeError:
                continue
            if encoded == value and type(encoded) is type(value):
                return source[option.span.start : option.span.end]
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return number_text(value, isinstance(value, float))
