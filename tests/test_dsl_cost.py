"""The cost of a network before it runs: parameter counts and sizes from the shape intervals
match the PyTorch models the builder makes, exactly for fixed networks and as the least and most
over every corner of a space."""

from __future__ import annotations

import itertools

import pytest
from engine_helpers import concrete

from neural_hpo.dsl import cost as cost_module
from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.cost import network_cost
from neural_hpo.engine.torch_builder import build_model

FIXED = {
    "mlp": "input: (8, 8, 1)\n Dense(units: 32) -> relu\n BatchNormalization()\n"
    " Dropout(rate: 0.1)\n Output(units: 10)",
    "cnn": "input: (28, 28, 1)\n Conv2D(filters: 8, kernel_size: 3) -> relu\n"
    " MaxPooling2D(pool_size: 2)\n"
    ' Conv2D(filters: 16, kernel_size: (3, 3), padding: "same", use_bias: false)\n'
    " BatchNormalization()\n Flatten()\n Dense(units: 20)\n Output(units: 10)",
    "rnn": "input: (20,)\n Embedding(input_dim: 100, output_dim: 16)\n"
    " LSTM(units: 12, num_layers: 2, bidirectional: true, return_sequences: true)\n"
    " GRU(units: 8)\n Output(units: 2)",
    "transformer": "input: (10, 16)\n TransformerEncoder(num_heads: 4, ff_dim: 32)\n"
    " MultiHeadAttention(num_heads: 2)\n LayerNormalization()\n Flatten()\n Output(units: 3)",
    "repeat": "input: (8, 8, 1)\n Flatten()\n Dense(units: 32) * 3\n Output(units: 10)",
}

SPACE = """network T {
    input: (16, 16, 1)
    Conv2D(filters: hpo(categorical: [4, 8]), kernel_size: hpo(categorical: [3, 5])) -> relu
    Flatten()
    Dense(units: hpo(range: [8, 24, step=8])) * hpo(categorical: [1, 2])
    Output(units: 10)
}"""


def cost_of(source: str):
    analysis = analyze(source)
    assert analysis.errors == []
    net = analysis.file.networks[0]
    return network_cost(net, analysis.spaces[net.name])


@pytest.mark.parametrize("name", sorted(FIXED))
def test_a_fixed_network_costs_what_torch_builds(name):
    source = f"network T {{\n {FIXED[name]}\n}}"
    cost, model = cost_of(source), build_model(concrete(source))
    assert cost.params == (model.parameter_count(),) * 2
    assert cost.size_mb[0] == cost.size_mb[1] == pytest.approx(model.size_mb(), rel=1e-9)
    assert cost.configurations == 1


def test_the_least_and_most_over_every_corner(monkeypatch):
    cost = cost_of(SPACE)
    space = analyze(SPACE).spaces["T"]
    grids = [p.grid() for p in space]
    counts = [
        build_model(concrete(SPACE, dict(zip(space.names(), corner)))).parameter_count()
        for corner in itertools.product(*grids)
    ]
    assert cost.params == (min(counts), max(counts))
    assert cost.configurations == len(counts) == 24 and cost.exact
    assert cost.text().startswith(f"{min(counts) / 1000:.3g}k–{max(counts) / 1000:.3g}k parameters")
    assert cost.text().endswith(" MB · 24 configurations")
    monkeypatch.setattr(cost_module, "MAX_CORNERS", 1)  # too many corners: interval ends
    bounds = cost_of(SPACE)
    assert not bounds.exact and bounds.text().startswith("within ")
    assert bounds.params[0] < min(counts) and bounds.params[1] > max(counts)


def test_a_continuous_space_has_no_configuration_count():
    cost = cost_of(
        SPACE.replace("Flatten()", "Flatten()\n    Dropout(rate: hpo(range: [0.0, 0.5]))")
    )
    assert cost.configurations is None and "continuous space" in cost.text()
