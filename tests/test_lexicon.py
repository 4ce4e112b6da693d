"""The lexicon's scanner: every reader of the text skips the same strings and comments (the
grammar's terminals, so tests/test_fastparse.py's equality test covers their patterns)."""

from __future__ import annotations

import pytest
from neural_hpo_server.completion import macros
from neural_hpo_server.context import cursor_context

from neural_hpo.dsl import lexicon
from neural_hpo.dsl.parser import refused, split_items

#: braces, brackets and a ``define`` hidden in every kind of string and comment
HIDDEN = (
    'network A { x: "} {\\" }" y: \'}\' }  # }\n'
    "// define Fake {\n"
    "/* } define Fake2 {\n ((( */\n"
    "define B(u, v) { Dense(units: $u) }\n"
)


def test_marks_skip_strings_and_comments() -> None:
    found = [(m.group(), lexicon.is_skipped(m)) for m in lexicon.marks(HIDDEN, "{}")]
    assert [c for c, skipped in found if not skipped] == ["{", "}", "{", "}"]
    assert [m.group() for m in lexicon.comments(HIDDEN)] == [
        "# }",
        "// define Fake {",
        "/* } define Fake2 {\n ((( */",
    ]


def test_an_unclosed_quote_or_comment_is_one_character() -> None:
    text = 'x " { /* }'
    assert [m.group() for m in lexicon.marks(text, "{}")] == ["{", "}"]


def test_the_piece_splitter_and_refused_skip_them() -> None:
    pieces = [HIDDEN[s:e] for s, e in split_items(HIDDEN)]
    assert [p.split()[:2] for p in pieces] == [["network", "A"], ["#", "}"], []]
    assert pieces[1].rstrip().endswith("{ Dense(units: $u) }")
    deep = "network N { /* " + "(" * 150 + " */ x: 1 }"
    assert refused(deep, 0, len(deep)) is None
    opened = "network N { x: " + "(" * 101
    assert refused(opened, 0, len(opened))[2] == "E104"


def test_completion_finds_only_macros_written_as_code() -> None:
    assert macros(HIDDEN) == {"B": ["u", "v"]}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("network N {\n  /* Dense(", "none"),
        ("network N {\n  /* a */ ", "statement"),
        ('network N {\n  Dense(units: "a', "none"),
        ("network N {\n  # Dense(", "none"),
        ("network N {\n  Dense(", "args"),
    ],
)
def test_the_cursor_context_reads_the_same_comments(text: str, where: str) -> None:
    assert cursor_context(text, len(text)).where == where


def test_bare_names_and_quotes_read_back() -> None:
    for text in ("relu", "hpo", "HPO", "training", "true", 'a"b\\c\n\t'):
        assert lexicon.unquote(lexicon.quote(text)) == text
    assert [
        t for t in ("relu", "hpo", "Hpo", "layers", "None", "x1") if lexicon.is_bare_name(t)
    ] == [
        "relu",
        "x1",
    ]
