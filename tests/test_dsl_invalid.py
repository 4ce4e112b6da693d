"""Invalid snippets: each gives exactly the expected code at exactly the expected range."""

from __future__ import annotations

import pytest
from corpus import INVALID, span_tuple, wrap

from neural_hpo.dsl.analysis import analyze


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


@pytest.mark.parametrize("name,body,code,needle,occurrence", INVALID, ids=[c[0] for c in INVALID])
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
    assert len(INVALID) >= 25
    assert len({c[2] for c in INVALID}) >= 25


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
