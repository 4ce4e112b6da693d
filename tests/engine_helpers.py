"""Shared helpers of the engine tests: DSL snippets and a loader that materializes a network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neural_hpo.dsl.space.materialize import materialize
from neural_hpo.engine.config import load_network

SEED_CONFIG = (Path(__file__).parent.parent / "examples" / "seed_mlp.neural").read_text()

#: a small fast network on the native 8x8 digits (no resize)
SMALL_CONFIG = """
network Small {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 32])) -> relu
    Dropout(rate: hpo(range: [0.0, 0.4, step=0.2]))
    Output(units: 10)
    optimizer: adam(learning_rate: hpo(log_range: [1e-3, 3e-2]))
    training: { batch_size: 32, epochs: 1 }
}
"""


def network_of(body: str, input_shape: str, extra: str = "") -> str:
    """A one-network source with ``body`` as its layer lines."""
    return f"network T {{\n  input: {input_shape}\n  {body}\n  {extra}\n}}\n"


def concrete(source: str, params: dict[str, Any] | None = None):
    """The materialized network of ``source`` (every hpo set from ``params``)."""
    loaded = load_network(source)
    return materialize(loaded.network, params or {}, loaded.space)
