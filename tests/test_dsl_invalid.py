"""Invalid snippets: each gives exactly the expected code at exactly the expected range."""

from __future__ import annotations

import pytest

from neural_hpo.dsl.analysis import analyze
from tests.conftest import span_tuple, wrap

# (name, network body, expected code, text the diagnostic's range must cover, which occurrence)
CASES = [
    (
        "empty categorical",
        "Dense(units: hpo(categorical: []))\nOutput(units: 10)",
        "E201",
        "hpo(categorical: [])",
        0,
    ),
    (
        "duplicate value",
        "Dense(units: hpo(categorical: [64, 64]))\nOutput(units: 10)",
        "E202",
        "64",
        1,
    ),
    (
        "mixed types",
        "Dense(units: hpo(categorical: [64, relu]))\nOutput(units: 10)",
        "E203",
        "hpo(categorical: [64, relu])",
        0,
    ),
    (
        "low >= high",
        "Dropout(rate: hpo(range: [0.7, 0.3]))\nOutput(units: 10)",
        "E204",
        "hpo(range: [0.7, 0.3])",
        0,
    ),
    (
        "low == high",
        "Dense(units: hpo(range: [64, 64]))\nOutput(units: 10)",
        "E204",
        "hpo(range: [64, 64])",
        0,
    ),
    (
        "step zero",
        "Dense(units: hpo(range: [16, 64, step=0]))\nOutput(units: 10)",
        "E205",
        "=«0»]",
        0,
    ),
    (
        "step negative",
        "Dropout(rate: hpo(range: [0.1, 0.5, step: -0.1]))\nOutput(units: 10)",
        "E205",
        "-0.1",
        0,
    ),
    (
        "step too large",
        "Dense(units: hpo(range: [16, 64, step=100]))\nOutput(units: 10)",
        "E206",
        "100",
        0,
    ),
    (
        "log low zero",
        "Dense(units: 10)\noptimizer: adam(learning_rate: hpo(log_range: [0, 0.1]))",
        "E207",
        "[«0»,",
        0,
    ),
    (
        "hpo without form",
        'Dense(units: hpo(name: "w"))\nOutput(units: 10)',
        "E208",
        'hpo(name: "w")',
        0,
    ),
    (
        "hpo unknown form",
        "Dense(units: hpo(between: [1, 2]))\nOutput(units: 10)",
        "E208",
        "between: [1, 2]",
        0,
    ),
    (
        "range one bound",
        "Dense(units: hpo(range: [16]))\nOutput(units: 10)",
        "E208",
        "hpo(range: [16])",
        0,
    ),
    (
        "duplicate param name",
        'Dense(units: hpo(categorical: [8, 16], name: "w"))\nDense(units: hpo(categorical: [32, 64], name: "w"))\nOutput(units: 10)',
        "E209",
        'hpo(categorical: [32, 64], name: "w")',
        0,
    ),
    (
        "hpo in input",
        "input: (hpo(categorical: [28, 32]), 28, 1)\nDense(units: 10)",
        "E210",
        "hpo(categorical: [28, 32])",
        0,
    ),
    (
        "step with log",
        "Dense(units: 10)\noptimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2, step=1e-3]))",
        "E211",
        "1e-3",
        0,
    ),
    (
        "unknown layer",
        "Dense(units: 64)\nDropot(rate: 0.5)\nOutput(units: 10)",
        "E301",
        "Dropot",
        0,
    ),
    ("unknown argument", "Dense(unit: 64)\nOutput(units: 10)", "E302", "unit", 0),
    (
        "wrong value type",
        "Dense(units: 64)\nDropout(rate: relu)\nOutput(units: 10)",
        "E303",
        "relu",
        0,
    ),
    (
        "float range for int",
        "Dense(units: hpo(range: [16.0, 64.0]))\nOutput(units: 10)",
        "E303",
        "hpo(range: [16.0, 64.0])",
        0,
    ),
    (
        "dropout out of domain",
        "Dense(units: 64)\nDropout(rate: 1.5)\nOutput(units: 10)",
        "E304",
        "1.5",
        0,
    ),
    (
        "hpo value out of domain",
        "Dense(units: 64)\nDropout(rate: hpo(categorical: [0.2, 1.2]))\nOutput(units: 10)",
        "E304",
        "1.2",
        0,
    ),
    ("units not positive", "Dense(units: 0)\nOutput(units: 10)", "E304", "units: «0»", 0),
    ("missing required", "Dense()\nOutput(units: 10)", "E305", "Dense", 0),
    ("argument twice", "Dense(64, units: 128)\nOutput(units: 10)", "E306", "units: 128", 0),
    (
        "activation twice",
        "Dense(units: 64, activation: relu) -> tanh\nOutput(units: 10)",
        "E306",
        "tanh",
        0,
    ),
    ("too many positional", "Dropout(0.5, 0.2)\nOutput(units: 10)", "E307", "0.2", 0),
    ("unknown activation", "Dense(units: 64) -> rellu\nOutput(units: 10)", "E308", "rellu", 0),
    ("unknown optimizer", "Dense(units: 10)\noptimizer: adamm", "E309", "adamm", 0),
    (
        "infinite range bound",
        "Dense(units: 10)\noptimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e999]))",
        "E212",
        "1e999",
        0,
    ),
    (
        "absurd learning rate",
        "Dense(units: 10)\noptimizer: adam(learning_rate: 1e300)",
        "E304",
        "1e300",
        0,
    ),
    (
        "infinite float argument",
        "Dropout(rate: 1e999)\nOutput(units: 10)",
        "E304",
        "1e999",
        0,
    ),
    ("unknown loss", "Dense(units: 10)\nloss: cross_entropi", "E310", "cross_entropi", 0),
    (
        "sublayers not allowed",
        "Dense(units: 64) { Dense(units: 32) }\nOutput(units: 10)",
        "E312",
        "Dense",
        0,
    ),
    ("bad device", 'Dense(units: 10)\nexecution: { device: "tpu" }', "E313", '"tpu"', 0),
    ("unknown metric", "Dense(units: 10)\nmetrics: [accuracy, speed]", "E314", "speed", 0),
    ("unknown sampler", "Dense(units: 10)\ntraining: { sampler: bayes }", "E315", "bayes", 0),
    ("unknown setting", "Dense(units: 10)\nlos: mse", "E110", "los", 0),
    ("setting twice", "Dense(units: 10)\nloss: mse\nloss: mae", "E111", "loss", 1),
    ("unknown training key", "Dense(units: 10)\ntraining: { epoch: 3 }", "E116", "epoch", 0),
    ("bad input shape", "input: (28, 0)\nDense(units: 10)", "E115", "(28, «0»)", 0),
    (
        "conv after flatten",
        "Flatten()\nConv2D(filters: 8, kernel_size: 3)\nOutput(units: 10)",
        "E402",
        "Conv2D",
        0,
    ),
    (
        "kernel too large at a corner",
        "Conv2D(filters: 8, kernel_size: hpo(categorical: [3, 40]))\nFlatten()\nOutput(units: 10)",
        "E401",
        "Conv2D",
        0,
    ),
    (
        "reshape size",
        "Flatten()\nReshape(target_shape: (10, 10))\nFlatten()\nOutput(units: 10)",
        "E403",
        "Reshape",
        0,
    ),
    (
        "heads do not divide",
        "MultiHeadAttention(num_heads: hpo(categorical: [2, 3]))\nFlatten()\nOutput(units: 10)",
        "E404",
        "MultiHeadAttention",
        0,
    ),
    ("unexpected token", "Dense(units: 64))\nOutput(units: 10)", "E102", ")«)»", 0),
    ("unexpected character", "Dense(units: 64) %\nOutput(units: 10)", "E101", "%", 0),
    ("unexpected end", "Dense(units: 64", "E103", "", 0),
]


