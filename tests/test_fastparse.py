"""The fast parser builds exactly what the lark path builds, and gives way to it on any error."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
from corpus import CANONICAL, INVALID, LEGACY, SEED, TOKENS, wrap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neural_hpo.dsl import analysis, lexicon, parser
from neural_hpo.dsl.fastparse import SyntaxFallback, parse_fast
from neural_hpo.dsl.model import Span, make_span

DIALECTS = """
# comment first
// and another
network Canonical {
    input: (None, 28, 1)   # free dimension
    Conv2D(filters: hpo(categorical: [32, 64]), kernel_size: (3, 3), padding = "same") -> relu
    MaxPooling2D(pool_size: (2, 2),)
    Flatten()
    Dense(units: hpo(range: [64, 256, step=64], name: "width")) -> hpo(choice: [relu, tanh])
    Dropout(rate: hpo(range: [.3, 0.7, step: 0.1]))
    Dense(10) -> softmax,
    loss: cross_entropy, optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1E-2]))
    metrics: [accuracy, "top_k"]
    training: {
        batch_size: hpo(categorical: [16, 32, 64]), epochs: 10
        validation_split: 0.2
        early: true shuffle: False, seed: None
        lr_decay = -0.5e+1
    }
    execution: { device: "cuda:0" }
}

define Block(width, rate,) {
    Dense(units=$width, activation="relu")
    Dropout($rate) * 2
}
define Plain { Dense(8) }
define Empty() { Flatten }

network Legacy {
    input: (28, 28, 1)
    layers:
        Block(width=HPO(choice(64, HPO(range(8, 32, step=8)), 256)), rate=HPO(range(0.3, 0.7, step=0.1)))
        Plain * 3
        Dense(64, "relu") * 3 @ "cuda:0"
        TransformerEncoder(num_heads=8) { Dense(128), LayerNormalization } * 12
        Conv1D(filters=4, kernel_size=3) { Dense(4) -> relu Dense(2) { Flatten } }
        Output(units=10, activation='soft\\'max\\n\\t\\\\x')
    loss: "sparse_categorical_crossentropy"
    optimizer: Adam(learning_rate=HPO(log_range(1e-4, 1e-2)))
    metrics: ["accuracy"]
    train { epochs: 10 batch_size: HPO(categorical(16, 32, 64)) search_method: "bayesian" }
    execute { device: "auto" }
},
network Third { input: (4,) Dense(+2) -> $x, Dense(hpo(categorical: []), units: Hpo(range: [1, 2])) }
,,
"""

# Words that are keywords in some places and names in others, and lark's layout rules.
KEYWORD_CORNERS = [
    "networkA { input: (1,) Dense(2) }",
    "definenetwork { Dense(2) } networkdefine { network }",
    "network training { train: 5 }",
    "network N { loss: training optimizer: hpo(categorical: [train, execute, layers]) }",
    "network N { training { train: 1, layers: 2 } execute: { network: 1 define: 2 } }",
    "network N { Dense { Flatten train } }",
    "network N { Dense { Flatten() train } }",
    "network N { Dense { Flatten, train } }",
    "network N { Dense { train } }",
    "network N { Dense -> relu train { } }",
    "network N { training: { a: 1 train: 2 } }",
    "network N { training: { a: 1, train: 2 } }",
    "network N { hpo: 1 HPO(choice(1, 2)) }",
    "network N { Dense(hpo: 1) }",
    "network N { training: { hpo: 1 } }",
    "network N { x: hpo }",
    "network N { x: (1) y: () z: [] w: {} v: f() u: [a=1, b: 2, 3,] }",
    "network N { layers Dense }",
    "network N { layers: layers: Dense layersX }",
    "network N { Dense * 2 * 3 -> a -> b @ c { } { } }",
    "network N { x: 1.e5 y: 5. z: -.5 w: 1e q: 2abc }",
    "network N { x: \u0663 }",
    "define M($a) { }",
    "define M(a b) { }",
    "define M(,) { }",
    "network N { x: ((((((1)))))) }",
    "network",
    "",
    "  # only a comment",
    "network N { x: 'unterminated }",
    "network N { x: 1 } network2 { }",
    "network N { Dense(units: 10) }\x0b",
    'network N {\r\n\tDense(2)\x0c\r\n  x: "\u00e9\\"\u4e2d" y: \'\u00e9\' }\r\n',
    # arithmetic: lark's contextual lexer reads a sign after an operand as the operator
    "network N { Dense(2 -1, 2 - -1, 2-1, 2+1, +2 +.5e1, 3 * -2, (1 + 2) * $a / (4 - 1)) }",
    "network N { Dense((1), (1,), (1 + 2,), [1 - 1, step=2 * 3], f(x=1 / 2)) }",
    "network N { x: (1 -1) y: [2 -1] }",
    "network N { x: 1 -1 }",
    "network N { Dense(1 +) Dense(+ 1) Dense(1 */ 2) Dense(- 1) Dense(1 - ) }",
    "network N { Dense(4 //2\n) Dense(4 /2) Dense($a->relu) Dense(1 -> 2) }",
    "network N { Dense(2) * 2 * 3 Dense(2 * 3) * 4 -> relu }",
    "network N { Dense(hpo(range: [1, 2]) * 2, hpo * 2) }",
    # block comments
    "/* head */ network /* a */ N /* b */ { /* c\n d */ Dense(/* e */ 2 /**/) }/**/",
    "network N { /* unterminated",
    "network N { Dense(2) } /* open",
    "network N { x: 1 /* a */ / 2 /*/ b */ }",
    "network N { # /* not a block\n Dense(1) // */ x\n }",
    # the legacy optimizer block, and a block after another setting
    'network N { optimizer: "Adam" { learning_rate: 0.001 } loss: mse { a: 1 } }',
    "network N { optimizer: Adam { lr: 1, train: 2 } train { } }",
    "network N { optimizer: Adam() { } x: { } { } }",
]


def _plain(obj):
    """A comparable structure of a model: every field of every node, spans included."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (
            type(obj).__name__,
            tuple((f.name, _plain(getattr(obj, f.name))) for f in dataclasses.fields(obj)),
        )
    if isinstance(obj, (list, tuple)):
        return tuple(_plain(x) for x in obj)
    if isinstance(obj, Enum):
        return obj.value
    return (type(obj).__name__, obj)


