"""Arbitrary and mutated text never breaks parse+check, and every range lies in the document."""

from __future__ import annotations

from corpus import SAMPLES, TOKENS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neural_hpo.dsl.analysis import analyze


def _assert_sound(text: str) -> None:
    analysis = analyze(text)
    lines = text.split("\n")
    for d in analysis.diagnostics:
        s = d.span
        assert 0 <= s.start <= s.end <= len(text), d
        assert 0 <= s.line <= s.end_line < len(lines), d
        assert 0 <= s.col <= len(lines[s.line]), d
        assert 0 <= s.end_col <= len(lines[s.end_line]), d
        assert d.message and "__ANON" not in d.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    _assert_sound(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=80))
def test_token_soup(tokens: list[str]) -> None:
    _assert_sound(" ".join(tokens))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 20), st.sampled_from([*TOKENS, ""])),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_examples(sample: str, edits: list[tuple[int, int, str]]) -> None:
    text = sample
    for pos, cut, insert in edits:
        pos %= len(text) + 1
        text = text[:pos] + insert + text[pos + cut :]
    _assert_sound(text)
