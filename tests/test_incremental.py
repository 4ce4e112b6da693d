"""The incremental checker gives ``analyze``'s diagnostics after any sequence of edits, and a
syntax error stays within the item it is in."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.incremental import IncrementalChecker
from neural_hpo.dsl.parser import split_items
from tests.conftest import span_tuple
from tests.test_dsl_fuzz import SAMPLES, TOKENS

#: several networks in one file (the samples hold one or two each), each with findings
MANY = "\n".join(SAMPLES) + "\n// tail comment\n"

NO_MACROS = [s for s in SAMPLES if "define" not in s]

edit = st.tuples(
    st.floats(0, 1),  # where, as a fraction of the length
    st.integers(0, 12),  # how many characters to delete
    st.lists(st.sampled_from([*TOKENS, "}", "{", "network N2 {", "\n}\n"]), max_size=4),
)


def _apply(text: str, where: float, delete: int, insert: list[str]) -> str:
    at = int(where * len(text))
    return text[:at] + "".join(insert) + text[at + delete :]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from([*NO_MACROS, MANY]), st.lists(edit, min_size=1, max_size=8))
def test_equals_analyze_after_every_edit(text: str, edits: list) -> None:
    checker = IncrementalChecker()
    for e in [None, *edits]:
        if e is not None:
            text = _apply(text, *e)
        found = checker.diagnostics(text)
        expected = analyze(text).diagnostics
        if found is None:
            assert "define" in text  # it gives up on macros only
        else:
            assert found == expected


def test_an_edit_rechecks_only_its_piece(monkeypatch) -> None:
    from neural_hpo.dsl import incremental

    checked: list[str] = []
    real = incremental._check_piece
    monkeypatch.setattr(incremental, "_check_piece", lambda t: checked.append(t) or real(t))
    text = "\n".join(NO_MACROS)
    checker = IncrementalChecker()
    checker.diagnostics(text)
    pieces = len([p for p in split_items(text) if text[p[0] : p[1]].strip()])
    assert len(checked) >= pieces > 2
    checked.clear()
    edited = text.replace("relu", "relu6", 1)
    assert checker.diagnostics(edited) == analyze(edited).diagnostics
    assert len(checked) == 1 and "relu6" in checked[0]


def test_a_moved_network_keeps_its_findings_at_the_new_place() -> None:
    bad = "network B {\n    input: (4,)\n    Dense(units: -1)\n}\n"
    checker = IncrementalChecker()
    before = checker.diagnostics("network A {\n    input: (4,)\n    Dense(units: 2)\n}\n" + bad)
    moved = "// a comment that shifts B\n\n\nnetwork A { input: (4,) Dense(units: 2) }  " + bad
    after = checker.diagnostics(moved)
    assert [d.code for d in before] == [d.code for d in after] == ["E304"]
    assert (after[0].span.line, after[0].span.col) == span_tuple(moved, "-1")[:2]
    assert after == analyze(moved).diagnostics


def test_a_syntax_error_stays_in_its_network() -> None:
    good = "network Good {\n    input: (4,)\n    Dense(units: 2)\n}\n"
    text = "network Bad {\n    input: (4,)\n    Dense(units: 2\n    Dense(units: 3)\n}\n" + good
    diags = analyze(text).diagnostics
    assert diags and all(d.span.line < 5 for d in diags), diags
    assert [n.name for n in analyze(text).file.networks] == ["Bad", "Good"]
    assert IncrementalChecker().diagnostics(text) == diags


def test_gives_up_on_macros() -> None:
    text = "define Block { Dense(units: 4) }\nnetwork N { input: (4,) Block() }\n"
    assert IncrementalChecker().diagnostics(text) is None


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
