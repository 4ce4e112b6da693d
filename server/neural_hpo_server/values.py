"""Values as the editor shows them and as edits write them back into source."""

from __future__ import annotations

from typing import Any

from neural_hpo.dsl.lexicon import value_text
from neural_hpo.dsl.model import HpoSpec


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
    return value_text(value)