def _fast_ok(text: str) -> bool:
    try:
        parse_fast(text, [])
    except SyntaxFallback:
        return False
    return True


def _lark_pieces(text: str) -> parser.ParseResult:
    """``parse`` with lark for every piece: the fast parser forced to give way."""

    def refuse(*args, **kwargs):
        raise SyntaxFallback("forced")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parser, "parse_fast", refuse)
        return parser.parse(text, "f.neural")


def _assert_same(text: str) -> None:
    """``parse`` equals the lark path, and the fast path gives way exactly on syntax errors.

    lark reads the file piece by piece (``split_items``), so that an error stays in its item;
    where the file is valid that is the same as lark reading it whole."""
    lark = _lark_pieces(text)
    syntax_errors = [d for d in lark.diagnostics if d.code.startswith("E10")]
    assert _fast_ok(text) == (not syntax_errors), syntax_errors
    result = parser.parse(text, "f.neural")
    assert _plain(result.file) == _plain(lark.file)
    assert _plain(result.diagnostics) == _plain(lark.diagnostics)
    if not syntax_errors:
        whole = parser._parse_lark(text, "f.neural")
        assert _plain(whole.file) == _plain(lark.file)
        assert _plain(whole.diagnostics) == _plain(lark.diagnostics)


EXAMPLES = [p.read_text() for p in sorted(Path(__file__).parent.parent.glob("examples/*.neural"))]
CORPUS = [p.read_text() for p in sorted(Path(__file__).parent.glob("corpus/legacy/*.neural"))]
SAMPLES = [SEED, LEGACY, CANONICAL, DIALECTS, *EXAMPLES, *CORPUS]
#: the checker's invalid snippets: mostly valid syntax with errors of meaning
SNIPPETS = [wrap(body) for _, body, *_ in INVALID]


