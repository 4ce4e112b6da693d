"""Issue 13 items 6-8 in the checker: the Keras-style layers and arguments, metrics, training
options and learning-rate schedules, with their exact codes and ranges."""

from __future__ import annotations

import pytest
from corpus import span_tuple, wrap

from neural_hpo.dsl.analysis import analyze


def found(source: str) -> list[tuple[str, tuple[int, int, int, int], str]]:
    """``(code, range, message)`` of every diagnostic, budget warnings left out."""
    out = []
    for d in analyze(source).diagnostics:
        if d.code != "W503":
            s = d.span
            out.append((d.code, (s.line, s.col, s.end_line, s.end_col), d.message))
    return out


def codes(source: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    return [(c, r) for c, r, _ in found(source)]


def after(source: str, before: str, needle: str) -> tuple[int, int, int, int]:
    """The range of ``needle`` written right after ``before``."""
    start = source.index(before + needle) + len(before)
    line = source.count("\n", 0, start)
    col = start - (source.rfind("\n", 0, start) + 1)
    return (line, col, line, col + len(needle))


# ---- layers ---------------------------------------------------------------------------------------

TOKENS = "input: (12,)\nEmbedding(input_dim=100, output_dim=8, mask_zero=True)\n"


def test_mask_zero_warns_that_later_layers_see_the_padding() -> None:
    src = wrap(TOKENS + "LSTM(8, recurrent_dropout=0.3)\nOutput(2)")
    assert codes(src) == [
        ("W520", span_tuple(src, "mask_zero=True")),
        ("W521", span_tuple(src, "recurrent_dropout=0.3")),
    ]
    quiet = wrap("input: (12,)\nEmbedding(100, 8, mask_zero: false)\nGRU(8, recurrent_dropout: 0)")
    assert codes(quiet) == []


def test_recurrent_dropout_keeps_its_domain() -> None:
    src = wrap("input: (5, 3)\nLSTM(8, recurrent_dropout: 1.0)")
    assert codes(src) == [("E304", span_tuple(src, "1.0"))]


def test_positional_encoding_longer_than_max_len_names_the_corner() -> None:
    src = wrap(
        "input: (100, 16)\nPositionalEncoding(max_len: hpo(categorical: [64, 128]))\n"
        "GlobalAveragePooling1D()\nOutput(2)"
    )
    ((code, where, message),) = found(src)
    assert (code, where) == ("E420", span_tuple(src, "PositionalEncoding"))
    assert "100 steps, more than max_len (64) at positionalencoding_1.max_len=64" in message
    fits = wrap("input: (100, 16)\nPositionalEncoding(max_length: 100, type: learnable)\nFlatten()")
    assert codes(fits) == []


def test_positional_encoding_takes_a_sequence_and_a_known_encoding() -> None:
    src = wrap("input: (10,)\nPositionalEncoding(encoding: rotary)")
    assert ("E304", span_tuple(src, "rotary")) in codes(src)
    flat = wrap("input: (10,)\nPositionalEncoding()")
    assert [c for c, _ in codes(flat)] == ["E402"]


def test_depthwise_multiplies_the_channels_and_separable_maps_to_filters() -> None:
    # 8x8x3 -> depthwise 3x3 valid, x2 -> 6x6x6 -> separable same -> 6x6x4: Reshape checks it
    src = wrap(
        "input: (8, 8, 3)\nDepthwiseConv2D(3, depth_multiplier: 2)\n"
        "SeparableConv2D(4, (3, 3), padding: same)\nReshape((144,))\nOutput(2)"
    )
    assert codes(src) == []
    wrong = src.replace("(144,)", "(145,)")
    assert [c for c, _ in codes(wrong)] == ["E403"]


def test_depthwise_window_larger_than_its_input_names_the_corner() -> None:
    src = wrap(
        "input: (4, 4, 3)\nDepthwiseConv2D(kernel_size: hpo(categorical: [3, 5]))\nFlatten()"
    )
    ((code, where, message),) = found(src)
    assert (code, where) == ("E401", span_tuple(src, "DepthwiseConv2D"))
    assert "depthwiseconv2d_1.kernel_size=5" in message
    bad = wrap("input: (8, 8, 3)\nSeparableConv2D(filters: 4, kernel_size: 3, depth_multiplier: 0)")
    assert codes(bad) == [("E304", after(bad, "depth_multiplier: ", "0"))]


def test_multi_head_attention_key_dim_frees_the_divisibility() -> None:
    body = "input: (10, 10)\nMultiHeadAttention(num_heads: 3{})\nFlatten()"
    assert [c for c, _ in codes(wrap(body.format("")))] == ["E404"]
    assert [c for c, _ in codes(wrap(body.format(", value_dim: 4")))] == ["E404"]
    assert codes(wrap(body.format(", key_dim: 4, value_dim: 6"))) == []
    src = wrap(body.format(", key_dim: 4, value_dim: 0"))
    assert codes(src) == [("E304", after(src, "value_dim: ", "0"))]


def test_transformer_layers_activation_and_attention_mask() -> None:
    src = wrap(
        "input: (6, 8)\nTransformerEncoder(num_heads: 2, num_layers: 3, activation: gelu, "
        "use_attention_mask: true)\nFlatten()"
    )
    assert codes(src) == [("W522", span_tuple(src, "use_attention_mask: true"))]
    bad = wrap("input: (6, 8)\nTransformerEncoder(num_heads: 2, num_layers: 0, activation: gleu)")
    assert [c for c, _ in codes(bad)] == ["E304", "E308"]


def test_feed_forward_arguments_next_to_a_sub_layer_block_are_W524() -> None:
    src = wrap(
        "input: (6, 8)\nTransformerEncoder(num_heads: 2, ff_dim: 64, activation: gelu) {\n"
        "    Dense(8)\n}\nFlatten()"
    )
    assert codes(src) == [
        ("W524", span_tuple(src, "ff_dim: 64")),
        ("W524", span_tuple(src, "activation: gelu")),
    ]


# ---- metrics --------------------------------------------------------------------------------------

BASE = "input: (8,)\nOutput(3)\n"


def test_keras_metrics_and_the_network_loss_name_are_known() -> None:
    src = wrap(
        BASE + 'loss: "sparse_categorical_crossentropy"\nmetrics: [mae, mse, '
        '"top_k_categorical_accuracy", top_k_accuracy, auc, "categorical_crossentropy", acc]'
    )
    assert codes(src) == []


def test_another_loss_as_a_metric_is_E320_and_unknown_metrics_get_no_loose_guess() -> None:
    src = wrap(BASE + "metrics: [binary_crossentropy, top_k_precision, accuarcy]")
    (e320, e314, typo) = found(src)
    assert e320[:2] == ("E320", span_tuple(src, "binary_crossentropy"))
    assert "trains with cross_entropy" in e320[2]
    assert e314[:2] == ("E314", span_tuple(src, "top_k_precision"))
    assert "did you mean" not in e314[2]
    assert typo[0] == "E314" and "(did you mean accuracy?)" in typo[2]


def test_constraints_take_metric_aliases_and_the_loss_name() -> None:
    src = wrap(
        BASE + 'loss: nll\ntraining: {\n    constraints: { top_k_accuracy: "> 0.5", '
        'nll: "< 2", auc: ">= 0.7", huber: "< 1" }\n}'
    )
    assert codes(src) == [("E320", span_tuple(src, "huber"))]


# ---- training options and schedules ----------------------------------------------------------------


def test_gradient_clip_and_early_stopping_take_hpo_and_keep_their_domains() -> None:
    src = wrap(
        BASE + "training: {\n    gradient_clip: hpo(log_range: [0.1, 10.0])\n"
        "    early_stopping: hpo(categorical: [2, 5])\n}"
    )
    assert codes(src) == []
    space = analyze(src).spaces["Net"]
    assert space.names() == ["training.gradient_clip", "training.early_stopping"]
    bad = wrap(BASE + "training: { gradient_clip: 0, early_stopping: 1.5 }")
    assert codes(bad) == [
        ("E304", after(bad, "gradient_clip: ", "0")),
        ("E303", span_tuple(bad, "1.5")),
    ]


def test_optimizer_clipnorm_and_clipvalue() -> None:
    src = wrap(BASE + "optimizer: Adam(clipnorm=hpo(categorical: [0.5, 1.0]), clipvalue=0.5)")
    assert codes(src) == []
    assert analyze(src).spaces["Net"].names() == ["optimizer.clipnorm"]
    bad = wrap(BASE + "optimizer: sgd(clipvalue: -1)")
    assert codes(bad) == [("E304", span_tuple(bad, "-1"))]


LEGACY = (
    "optimizer: SGD(\n    learning_rate=ExponentialDecay(\n"
    "        HPO(range(0.05, 0.2, step=0.05)),\n        1000,\n"
    "        HPO(range(0.9, 0.99, step=0.01))\n    ),\n    momentum=0.9\n)"
)


def test_legacy_schedule_is_checked_and_its_parameters_named() -> None:
    src = wrap(BASE + LEGACY)
    assert codes(src) == []
    assert analyze(src).spaces["Net"].names() == [
        "optimizer.learning_rate.initial_learning_rate",
        "optimizer.learning_rate.decay_rate",
    ]


@pytest.mark.parametrize(
    ("value", "code", "needle"),
    [
        ("CosineDecay(0.1, 100)", "E321", "CosineDecay"),
        ("ExponentialDecay(0.1, 100)", "E305", "ExponentialDecay"),
        ("ExponentialDecay(0.1, 100, 1.5)", "E304", "1.5"),
        ("ExponentialDecay(0.1, 100, 0.9, staircase: 3)", "E303", "staircase: |3"),
        ("StepDecay(0.1, step_size: 0)", "E304", "step_size: |0"),
        ("StepDecay(0.1, 2, gama: 0.5)", "E302", "gama"),
        ('"ExponentialDecay(0.1, 100, 0.9)"', "E303", '"ExponentialDecay(0.1, 100, 0.9)"'),
    ],
)
def test_schedule_problems(value: str, code: str, needle: str) -> None:
    src = wrap(BASE + f"optimizer: adam(learning_rate: {value})")
    span = after(src, *needle.split("|")) if "|" in needle else span_tuple(src, needle)
    assert codes(src) == [(code, span)]


def test_a_quoted_schedule_says_to_drop_the_quotes() -> None:
    src = wrap(BASE + 'optimizer: SGD(learning_rate="ExponentialDecay(0.1, 1000, 0.96)")')
    (diag,) = [d for d in analyze(src).diagnostics if d.code != "W503"]
    assert (
        diag.hint
        == "write the schedule without quotes: learning_rate=ExponentialDecay(0.1, 1000, 0.96)"
    )


def test_network_level_lr_schedule_is_an_alias_with_a_warning() -> None:
    src = wrap(BASE + "lr_schedule: StepDecay(0.01, 5, gamma: hpo(categorical: [0.5, 0.1]))")
    assert codes(src) == [("W523", span_tuple(src, "lr_schedule"))]
    assert analyze(src).spaces["Net"].names() == ["optimizer.learning_rate.gamma"]
    twice = wrap(BASE + "optimizer: adam(lr: 0.1)\nlr_schedule: StepDecay(0.01, 5)")
    assert codes(twice) == [
        ("E306", span_tuple(twice, "lr_schedule")),
        ("W523", span_tuple(twice, "lr_schedule")),
    ]


def test_every_metric_list_derives_from_the_metric_table() -> None:
    """One table (``METRIC_SPECS``): the checker's names, the directions, the aliases, what a
    trial records and the editor's completion of ``metrics: [`` all equal it."""
    from neural_hpo_server.completion import items_for
    from neural_hpo_server.context import cursor_context

    from neural_hpo.dsl.catalog import (
        METRIC_ALIASES,
        METRIC_DIRECTIONS,
        METRIC_SPECS,
        METRICS,
        metric_for,
    )
    from neural_hpo.engine.objective import RECORDED_METRICS

    names = list(METRIC_SPECS)
    assert list(METRICS) == list(METRIC_DIRECTIONS) == names
    assert {m.name: m.doc for m in METRIC_SPECS.values()} == METRICS
    assert {m.name: m.direction for m in METRIC_SPECS.values()} == METRIC_DIRECTIONS
    assert set(METRIC_DIRECTIONS.values()) == {"maximize", "minimize"}
    assert {a: m.name for m in METRIC_SPECS.values() for a in m.aliases} == METRIC_ALIASES
    assert all(metric_for(n) == n for n in names)
    assert all(metric_for(a) == m for a, m in METRIC_ALIASES.items())
    assert [m for m in RECORDED_METRICS if m != "stopped_epoch"] == names
    text = "network N {\n    metrics: ["
    assert [i.label for i in items_for(cursor_context(text, len(text)), text, False)] == names


def _grammar_names(rule: str) -> list[str]:
    """The names a TextMate rule lists as ``\\b(A|B|...)\\b`` (after ``->`` for activations)."""
    import json
    import re
    from pathlib import Path

    grammar = Path(__file__).parent.parent / "grammars" / "neural.tmLanguage.json"
    match = json.loads(grammar.read_text())["repository"][rule]["match"]
    (names,) = re.findall(r"\(([A-Za-z0-9_|]+)\)\\b", match)
    return names.split("|")


def test_the_tables_that_follow_the_catalog_name_exactly_its_names() -> None:
    """The catalog's docstring lists them: each has every catalog name and no other."""
    from neural_hpo.dsl.catalog import ACTIVATIONS, LAYERS, LOSSES, OPTIMIZERS
    from neural_hpo.dsl.checks.shapes import SHAPE_RULES
    from neural_hpo.engine.losses import LOSS_MODULES
    from neural_hpo.engine.torch_builder import ACTIVATION_MODULES, LAYER_BUILDERS
    from neural_hpo.engine.training import OPTIMIZER_CLASSES

    for table in (SHAPE_RULES, LAYER_BUILDERS, _grammar_names("layers")):
        assert sorted(table) == sorted(LAYERS)
    for table in (ACTIVATION_MODULES, _grammar_names("activation")):
        assert sorted(table) == sorted(ACTIVATIONS)
    assert sorted(LOSS_MODULES) == sorted(LOSSES)
    assert sorted(OPTIMIZER_CLASSES) == sorted(OPTIMIZERS)