def _expected_span(src: str, needle: str, occurrence: int) -> tuple[int, int, int, int]:
    if not needle:  # the end of the file
        last = src.count("\n")
        return (last, len(src.splitlines()[-1]), last, len(src.splitlines()[-1]))
    if "«" in needle:  # only the marked part of the needle
        before, rest = needle.split("«")
        inner, _ = rest.split("»")
        whole = needle.replace("«", "").replace("»", "")
        line, col, _, _ = span_tuple(src, whole, occurrence)
        return (line, col + len(before), line, col + len(before) + len(inner))
    return span_tuple(src, needle, occurrence)


@pytest.mark.parametrize("name,body,code,needle,occurrence", CASES, ids=[c[0] for c in CASES])
def test_invalid_snippet(name: str, body: str, code: str, needle: str, occurrence: int) -> None:
    input_shape = "(16, 8)" if "MultiHeadAttention" in body else "(28, 28, 1)"
    src = wrap(body, input_shape=input_shape)
    if code == "E103":
        src = src.rstrip("}\n")
    analysis = analyze(src, "snippet.neural")
    found = [d for d in analysis.diagnostics if d.code == code]
    assert found, f"no {code} in {[(d.code, d.message) for d in analysis.diagnostics]}"
    spans = [(d.span.line, d.span.col, d.span.end_line, d.span.end_col) for d in found]
    assert _expected_span(src, needle, occurrence) in spans, (spans, src)