@pytest.mark.parametrize("text", SAMPLES, ids=lambda t: t.strip().splitlines()[0][:30])
def test_valid_inputs_take_the_fast_path_and_match_lark(text: str) -> None:
    assert _fast_ok(text)
    _assert_same(text)


@pytest.mark.parametrize("text", KEYWORD_CORNERS + SNIPPETS)
def test_keyword_and_layout_corners(text: str) -> None:
    _assert_same(text)


def test_terminals_are_the_grammars() -> None:
    lark_terms = {t.name: t.pattern for t in parser._lark().terminals}

    def norm(pattern: str) -> str:
        for escape, char in (("\\n", "\n"), ("\\t", "\t"), ("\\r", "\r"), ("\\f", "\x0c")):
            pattern = pattern.replace(escape, char)
        return pattern.replace("(?:", "(").replace("\\/", "/")

    regexps = {n for n, p in lark_terms.items() if type(p).__name__ == "PatternRE"}
    assert regexps == set(lexicon.TERMINALS)
    for name, pattern in lexicon.TERMINALS.items():
        assert norm(pattern) == norm(lark_terms[name].to_regexp()), name
    literals = {p.value for p in lark_terms.values() if type(p).__name__ == "PatternStr"}
    words = {w for w in literals if re.fullmatch("[a-z]+", w)}
    assert literals - words == set(lexicon.PUNCTUATION)
    assert words == {*lexicon.STATEMENT_WORDS, *lexicon.TOP_WORDS, lexicon.HPO}


def test_a_valid_file_never_builds_the_lark_parser() -> None:
    code = (
        "import sys\n"
        "from neural_hpo.dsl import parser\n"
        "from neural_hpo.dsl.analysis import analyze\n"
        "analyze(sys.argv[1])\n"
        "print(parser._lark.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, DIALECTS], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "0"


def test_an_invalid_file_is_worded_by_lark() -> None:
    result = parser.parse("network N { Dense(units: 10 }")
    assert [d.code for d in result.diagnostics][:1] == ["E102"]


def test_deep_nesting_gives_way_to_lark() -> None:
    with pytest.raises(SyntaxFallback):
        parse_fast("network N { x: " + "(" * 5000 + ")" * 5000 + " }", [])


_SOUP = [*TOKENS, "Block", "$x", "'q\\''", ".5", "1e-4", "true", "None", "network N {", "define"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_SOUP), max_size=60), st.sampled_from([" ", "", "\n"]))
def test_token_soup(tokens: list[str], sep: str) -> None:
    _assert_same(sep.join(tokens))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLES + KEYWORD_CORNERS),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 12), st.sampled_from([*_SOUP, ""])),
        min_size=1,
        max_size=5,
    ),
)
def test_mutated_inputs(sample: str, edits: list[tuple[int, int, str]]) -> None:
    text = sample
    for pos, cut, insert in edits:
        pos %= len(text) + 1
        text = text[:pos] + insert + text[pos + cut :]
    _assert_same(text)


def test_make_span_is_span() -> None:
    fast, plain = make_span(1, 2, 3, 4, 5, 6), Span(1, 2, 3, 4, 5, 6)
    assert fast == plain and hash(fast) == hash(plain) and type(fast) is Span
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.line = 0  # type: ignore[misc]


@pytest.mark.parametrize("text", [*SAMPLES, *KEYWORD_CORNERS, *SNIPPETS], ids=lambda t: t[:30])
def test_cached_bindings_change_no_diagnostic(text: str, monkeypatch) -> None:
    cached = analysis.analyze(text)
    monkeypatch.setattr(analysis, "layer_bindings_cached", contextlib.nullcontext)
    plain = analysis.analyze(text)
    assert _plain(cached.diagnostics) == _plain(plain.diagnostics)
    assert [s.signature() for s in cached.spaces.values()] == [
        s.signature() for s in plain.spaces.values()
    ]
