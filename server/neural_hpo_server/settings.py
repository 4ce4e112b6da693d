"""Settings ``neural.*``: what the user can set, and checking what a client sent. The server reads
them (``NeuralServer.load_settings``) from ``workspace/configuration`` when the client offers it,
otherwise from ``initializationOptions`` (older clients such as Neovim 0.7 only send those)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from typing import Any

from neural_hpo.dsl.catalog import SAMPLERS


@dataclass
class Settings:
    """What the user can set; defaults apply to anything unset or invalid. Unset trials and
    sampler leave the choice to the engine: the DSL's ``n_trials`` and sampler."""

    storagePath: str | None = None
    defaultTrials: int | None = None
    sampler: str | None = None
    rayAddress: str | None = None
    python: str = sys.executable


def parse_settings(data: Any) -> tuple[Settings, list[str]]:
    """Settings from a ``neural`` section (or a dict holding one); problems in words."""
    if isinstance(data, dict) and isinstance(data.get("neural"), dict):
        data = data["neural"]
    if not isinstance(data, dict):
        return Settings(), [] if data is None else ["neural settings must be an object"]
    out, problems = Settings(), []
    checks = {
        "storagePath": lambda v: isinstance(v, str) and v != "",
        "defaultTrials": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "sampler": lambda v: v in SAMPLERS,
        "rayAddress": lambda v: isinstance(v, str),
        "python": lambda v: isinstance(v, str) and v != "",
    }
    for f in fields(Settings):
        value = data.get(f.name)
        if value is None:
            continue
        if checks[f.name](value):
            setattr(out, f.name, value)
        else:
            problems.append(f"neural.{f.name}: {value!r} is not valid; using the default")
    return out, problems