def test_at_least_25_invalid_snippets() -> None:
    assert len(CASES) >= 25
    assert len({c[2] for c in CASES}) >= 25


def test_corner_is_named() -> None:
    src = wrap(
        "Conv2D(filters: 8, kernel_size: hpo(categorical: [3, 40]))\nFlatten()\nOutput(units: 10)"
    )
    (d,) = [d for d in analyze(src).diagnostics if d.code == "E401"]
    assert "conv2d_1.kernel_size=40" in d.message and "28" in d.message


def test_corner_spans_several_layers() -> None:
    src = wrap(
        "Conv2D(filters: 8, kernel_size: hpo(categorical: [3, 5]))\n"
        "MaxPooling2D(pool_size: hpo(categorical: [2, 4]))\n"
        "Conv2D(filters: 8, kernel_size: hpo(categorical: [3, 7]))\n"
        "Flatten()\nOutput(units: 10)",
        input_shape="(20, 20, 1)",
    )
    (d,) = [d for d in analyze(src).diagnostics if d.code == "E401"]
    # (20 - 5 + 1) = 16, pooled by 4 -> 4, kernel 7 > 4
    for part in ("conv2d_1.kernel_size=5", "maxpooling2d_1.pool_size=4", "conv2d_2.kernel_size=7"):
        assert part in d.message


def test_no_error_when_every_corner_fits() -> None:
    src = wrap(
        "Conv2D(filters: 8, kernel_size: hpo(categorical: [3, 5]))\n"
        "MaxPooling2D(pool_size: hpo(categorical: [2, 4]))\n"
        "Conv2D(filters: 8, kernel_size: 3)\nFlatten()\nOutput(units: 10)",
        input_shape="(20, 20, 1)",
    )
    assert analyze(src).errors == []


def test_several_syntax_errors_per_file() -> None:
    src = wrap("Dense(units: 64))\nDropout(rate: 0.5]\nOutput(units: 10)")
    errors = [d for d in analyze(src).diagnostics if d.code.startswith("E10")]
    assert len({d.span.line for d in errors}) >= 2


def test_syntax_messages_use_user_words() -> None:
    src = wrap("Dense(units: 64 -> relu\nOutput(units: 10)")
    for d in analyze(src).diagnostics:
        assert "__ANON" not in d.message and "_RPAR" not in d.message and "NAME" not in d.message
    assert any("')'" in d.message for d in analyze(src).diagnostics)


def test_unfinished_file_still_builds_the_model() -> None:
    src = "network Net {\n    input: (8, 8, 1)\n    Dense(units: 64\n"
    analysis = analyze(src)
    assert any(d.code == "E103" for d in analysis.diagnostics)
    assert analysis.file.networks and analysis.file.networks[0].layers[0].name == "Dense"


def test_did_you_mean() -> None:
    d = next(
        d
        for d in analyze(wrap("Dense(units: 10)\noptimizer: adamm")).diagnostics
        if d.code == "E309"
    )
    assert "did you mean adam?" in d.message
    assert d.suggestion is not None and (d.suggestion.text, d.suggestion.span) == ("adam", d.span)
    d = next(d for d in analyze(wrap("dense(units: 10)")).diagnostics if d.code == "E301")
    assert "did you mean Dense?" in d.message
    # a quoted name: the suggestion replaces what is inside the quotes
    source = wrap("Dense(units: 10)\nloss: 'crossentropi'")
    d = next(d for d in analyze(source).diagnostics if d.code == "E310")
    assert d.suggestion is not None and d.suggestion.text == "crossentropy"
    assert source[d.suggestion.span.start : d.suggestion.span.end] == "crossentropi"
    assert d.suggestion.span.col == d.span.col + 1
