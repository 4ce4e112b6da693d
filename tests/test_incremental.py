"""The incremental checker gives ``analyze``'s diagnostics after any sequence of edits, and a
syntax error stays within the item it is in."""

from __future__ import annotations

import pytest
from corpus import SAMPLES, TOKENS, span_tuple
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.incremental import IncrementalChecker
from neural_hpo.dsl.parser import split_items

#: several networks in one file (the samples hold one or two each), each with findings
MANY = "\n".join(SAMPLES) + "\n// tail comment\n"

edit = st.tuples(
    st.floats(0, 1),  # where, as a fraction of the length
    st.integers(0, 12),  # how many characters to delete
    st.lists(st.sampled_from([*TOKENS, "}", "{", "network N2 {", "\n}\n"]), max_size=4),
)


def _apply(text: str, where: float, delete: int, insert: list[str]) -> str:
    at = int(where * len(text))
    return text[:at] + "".join(insert) + text[at + delete :]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from([*SAMPLES, MANY]), st.lists(edit, min_size=1, max_size=8))
def test_equals_analyze_after_every_edit(text: str, edits: list) -> None:
    checker = IncrementalChecker()
    for e in [None, *edits]:
        if e is not None:
            text = _apply(text, *e)
        found = checker.diagnostics(text)
        expected = analyze(text).diagnostics
        if found is None:
            assert "define" in text  # it gives up only where a macro shares a piece
        else:
            assert found == expected


def test_an_edit_rechecks_only_its_piece(monkeypatch) -> None:
    from neural_hpo.dsl import incremental

    checked: list[str] = []
    real = incremental._check
    monkeypatch.setattr(incremental, "_check", lambda m, t: checked.append(t) or real(m, t))
    text = MANY
    checker = IncrementalChecker()
    assert checker.diagnostics(text) == analyze(text).diagnostics
    assert len(checked) == len(split_items(text)) - text.count("define ")
    checked.clear()
    edited = text.replace("relu", "relu6", 1)
    assert checker.diagnostics(edited) == analyze(edited).diagnostics
    assert len(checked) == 1 and "relu6" in checked[0]
    checked.clear()
    macro = edited.replace(
        "define FeedForward(width, drop) {", "define FeedForward(width, drop) {\n"
    )
    assert checker.diagnostics(macro) == analyze(macro).diagnostics
    assert len(checked) == len(split_items(text)) - text.count("define ")  # all, with the macro


def test_a_moved_network_keeps_its_findings_at_the_new_place() -> None:
    bad = "network B {\n    input: (4,)\n    Dense(units: -1)\n}\n"
    checker = IncrementalChecker()
    before = checker.diagnostics("network A {\n    input: (4,)\n    Dense(units: 2)\n}\n" + bad)
    moved = "// a comment that shifts B\n\n\nnetwork A { input: (4,) Dense(units: 2) }  " + bad
    after = checker.diagnostics(moved)
    assert [d.code for d in before] == [d.code for d in after] == ["E304"]
    assert (after[0].span.line, after[0].span.col) == span_tuple(moved, "-1")[:2]
    assert after == analyze(moved).diagnostics


def test_a_suggestion_moves_with_its_finding() -> None:
    bad = 'network B {\n    input: (4,)\n    Dens(units: 2)\n    loss: "crossentropi"\n}\n'
    checker = IncrementalChecker()
    checker.diagnostics("network A {\n    input: (4,)\n    Dense(units: 2)\n}\n" + bad)
    moved = "// shifts B\nnetwork A { input: (4,) Dense(units: 2) }  " + bad
    after = checker.diagnostics(moved)
    fixes = [
        (d.suggestion.text, moved[d.suggestion.span.start : d.suggestion.span.end]) for d in after
    ]
    assert fixes == [("Dense", "Dens"), ("crossentropy", "crossentropi")]
    assert [span_tuple(moved, w)[:2] for w in ("Dens(", "crossentropi")] == [
        (d.suggestion.span.line, d.suggestion.span.col) for d in after
    ]
    assert after == analyze(moved).diagnostics


def test_a_syntax_error_stays_in_its_network() -> None:
    good = "network Good {\n    input: (4,)\n    Dense(units: 2)\n}\n"
    text = "network Bad {\n    input: (4,)\n    Dense(units: 2\n    Dense(units: 3)\n}\n" + good
    diags = analyze(text).diagnostics
    assert diags and all(d.span.line < 5 for d in diags), diags
    assert [n.name for n in analyze(text).file.networks] == ["Bad", "Good"]
    assert IncrementalChecker().diagnostics(text) == diags


def test_macros_are_checked_with_every_network_and_reported_once() -> None:
    text = (
        "network A { input: (4,) Block(w=-1) }\n"
        "define Block(w) {\n    Dense(units: $w) -> rleu\n}\n"
        "define Block(w) { Dense(units: $w) }\n"
        "network B { input: (4,) Block(w=2) Block(w=-1) }\n"
    )
    found = IncrementalChecker().diagnostics(text)
    assert found == analyze(text).diagnostics
    # the bad activation is in the macro: once, though both networks expand it
    assert [(d.code, d.span.line) for d in found] == [
        ("E304", 0),
        ("E308", 2),
        ("E118", 4),
        ("E304", 5),
    ]


def test_gives_up_where_a_macro_shares_a_piece() -> None:
    open_macro = "network N { input: (4,) Dense(units: 2) }\ndefine Block { Dense(units: 4)"
    # one brace too many: the pieces after it run to the end, a macro and a network in one
    shared = "network N { input: (4,) Block } } define Block { Dense(units: 4) }"
    for text in (open_macro, shared):
        assert IncrementalChecker().diagnostics(text) is None, text


def test_an_outdated_analysis_stops_at_the_next_item() -> None:
    """The server's checkpoint raises once the user has typed on: no more work is done."""

    class Outdated(Exception):
        pass

    calls = 0

    def checkpoint() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Outdated

    with pytest.raises(Outdated):
        analyze(MANY, checkpoint=checkpoint)
    assert calls == 3
    broken = MANY.replace("Dense(", "Dense((", 1)  # the piecewise path checks in too
    calls = 0
    with pytest.raises(Outdated):
        analyze(broken, checkpoint=checkpoint)
    assert calls == 3
