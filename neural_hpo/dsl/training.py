"""What a network's training block asks for by name: the sampler (``sampler``, or the legacy
``search_method`` mapped by the catalog's ``SEARCH_METHODS``). The checks and the engine both
read it here, so the DSL's answer is the same in the editor and in a run."""

from __future__ import annotations

from .catalog import SAMPLERS, SEARCH_METHODS
from .model import Ident, Network, Value


def written_name(value: Value) -> str | None:
    """The text of a name or of a string: ``tpe`` and ``"tpe"`` alike; None for anything else."""
    text = value.name if isinstance(value, Ident) else getattr(value, "value", None)
    return text if isinstance(text, str) else None


def resolve_sampler(net: Network) -> str | None:
    """The sampler the network asks for (``sampler`` or legacy ``search_method``), if any."""
    for key in ("sampler", "search_method"):
        item = net.training(key)
        if item is None:
            continue
        text = written_name(item.value)
        if text is not None:
            t = text.lower()
            return SEARCH_METHODS.get(t, t) if t in SEARCH_METHODS or t in SAMPLERS else None
    return None
