"""Language fidelity: the legacy batch axis, free axes, block comments, macro arithmetic,
residual connections, the legacy optimizer block and the Embedding input, with exact codes and
ranges."""

from __future__ import annotations

import pytest
import torch
from corpus import span_tuple, wrap

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.formatter import format_source
from neural_hpo.dsl.parser import parse
from neural_hpo.engine import torch_builder
from neural_hpo.engine.config import load_network
from neural_hpo.engine.torch_builder import build_model
from neural_hpo.engine.values import input_shape, optimizer_config


def _found(source: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(code, range) of every diagnostic."""
    return [
        (d.code, (d.span.line, d.span.col, d.span.end_line, d.span.end_col))
        for d in analyze(source).diagnostics
    ]


def _legacy(input_shape: str, layers: str) -> str:
    return f"network L {{\n  input: {input_shape}\n  layers:\n    {layers}\n}}\n"


def _built(source: str):
    return build_model(load_network(source).network)


# ---- 1. the batch axis ----------------------------------------------------------------------------


def test_a_legacy_leading_none_is_the_batch_axis_dropped_with_a_warning() -> None:
    src = _legacy("(None, 28, 28, 1)", "Conv2D(8, (3, 3))\n    Flatten()\n    Output(10)")
    assert _found(src) == [("W510", span_tuple(src, "None"))]
    message = analyze(src).diagnostics[0].message
    assert "batch axis" in message and "(28, 28, 1)" in message
    assert input_shape(load_network(src).network) == (28, 28, 1)
    assert _built(src).module(torch.randn(2, 28, 28, 1)).shape == (2, 10)


def test_in_a_canonical_network_none_stays_a_free_axis() -> None:
    src = wrap("Conv2D(filters: 8, kernel_size: 3)", input_shape="(None, 28, 28, 1)")
    assert _found(src) == [("E402", span_tuple(src, "Conv2D"))]
    assert "drop the leading None" in (analyze(src).diagnostics[0].hint or "")
    free = wrap("LSTM(units: 4)\nDense(units: 2)", input_shape="(None, 3)")
    assert _found(free) == []
    assert input_shape(load_network(free).network) == (None, 3)


def test_a_lone_none_is_no_batch_axis() -> None:
    src = _legacy("(None,)", "Dense(4)")
    assert _found(src) == [("E410", span_tuple(src, "Dense"))]


def test_fmt_drops_the_batch_axis() -> None:
    src = _legacy("(None, 8, 8, 1)", "Flatten()\n    Output(10)")
    out = format_source(src)
    assert "input: (8, 8, 1)" in out and "None" not in out
    assert _found(out) == []


# ---- 2. no silent guesses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "shape", "at"),
    [
        ("Flatten()\nDense(units: 10)", "(None, 8)", "Dense"),
        ("Dense(units: 10)", "(None, 8)", "Dense"),
        ("Dense(units: 10)", "(None,)", "Dense"),
        ("Conv1D(filters: 4, kernel_size: 3)", "(10, None)", "Conv1D"),
        ("LSTM(units: 4)", "(10, None)", "LSTM"),
        ("Conv1D(filters: 4, kernel_size: 3)\nFlatten()\nOutput(units: 2)", "(None, 3)", "Output"),
    ],
)
def test_a_free_axis_reaching_a_sized_layer_is_a_located_error(body, shape, at) -> None:
    src = wrap(body, input_shape=shape)
    assert _found(src) == [("E410", span_tuple(src, at))]
    assert "free axis (None)" in analyze(src).diagnostics[0].message


def test_free_axes_stay_free_in_torch() -> None:
    assert not hasattr(torch_builder, "PROBE_LENGTH")
    src = wrap(
        "Conv1D(filters: 4, kernel_size: 3, padding: same)\nLSTM(units: 5)\nDense(units: 2)",
        input_shape="(None, 3)",
    )
    model = _built(src)
    assert model.input_shape == (None, 3)
    for steps in (4, 17):
        assert model.module(torch.randn(2, steps, 3)).shape == (2, 2)
    assert [s for _, s in model.layer_shapes] == [(None, 4), (5,), (2,)]


def test_the_builder_refuses_what_the_checker_refuses() -> None:
    net = parse(wrap("Flatten()\nDense(units: 3)", input_shape="(None, 4)")).file.networks[0]
    with pytest.raises(ValueError, match=r"Dense at line 4 .*free axis"):
        build_model(net)


# ---- 3. comments ----------------------------------------------------------------------------------


def test_block_comments_stand_wherever_whitespace_may() -> None:
    src = (
        "/* header\n   over two lines */\nnetwork /* a */ N {\n"
        "  input: (/* h */ 4, 4 /* w */)\n  Dense(/* u */ 2) /* after */ -> relu\n}\n"
    )
    assert _found(src) == []
    comments = [text for _, text in parse(src).file.comments]
    assert comments == [
        "/* header\n   over two lines */",
        "/* a */",
        "/* h */",
        "/* w */",
        "/* u */",
        "/* after */",
    ]
    out = format_source(src)
    assert out.startswith("/* header\n   over two lines */\nnetwork N {")
    assert all(c in out for c in comments)
    assert format_source(out) == out


def test_comment_markers_inside_a_block_comment_and_strings() -> None:
    src = 'network N { input: (4,) /* # // " */ Dense(2) x: "/* no */" }'
    assert [t for _, t in parse(src).file.comments] == ['/* # // " */']


def test_an_unclosed_block_comment_is_named() -> None:
    src = "network N { input: (4,) /* open\n Dense(2) }"
    d = analyze(src).diagnostics[0]
    assert (d.code, d.span.line, d.span.col) == ("E101", 0, 24)
    assert "never closed" in d.message


# ---- 4. macro arithmetic --------------------------------------------------------------------------

_MACRO = """
define Block(f, d) {
    Conv2D(filters=$f * 4, kernel_size=($f - 5, 3), padding="same") -> relu
    Flatten()
    Dense(units=($d + 2) / 2)
    Dropout(rate=$d / 100)
}
network N {
    input: (8, 8, 1)
    layers:
        Block(f=8, d=30)
        Output(units=10 - 2 * 3)
}
"""


def test_arithmetic_is_evaluated_when_the_macro_expands() -> None:
    assert _found(_MACRO) == []
    net = load_network(_MACRO).network
    conv, _, dense, drop, out = net.layers
    assert [a.value.value for a in conv.args[:1]] == [32]
    assert [i.value for i in conv.args[1].value.items] == [3, 3]
    assert dense.args[0].value.value == 16 and isinstance(dense.args[0].value.value, int)
    assert drop.args[0].value.value == 0.3
    assert out.args[0].value.value == 4
    assert _built(_MACRO).output_shape == (4,)


def test_a_division_into_an_int_must_be_exact() -> None:
    src = _MACRO.replace("d=30", "d=31")
    assert _found(src) == [("E121", span_tuple(src, "($d + 2) / 2"))]
    assert "divide exactly" in analyze(src).diagnostics[0].message


def test_an_hpo_in_an_expression_is_one_clear_error() -> None:
    src = _MACRO.replace("f=8", "f=HPO(choice(8, 16))")
    assert _found(src) == [("E119", span_tuple(src, "HPO(choice(8, 16))"))]
    assert "cannot be part of an expression" in analyze(src).diagnostics[0].message
    direct = wrap("Dense(units: hpo(categorical: [8, 16]) * 2)", input_shape="(4,)")
    assert _found(direct) == [("E119", span_tuple(direct, "hpo(categorical: [8, 16])"))]


def test_bad_operands_and_division_by_zero() -> None:
    src = wrap('Dense(units: "a" * 2)\nDense(units: 4 / (2 - 2))', input_shape="(4,)")
    assert _found(src) == [
        ("E119", span_tuple(src, '"a"')),
        ("E120", span_tuple(src, "2 - 2")),
    ]


def test_an_expression_formats_with_the_parentheses_it_needs() -> None:
    src = "define B(a) { Dense(units=($a+1)*2-(3-1)/1) }\nnetwork N { input: (4,) B(a=1) }"
    out = format_source(src)
    assert "Dense(units: ($a + 1) * 2 - (3 - 1) / 1)" in out
    assert format_source(out) == out


# ---- 5. residual connections, several inputs, shadowing --------------------------------------------


def test_residual_connection_builds_x_plus_block() -> None:
    src = wrap(
        "ResidualConnection {\n  Dense(units: 6) -> relu\n  Dense(units: 4)\n}", input_shape="(4,)"
    )
    assert _found(src) == []
    model = _built(src)
    residual = model.module[0]
    x = torch.randn(3, 4)
    assert torch.allclose(residual(x), x + residual.block(x))
    assert model.output_shape == (4,)


def test_a_residual_block_that_changes_the_shape_names_the_corner() -> None:
    src = wrap(
        "Conv2D(filters: 8, kernel_size: 3, padding: same)\n"
        "ResidualConnection {\n  Conv2D(filters: hpo(categorical: [8, 16]), kernel_size: 3, padding: same)\n}",
        input_shape="(8, 8, 1)",
    )
    assert _found(src) == [("E411", span_tuple(src, "ResidualConnection"))]
    message = analyze(src).diagnostics[0].message
    assert "residualconnection_1.conv2d_1.filters=16" in message and "axis 3" in message


def test_add_alone_shows_the_residual_form() -> None:
    src = wrap("Dense(units: 4)\nAdd()", input_shape="(4,)")
    assert _found(src) == [("E124", span_tuple(src, "Add"))]
    d = analyze(src).diagnostics[0]
    assert "two inputs" in d.message and "ResidualConnection {" in (d.hint or "")


def test_several_inputs_are_not_supported() -> None:
    src = wrap("input: {a: (4,), b: (3,)}\nDense(units: 2)")
    assert _found(src) == [("E125", span_tuple(src, "{a: (4,), b: (3,)}"))]


def test_a_macro_may_not_shadow_a_built_in_layer() -> None:
    src = "define Dense(u) { Dropout(0.1) }\nnetwork N { input: (4,) Dense(u=2) }"
    assert _found(src) == [("E122", span_tuple(src, "Dense"))]


# ---- 9. the legacy optimizer block -------------------------------------------------------------


def test_legacy_optimizer_block() -> None:
    src = wrap(
        'Dense(units: 2)\noptimizer: "Adam" { learning_rate: 0.01, beta_1: 0.8 }',
        input_shape="(4,)",
    )
    assert _found(src) == []
    name, args = optimizer_config(load_network(src).network)
    assert (name, args["learning_rate"], args["beta_1"]) == ("adam", 0.01, 0.8)
    assert "optimizer: adam(learning_rate: 0.01, beta_1: 0.8)" in format_source(src)
    bad = wrap('Dense(units: 2)\noptimizer: "Adam" { rate: 1 }', input_shape="(4,)")
    assert [c for c, _ in _found(bad)] == ["E302"]


def test_a_block_after_another_setting_is_an_error() -> None:
    src = wrap("Dense(units: 2)\nloss: mse { reduction: sum }", input_shape="(4,)")
    assert _found(src) == [("E123", span_tuple(src, "{ reduction: sum }"))]


# ---- 10. Embedding after a multi-axis input -------------------------------------------------------


def test_embedding_takes_token_ids() -> None:
    src = wrap("Embedding(input_dim: 100, output_dim: 8)")
    assert _found(src) == [("E402", span_tuple(src, "Embedding"))]
    d = analyze(src).diagnostics[0]
    assert "token ids" in d.message and "input: (128,)" in (d.hint or "")


def test_the_convert_action_sees_the_legacy_forms() -> None:
    from neural_hpo_server.code_actions import is_legacy

    block = wrap('Dense(units: 2)\noptimizer: "Adam" { learning_rate: 0.01 }', input_shape="(4,)")
    call = wrap("Dense(units: 2)\noptimizer: adam(learning_rate: 0.01)", input_shape="(4,)")
    assert is_legacy(parse(block).file) and not is_legacy(parse(call).file)
    assert is_legacy(parse(_legacy("(None, 4)", "Dense(2)")).file)
