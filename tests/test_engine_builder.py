"""The torch builder: every catalog layer, shapes, parameter counts against hand-built models."""

from __future__ import annotations

import pytest
import torch
from corpus import EVERY_LAYER
from engine_helpers import SEED_CONFIG, concrete, network_of
from torch import nn

from neural_hpo.dsl.catalog import ACTIVATIONS, LAYERS
from neural_hpo.engine.torch_builder import activation_module, build_model
from neural_hpo.engine.training import make_optimizer
from neural_hpo.engine.values import optimizer_config

SEED_PARAMS = {
    "dense_1.units": 64,
    "dropout_1.rate": 0.3,
    "optimizer.learning_rate": 1e-3,
    "training.batch_size": 16,
}


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def test_seed_mlp_matches_hand_built_and_folds_softmax():
    model = build_model(concrete(SEED_CONFIG, SEED_PARAMS))
    hand = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    assert model.parameter_count() == n_params(hand) == 50890
    assert model.output_shape == (10,)
    assert model.head.folded and not isinstance(model.module[-1], nn.Softmax)
    assert isinstance(model.head.criterion, nn.CrossEntropyLoss)


def test_conv_model_matches_hand_built():
    src = network_of(
        "Conv2D(filters: 8, kernel_size: (3, 3)) -> relu\n MaxPooling2D(pool_size: (2, 2))\n"
        " Flatten()\n Dense(units: 10) -> softmax",
        "(28, 28, 1)",
    )
    model = build_model(concrete(src))
    hand = nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(13 * 13 * 8, 10)
    )
    assert model.parameter_count() == n_params(hand)
    x = torch.randn(2, 28, 28, 1)
    assert model.module(x).shape == (2, 10)


def test_lstm_model_matches_hand_built():
    src = network_of("LSTM(units: 16)\n Dense(units: 3)", "(10, 4)")
    model = build_model(concrete(src))
    assert model.parameter_count() == n_params(nn.LSTM(4, 16)) + n_params(nn.Linear(16, 3))
    assert model.output_shape == (3,)


def test_channels_last_input_is_transposed_inside():
    """A (H, W, C) image gives the same conv output as torch's channels-first conv."""
    model = build_model(concrete(network_of("Conv2D(4, 3)", "(6, 5, 2)")))
    conv = model.module[0].body[0]
    x = torch.randn(1, 6, 5, 2)
    expected = conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    assert torch.allclose(model.module(x), expected)


@pytest.mark.parametrize(
    ("layer", "shape", "out"),
    [
        ("Conv2D(filters: 4, kernel_size: 3, strides: 2, padding: same)", "(7, 7, 1)", (4, 4, 4)),
        ("Conv1D(filters: 2, kernel_size: 4, padding: same)", "(9, 3)", (9, 2)),
        ("MaxPooling2D(pool_size: 3)", "(9, 9, 2)", (3, 3, 2)),
        ("MaxPooling2D(pool_size: 2, padding: same)", "(5, 5, 1)", (3, 3, 1)),
        ("AveragePooling1D(pool_size: 2, strides: 1)", "(6, 3)", (5, 3)),
        ("AveragePooling2D(pool_size: 2, strides: 2, padding: same)", "(5, 5, 1)", (3, 3, 1)),
        ("GlobalAveragePooling2D()", "(5, 5, 3)", (3,)),
        ("Dense(units: 6)", "(4, 5)", (6,)),
        ("Reshape(target_shape: (2, 10))", "(20,)", (2, 10)),
    ],
)
def test_output_shapes(layer: str, shape: str, out: tuple):
    assert build_model(concrete(network_of(layer, shape))).output_shape == out


def test_same_average_pooling_ignores_padding():
    model = build_model(
        concrete(network_of("AveragePooling2D(pool_size: 2, padding: same)", "(3, 3, 1)"))
    )
    assert torch.allclose(model.module(torch.ones(1, 3, 3, 1)), torch.ones(1, 2, 2, 1))


def test_every_catalog_layer_builds_and_runs():
    assert set(EVERY_LAYER) == set(LAYERS), "a catalog layer has no builder test"
    for name, (line, shape) in EVERY_LAYER.items():
        model = build_model(concrete(network_of(line, shape), {}))
        batch = (2, *model.input_shape)
        x = torch.randint(0, 50, batch).float() if name == "Embedding" else torch.randn(batch)
        out = model.module(x)
        assert tuple(out.shape[1:]) == model.output_shape, name


def test_transformer_sub_layer_block_replaces_feed_forward():
    src = network_of(
        "TransformerEncoder(num_heads: 2) {\n Dense(32) -> relu\n Dense(8)\n } * 2", "(6, 8)"
    )
    model = build_model(concrete(src))
    assert len(model.module) == 2
    assert model.output_shape == (6, 8)
    linears = [m for m in model.module[0].ff if isinstance(m, nn.Linear)]
    assert [(lin.in_features, lin.out_features) for lin in linears] == [(8, 32), (32, 8)]


def test_repetition_makes_independent_copies():
    model = build_model(concrete(network_of("Dense(16) -> relu * 3\n Output(2)", "(4,)")))
    linears = [m for m in model.module.modules() if isinstance(m, nn.Linear)]
    assert [lin.out_features for lin in linears] == [16, 16, 16, 2]
    assert len({id(lin.weight) for lin in linears}) == 4


def test_every_catalog_activation_has_a_module():
    for name in ACTIVATIONS:
        assert isinstance(activation_module(name), nn.Module)


def test_optimizer_arguments_are_applied_case_insensitively():
    src = network_of("Dense(2)", "(3,)", "optimizer: Adam(learning_rate: 0.01, beta_1: 0.8)")
    name, args = optimizer_config(concrete(src))
    opt = make_optimizer(name, args, nn.Linear(3, 2).parameters())
    assert isinstance(opt, torch.optim.Adam)
    assert opt.defaults["lr"] == 0.01 and opt.defaults["betas"] == (0.8, 0.999)
    src = network_of("Dense(2)", "(3,)", "optimizer: sgd(lr: 0.5, momentum: 0.9)")
    opt = make_optimizer(*optimizer_config(concrete(src)), nn.Linear(3, 2).parameters())
    assert isinstance(opt, torch.optim.SGD) and opt.defaults["momentum"] == 0.9
    assert opt.defaults["lr"] == 0.5


def test_binary_head_folds_sigmoid():
    src = network_of("Dense(1) -> sigmoid", "(3,)", "loss: binary_crossentropy")
    model = build_model(concrete(src))
    assert model.head.folded and isinstance(model.head.criterion, nn.BCEWithLogitsLoss)
