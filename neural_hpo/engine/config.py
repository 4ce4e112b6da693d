"""Loading a network for optimization: the one gate every run passes before any training.

A bad file fails here with the checker's diagnostics, formatted compiler-style, so that a study
never starts on a network the checker rejects.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple

from neural_hpo.dsl.analysis import analyze, format_diagnostic
from neural_hpo.dsl.diagnostics import Diagnostic
from neural_hpo.dsl.model import Network
from neural_hpo.dsl.space.model import SearchSpace


class DSLError(ValueError):
    """The DSL source has errors; the message lists them as ``path:line:col: error[CODE]: ...``."""

    def __init__(self, diagnostics: list[Diagnostic], source: str, path: str | None):
        self.diagnostics = diagnostics
        self.path = path
        lines = [format_diagnostic(d, source, path or "<config>") for d in diagnostics]
        super().__init__("the network has errors:\n" + "\n".join(lines))


class LoadedNetwork(NamedTuple):
    """A checked network with its search space and the source it came from."""

    network: Network
    space: SearchSpace
    source: str
    path: str | None

    @property
    def source_hash(self) -> str:
        """sha256 of the source text: what a study records to tell sources apart."""
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()


def read_config(config: str | os.PathLike[str]) -> tuple[str, str | None]:
    """``(source, path)``: ``config`` is DSL source text or the path of a ``.neural`` file.

    A string that holds a ``{`` or a newline is source; anything else is a path.
    """
    if isinstance(config, str) and ("{" in config or "\n" in config):
        return config, None
    path = Path(config)
    if not path.is_file():
        raise FileNotFoundError(f"no .neural file at {path} (config is DSL text or a file path)")
    return path.read_text("utf-8"), str(path)


def load_network(config: str | os.PathLike[str], network_name: str | None = None) -> LoadedNetwork:
    """The network ``network_name`` (the first one when None) of ``config``, checked.

    Raises DSLError listing every error of the file (the checker's ``analyze``: syntax, names,
    arguments, domains, shapes at every corner of the space), KeyError for an unknown network.
    """
    source, path = read_config(config)
    analysis = analyze(source, path)
    if analysis.errors:
        raise DSLError(analysis.errors, source, path)
    network = analysis.file.network(network_name)
    return LoadedNetwork(network, analysis.spaces[network.name], source, path)
