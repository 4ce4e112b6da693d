"""Settings ``neural.*``: from ``workspace/configuration`` when the client offers it, otherwise
from ``initializationOptions`` (older clients such as Neovim 0.7 only send those)."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from neural_hpo.dsl.catalog import SAMPLERS

if TYPE_CHECKING:
    from .server import NeuralServer

log = logging.getLogger(__name__)


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


async def load(ls: NeuralServer) -> None:
    """Read the settings from the client and tell the user about invalid ones."""
    data: Any = ls.init_options
    if ls.client_supports("workspace.configuration"):
        try:
            result = await ls.workspace_configuration_async(
                lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="neural")])
            )
        except JsonRpcException as exc:  # the client answered with an error
            log.warning("workspace/configuration failed (%s); using initializationOptions", exc)
        else:
            if result and result[0] is not None:
                data = result[0]
    ls.settings, problems = parse_settings(data)
    for p in problems:
        ls.tell(p, lsp.MessageType.Warning)


def register(ls: NeuralServer) -> None:
    ls.on_ready.append(lambda: load(ls))

    @ls.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: NeuralServer, params) -> None:
        await load(ls)
        ls.studies.configure()
