"""Issue 13 items 6-8 in torch: the new layers as built, the metrics the training loop
computes, clipping, early stopping and learning-rate schedules, and a real study that records
them and optimizes a metric alias under a constraint."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
import torch
from engine_helpers import concrete, network_of
from sklearn.metrics import roc_auc_score
from torch import nn

from neural_hpo import optimize_and_return
from neural_hpo.engine.config import load_network
from neural_hpo.engine.datasets import Dataset
from neural_hpo.engine.run_spec import _canonical_bounds
from neural_hpo.engine.torch_builder import HeadAttention, PositionalEncoding, build_model
from neural_hpo.engine.training import _Schedule, evaluate, train
from neural_hpo.engine.values import optimizer_config, training_options

# ---- layers -----------------------------------------------------------------------------------------


def test_depthwise_and_separable_convolutions_are_grouped_as_keras_builds_them() -> None:
    model = build_model(
        concrete(
            network_of(
                "DepthwiseConv2D(3, depth_multiplier: 2)\nSeparableConv2D(5, 1)", "(6, 6, 3)"
            )
        )
    )
    convs = [m for m in model.module.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.groups) for c in convs] == [
        (3, 6, 3),
        (6, 6, 6),
        (6, 5, 1),
    ]
    assert convs[0].bias is not None and convs[1].bias is None and convs[2].bias is not None
    assert model.output_shape == (4, 4, 5)


def test_positional_encoding_adds_sines_or_learned_vectors_and_refuses_longer_input() -> None:
    fixed = build_model(concrete(network_of("PositionalEncoding(max_len: 10)", "(4, 6)"))).module[0]
    assert isinstance(fixed, PositionalEncoding) and not list(fixed.parameters())
    out = fixed(torch.zeros(1, 4, 6))[0]
    assert torch.allclose(out[:, 0], torch.sin(torch.arange(4.0)))  # position × rate 1
    assert torch.allclose(out[:, 1], torch.cos(torch.arange(4.0)))
    learned = build_model(
        concrete(network_of("PositionalEncoding(10, learnable)", "(4, 6)"))
    ).module[0]
    assert [tuple(p.shape) for p in learned.parameters()] == [(10, 6)]
    with pytest.raises(ValueError, match="11 steps, more than max_len \\(10\\)"):
        fixed(torch.zeros(1, 11, 6))


def test_mask_zero_is_torchs_padding_index() -> None:
    emb = build_model(concrete(network_of("Embedding(20, 4, mask_zero: true)", "(5,)"))).module[0]
    assert emb.padding_idx == 0 and torch.all(emb.weight[0] == 0)


def test_transformer_num_layers_have_their_own_weights_and_activation() -> None:
    src = network_of(
        "TransformerEncoder(num_heads: 2, ff_dim: 8, num_layers: 3, activation: tanh)", "(5, 4)"
    )
    stack = build_model(concrete(src)).module[0]
    layers = [m for m in stack if isinstance(m, nn.TransformerEncoderLayer)]
    assert len(layers) == 3 and len({id(m.linear1.weight) for m in layers}) == 3
    assert isinstance(layers[0].activation, nn.Tanh)


def test_multi_head_attention_honours_key_and_value_dims() -> None:
    src = network_of("MultiHeadAttention(num_heads: 3, key_dim: 4, value_dim: 2)", "(5, 10)")
    model = build_model(concrete(src))
    attn = model.module[0]
    assert isinstance(attn, HeadAttention)
    assert (attn.query.out_features, attn.value.out_features, attn.out.out_features) == (12, 6, 10)
    assert tuple(model.module(torch.randn(2, 5, 10)).shape) == (2, 5, 10)


# ---- metrics ----------------------------------------------------------------------------------------


def _identity(src: str):
    """The model of ``src`` with its one Linear set to the identity: outputs are the inputs."""
    model = build_model(concrete(src))
    linear = next(m for m in model.module.modules() if isinstance(m, nn.Linear))
    with torch.no_grad():
        linear.weight.copy_(torch.eye(linear.out_features, linear.in_features))
        linear.bias.zero_()
    return model


def test_classification_metrics_match_their_definitions() -> None:
    model = _identity(network_of("Output(6)", "(6,)"))
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(60, 6, generator=gen)
    y = torch.arange(60) % 6
    m = evaluate(model, x, y)
    probs = x.softmax(dim=1).numpy()
    onehot = np.eye(6)[y.numpy()]
    rank = (x > x[torch.arange(60), y][:, None]).sum(dim=1)  # classes scored above the truth
    assert m["top_k_categorical_accuracy"] == pytest.approx(float((rank < 5).float().mean()))
    assert m["auc"] == pytest.approx(roc_auc_score(y.numpy(), probs, multi_class="ovr"))
    assert m["mae"] == pytest.approx(np.abs(probs - onehot).mean(), rel=1e-5)
    assert m["mse"] == pytest.approx(((probs - onehot) ** 2).mean(), rel=1e-5)


def test_regression_records_mae_and_mse_but_no_class_metrics() -> None:
    model = _identity(network_of("Dense(1)", "(1,)", "loss: mse"))
    x, y = torch.tensor([[1.0], [2.0]]), torch.tensor([0.0, 4.0])
    m = evaluate(model, x, y)
    assert (m["mae"], m["mse"]) == (pytest.approx(1.5), pytest.approx(2.5))
    assert "auc" not in m and "top_k_categorical_accuracy" not in m


def test_binary_auc_from_one_sigmoid_output() -> None:
    model = _identity(network_of("Dense(1) -> sigmoid", "(1,)", "loss: binary_crossentropy"))
    x, y = torch.tensor([[0.1], [0.9], [0.4], [0.8]]), torch.tensor([0, 1, 1, 0])
    assert evaluate(model, x, y)["auc"] == pytest.approx(0.75)  # 3 of 4 pairs ranked right


# ---- clipping, early stopping, schedules ------------------------------------------------------------


def _data(n: int = 8) -> Dataset:
    gen = np.random.default_rng(0)
    x = gen.standard_normal((n, 4)).astype(np.float32) * 100  # large inputs: large gradients
    y = np.arange(n) % 3
    return Dataset(x, y, x, y, "random")


def _step(extra: str, train_extra: str = "", epochs: int = 1) -> tuple[list[torch.Tensor], dict]:
    """Weight changes of one full-batch SGD step (lr 1) of ``Output(3)`` and the metrics."""
    net = concrete(
        network_of("Output(3)", "(4,)", f"optimizer: sgd({extra})\n training: {{ {train_extra} }}")
    )
    torch.manual_seed(0)
    model = build_model(net)
    before = [p.detach().clone() for p in model.module.parameters()]
    metrics = train(
        model,
        _data(),
        epochs=epochs,
        batch_size=8,
        optimizer=optimizer_config(net),
        options=training_options(net),
        device=torch.device("cpu"),
        seed=0,
    )
    return [p.detach() - b for p, b in zip(model.module.parameters(), before)], metrics


def test_gradient_clip_bounds_the_global_norm_of_each_step() -> None:
    free, _ = _step("lr: 1.0")
    clipped, _ = _step("lr: 1.0", "gradient_clip: 0.25")
    norm = lambda ds: math.sqrt(sum(float((d**2).sum()) for d in ds))  # noqa: E731
    assert norm(free) > 1.0 and norm(clipped) == pytest.approx(0.25, rel=1e-4)


def test_clipnorm_bounds_each_tensor_and_clipvalue_each_element() -> None:
    per_tensor, _ = _step("lr: 1.0, clipnorm: 0.1")
    assert all(float(d.norm()) <= 0.1 + 1e-6 for d in per_tensor)
    per_element, _ = _step("lr: 1.0, clipvalue: 0.01")
    assert all(float(d.abs().max()) <= 0.01 + 1e-7 for d in per_element)
    assert max(float(d.abs().max()) for d in per_element) == pytest.approx(0.01)


def test_early_stopping_stops_after_patience_epochs_without_a_better_loss() -> None:
    _, metrics = _step("lr: 1e-12", "early_stopping: 2", epochs=10)  # the loss cannot improve
    assert metrics["stopped_epoch"] == 3
    _, full = _step("lr: 1e-12", epochs=3)
    assert "stopped_epoch" not in full


def _lrs(schedule: tuple[str, dict], steps: int, per_batch: bool) -> list[float]:
    opt = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=schedule[1]["initial_learning_rate"])
    sched, out = _Schedule(opt, schedule), []
    for _ in range(steps):
        opt.step()
        sched.after(per_batch=per_batch)
        out.append(opt.param_groups[0]["lr"])
    return out


def test_exponential_decay_per_step_and_staircase_and_step_decay_per_epoch() -> None:
    smooth = _lrs(
        (
            "ExponentialDecay",
            {
                "initial_learning_rate": 1.0,
                "decay_steps": 2,
                "decay_rate": 0.25,
                "staircase": False,
            },
        ),
        4,
        True,
    )
    assert smooth == pytest.approx([0.5, 0.25, 0.125, 0.0625])
    stairs = _lrs(
        (
            "ExponentialDecay",
            {"initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.25, "staircase": True},
        ),
        4,
        True,
    )
    assert stairs == pytest.approx([1.0, 0.25, 0.25, 0.0625])
    epochs = _lrs(
        ("StepDecay", {"initial_learning_rate": 1.0, "step_size": 2, "gamma": 0.1}), 4, False
    )
    assert epochs == pytest.approx([1.0, 0.1, 0.1, 0.01])
    assert _lrs(
        ("StepDecay", {"initial_learning_rate": 1.0, "step_size": 1, "gamma": 0.1}), 2, True
    ) == [1.0, 1.0]


def test_a_resumed_schedule_continues_where_it_was() -> None:
    spec = (
        "ExponentialDecay",
        {"initial_learning_rate": 1.0, "decay_steps": 3, "decay_rate": 0.5, "staircase": False},
    )
    opt = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=1.0)
    _Schedule(opt, spec).fast_forward(epochs=2, batches_per_epoch=3)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.25)


def test_the_legacy_schedule_and_alias_reach_the_training_loop() -> None:
    net = concrete(
        network_of(
            "Output(3)", "(4,)", "optimizer: sgd(lr=ExponentialDecay(0.1, 10, 0.5), clipnorm=2)"
        )
    )
    assert optimizer_config(net) == (
        "sgd",
        {"learning_rate": 0.1, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0},
    )
    opts = training_options(net)
    assert opts.schedule[0] == "ExponentialDecay" and opts.clipnorm == 2
    alias = concrete(network_of("Output(3)", "(4,)", "lr_schedule: StepDecay(0.3, 4)"))
    assert optimizer_config(alias)[1]["learning_rate"] == 0.3
    assert training_options(alias).schedule == (
        "StepDecay",
        {"gamma": 0.1, "initial_learning_rate": 0.3, "step_size": 4},
    )


# ---- a real study -----------------------------------------------------------------------------------

STUDY = """
network Digits {
  input: (8, 8, 1)
  layers:
    Flatten()
    Dense(HPO(choice(16, 32)), "relu")
    Output(10, "softmax")
  loss: "sparse_categorical_crossentropy"
  optimizer: Adam(learning_rate=ExponentialDecay(0.01, 20, 0.9), clipnorm=1.0)
  metrics: ["accuracy", "top_k_accuracy", "auc", "sparse_categorical_crossentropy"]
  train {
    epochs: 4
    batch_size: 64
    gradient_clip: HPO(choice(0.5, 5.0))
    early_stopping: 1
    constraints: { top_k_accuracy: "> 0.2", sparse_categorical_crossentropy: "< 100" }
  }
}
"""


def test_a_study_records_the_metrics_optimizes_an_alias_and_bounds_the_loss_name(tmp_path) -> None:
    result = optimize_and_return(
        STUDY,
        n_trials=2,
        metric="top_k_accuracy",
        storage=f"sqlite:///{tmp_path / 's.db'}",
        limit=300,
        seed=0,
    )
    trials = result.study.get_trials(states=[optuna.trial.TrialState.COMPLETE])
    assert len(trials) == 2
    for t in trials:
        attrs = t.user_attrs
        assert t.value == attrs["top_k_categorical_accuracy"]
        assert {"mae", "mse", "auc", "loss"} <= set(attrs) and 1 <= attrs["stopped_epoch"] <= 4
        bounds = " ".join(k for k in t.system_attrs if k.startswith("constraints:"))
        assert "top_k_categorical_accuracy>0.2" in bounds and "loss<100" in bounds
    assert result.study.metric_names == ["top_k_categorical_accuracy"]


def test_constraints_of_a_call_take_aliases_and_the_loss_name_too() -> None:
    loaded = load_network(STUDY)
    bounds = {"acc": "> 0.5", "sparse_categorical_crossentropy": "< 2", "auc": "> 0.6"}
    assert _canonical_bounds(bounds, loaded) == {"accuracy": "> 0.5", "loss": "< 2", "auc": "> 0.6"}
