"""The formatter: canonical output, idempotence, comments kept, and meaning preserved."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.arguments import bind, bind_layer
from neural_hpo.dsl.catalog import LAYERS, OPTIMIZERS
from neural_hpo.dsl.formatter import UNFORMATTABLE, format_source
from neural_hpo.dsl.lexicon import is_bare_name
from neural_hpo.dsl.model import (
    BinOp,
    Block,
    Call,
    DictValue,
    HpoSpec,
    Ident,
    Layer,
    LayersMarker,
    ListValue,
    Literal,
    MacroRef,
    Setting,
    TupleValue,
)
from neural_hpo.dsl.parser import parse
from neural_hpo.dsl.space.build import build_search_space
from neural_hpo.dsl.space.materialize import materialize

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.neural"))
CORPUS = sorted((Path(__file__).parent / "corpus" / "legacy").glob("*.neural"))

LEGACY = """\
# A legacy model
network Legacy {   // the net
  input: (28,28,1)
  layers:   # layer lines follow
    Conv2D(32, (3,3), activation="relu")
    MaxPooling2D(pool_size=(2,2))

    Flatten
    Dense(HPO(choice(64, 128)), "relu") * 2  # twice
    Dropout(HPO(range(0.3, 0.7, step=0.1)))
    Dense(HPO(choice(HPO(range(16, 64, step=16)), 5)))
    Output(units=10, activation="softmax")
  loss: "sparse_categorical_crossentropy"
  optimizer: Adam(learning_rate=HPO(log_range(1e-4, 1e-2)))
  metrics: ["accuracy"]
  train {
    epochs: 10
    batch_size: HPO(choice(16, 32, 64))  # bs
    search_method: "bayesian"
  }
  execute { device: "cuda" }
}

define Block(a, b) {
  Dense(units=$a, activation="relu")
  Dropout($b)
}
network T {
  input: (10, 32)
  TransformerEncoder(num_heads=8) { Dense(32) } * 2 @ "cuda:0"
  Block(a=64, b=HPO(choice(0.1, 0.2)))
  Block(32, 0.3)
  Output(10, "softmax")
  optimizer: "adam"
  loss: 'mse'
}
"""


# ---- structural comparison ------------------------------------------------------------------


def _value(v):
    """A comparable form of a value: a string that is a plain name compares equal to the name."""
    if isinstance(v, Literal):
        if isinstance(v.value, str) and is_bare_name(v.value):
            return ("name", v.value)
        return (type(v.value).__name__, v.value)
    if isinstance(v, Ident):
        return ("name", v.name)
    if isinstance(v, MacroRef):
        return ("ref", v.name)
    if isinstance(v, TupleValue):
        return ("tuple", [_value(i) for i in v.items])
    if isinstance(v, (ListValue, DictValue)):
        return (type(v).__name__, [(a.name, _value(a.value)) for a in v.items])
    if isinstance(v, Call):
        return ("call", v.name.lower(), _call_args(v))
    if isinstance(v, HpoSpec):
        bounds = [_value(x) if x is not None else None for x in (v.low, v.high, v.step)]
        return ("hpo", v.kind, [_value(c) for c in v.choices], bounds, v.name)
    if isinstance(v, BinOp):
        return ("binop", v.op, _value(v.left), _value(v.right))
    raise TypeError(type(v))


def _call_args(call: Call):
    spec = OPTIMIZERS.get(call.name.lower())
    if spec is not None:
        bound = bind(call.args, spec.args, call.name, call.name_span)
        if not bound.problems:
            return sorted((k, _value(a.value)) for k, a in bound.values.items())
    return [(a.name, _value(a.value)) for a in call.args]


def _layer(layer: Layer):
    if layer.name in LAYERS and not bind_layer(layer).problems:
        args = sorted((k, _value(a.value)) for k, a in bind_layer(layer).values.items())
    else:
        args = [(a.name, _value(a.value)) for a in layer.args]
        args.append(("->", _value(layer.activation) if layer.activation else None))
    extra = [_value(x) if x is not None else None for x in (layer.repeat, layer.device)]
    subs = [_layer(s) for s in layer.sublayers] if layer.sublayers is not None else None
    return (layer.name, args, extra, subs)


def _corner(space) -> dict:
    """The first choice / lower bound of every active parameter."""
    values: dict = {}
    for p in space.params:
        if p.parent is None or values.get(p.parent[0]) == p.parent[1]:
            values[p.name] = p.choices[0] if p.kind == "categorical" else p.low
    return values


def structure(source: str):
    """What a file means: networks with their settings, expanded layers, search space (names
    and distributions) and, for a file without errors, the model at one corner of the space."""
    analysis = analyze(source)
    syntax = parse(source).diagnostics
    assert not [d for d in syntax if d.code in UNFORMATTABLE], syntax
    nets = []
    for n in analysis.file.networks:
        settings = [
            (s.name, _value(s.value)) if isinstance(s, Setting) else (s.kind, _value_items(s))
            for s in n.body
            if isinstance(s, (Setting, Block)) and getattr(s, "name", None) != "input"
        ]
        settings.append(("input", [_value(a) for a in n.input_axes() or []]))
        space = build_search_space(n)
        params = [(p.name, p.describe(), p.parent) for p in space.params]
        concrete = None if analysis.errors else materialize(n, _corner(space), space)
        nets.append(
            (
                n.name,
                settings,
                [_layer(layer) for layer in n.layers],
                params,
                [_layer(layer) for layer in concrete.layers] if concrete else None,
            )
        )
    macros = [
        (
            m.name,
            m.params,
            [
                _layer(s) if isinstance(s, Layer) else type(s).__name__
                for s in m.body
                if not isinstance(s, LayersMarker)
            ],
        )
        for m in analysis.file.macros
    ]
    # W510 (a legacy batch axis dropped) goes with the legacy form the formatter converts
    return nets, macros, [d.code for d in analysis.diagnostics if d.code != "W510"]


def _value_items(block):
    return [(a.name, _value(a.value)) for a in block.items]


def assert_canonical(source: str) -> str:
    out = format_source(source)
    assert format_source(out) == out, "not idempotent"
    assert structure(out) == structure(source), "meaning changed"
    return out


# ---- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES + CORPUS, ids=lambda p: p.name)
def test_examples_format_idempotently_and_keep_their_meaning(path: Path):
    assert_canonical(path.read_text())


def test_canonical_examples_are_already_formatted():
    for name in ("mnist_cnn", "text_rnn", "tabular_mlp", "two_networks"):
        source = (EXAMPLES[0].parent / f"{name}.neural").read_text()
        assert format_source(source) == source, name


def test_legacy_file_becomes_canonical():
    out = assert_canonical(LEGACY)
    assert (
        out
        == """\
# A legacy model
network Legacy {  // the net
    input: (28, 28, 1)
    # layer lines follow
    Conv2D(filters: 32, kernel_size: (3, 3)) -> relu
    MaxPooling2D(pool_size: (2, 2))

    Flatten()
    Dense(units: hpo(categorical: [64, 128])) -> relu * 2  # twice
    Dropout(rate: hpo(range: [0.3, 0.7, step=0.1]))
    Dense(units: hpo(categorical: [hpo(range: [16, 64, step=16]), 5]))
    Output(units: 10) -> softmax
    loss: sparse_categorical_crossentropy
    optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2]))
    metrics: [accuracy]
    training: {
        epochs: 10
        batch_size: hpo(categorical: [16, 32, 64])  # bs
        search_method: "bayesian"
    }
    execution: {
        device: "cuda"
    }
}

define Block(a, b) {
    Dense(units: $a) -> relu
    Dropout(rate: $b)
}

network T {
    input: (10, 32)
    TransformerEncoder(num_heads: 8) {
        Dense(units: 32)
    } * 2 @ "cuda:0"
    Block(a: 64, b: hpo(categorical: [0.1, 0.2]))
    Block(32, 0.3)
    Output(units: 10) -> softmax
    optimizer: adam
    loss: mse
}
"""
    )


def _net(body: str) -> str:
    return f"network N {{\n    input: (64,)\n    {body}\n}}\n"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ('Dense(128, "relu")', "Dense(units: 128) -> relu"),
        ('Dense(units=128, activation="relu")', "Dense(units: 128) -> relu"),
        ('Output(units=10, activation="softmax")', "Output(units: 10) -> softmax"),
        ('Dense(64) -> "tanh"', "Dense(units: 64) -> tanh"),
        ("Dense(64) * 3", "Dense(units: 64) * 3"),
        ("Dense(units : 64)", "Dense(units: 64)"),
        ('Activation("relu")', "Activation(activation: relu)"),
        ("Dropout(HPO(choice(0.1, 0.2)))", "Dropout(rate: hpo(categorical: [0.1, 0.2]))"),
        ("Dropout(HPO(categorical(0.1, 0.2)))", "Dropout(rate: hpo(categorical: [0.1, 0.2]))"),
        ("Dense(hpo(choice: [8, 16]))", "Dense(units: hpo(categorical: [8, 16]))"),
        ("Dense(HPO(range(8, 64, step=8)))", "Dense(units: hpo(range: [8, 64, step=8]))"),
        ("Dense(hpo(range: [8, 64], step: 8))", "Dense(units: hpo(range: [8, 64, step=8]))"),
        ("Dense(hpo(range: [8, 64, 8]))", "Dense(units: hpo(range: [8, 64, step=8]))"),
        ("Dense(HPO(log_range(8, 512)))", "Dense(units: hpo(log_range: [8, 512]))"),
        (
            'Dense(hpo(categorical: [8, 16], name: "w"))',
            'Dense(units: hpo(categorical: [8, 16], name: "w"))',
        ),
        (
            'Dense(8) -> HPO(choice("relu", "tanh"))',
            "Dense(units: 8) -> hpo(categorical: [relu, tanh])",
        ),
        ("optimizer: Adam(learning_rate=0.001)", "optimizer: adam(learning_rate: 0.001)"),
        ("optimizer: Adam(0.001)", "optimizer: adam(learning_rate: 0.001)"),
        ("optimizer: adam(lr=1e-3)", "optimizer: adam(learning_rate: 1e-3)"),
        ('optimizer: "adam"', "optimizer: adam"),
        (
            'optimizer: hpo(categorical: ["adam", "sgd"])',
            "optimizer: hpo(categorical: [adam, sgd])",
        ),
        ('loss: "sparse_categorical_crossentropy"', "loss: sparse_categorical_crossentropy"),
        ('metrics: ["accuracy", "f1"]', "metrics: [accuracy, f1]"),
        ("train { epochs: 3 }", "training: {\n        epochs: 3\n    }"),
        ("execution { device: 'cpu' }", 'execution: {\n        device: "cpu"\n    }'),
        ("training: { }", "training: {}"),
        ("Dense(8, use_bias=True)", "Dense(units: 8, use_bias: true)"),
        ("Conv2D(8, 3, padding='same')", 'Conv2D(filters: 8, kernel_size: 3, padding: "same")'),
        ("Dense(units: 1.0e-4)", "Dense(units: 1.0e-4)"),
        ('Dense(8) @ "cuda:0"', 'Dense(units: 8) @ "cuda:0"'),
        ("Mystery(8, act='relu')", 'Mystery(8, act: "relu")'),
    ],
)
def test_conversion(written: str, canonical: str):
    assert format_source(_net(written)) == _net(canonical)
    assert_canonical(_net(written))


def test_input_shapes():
    assert format_source("network N{input:(64)}") == "network N {\n    input: (64,)\n}\n"
    assert format_source("network N{input:(None,8)}") == "network N {\n    input: (None, 8)\n}\n"


def test_strings_that_are_not_plain_names_stay_quoted():
    out = format_source(_net('Dense(8) -> "true"\n    loss: "my loss"\n    Foo(x="a\\"b")'))
    assert '-> "true"' in out and 'loss: "my loss"' in out and 'Foo(x: "a\\"b")' in out
    assert_canonical(out)


def test_bad_arguments_are_kept_as_written():
    # a problem the checker reports (activation twice) is not resolved by the formatter
    out = format_source(_net('Dense(8, activation="relu") -> tanh'))
    assert "Dense(8, activation: relu) -> tanh" in out


def test_comments_stay_with_their_lines():
    source = """\
// header
network N {  # opens
    # about the input
    input: (64,)   # trailing input

    Dense(
        # inside the call
        8,  # the width
    ) -> relu
    layers:  # marker comment
    Dense(2)
    training: {
        epochs: 2  # few
        # last in block
    }  # after block
    # before the end
}  # closes
# the end
"""
    out = assert_canonical(source)
    assert (
        out
        == """\
// header
network N {  # opens
    # about the input
    input: (64,)  # trailing input

    # inside the call
    Dense(units: 8) -> relu  # the width
    # marker comment
    Dense(units: 2)
    training: {
        epochs: 2  # few
        # last in block
    }  # after block
    # before the end
}  # closes

# the end
"""
    )


def test_line_comments_end_their_line():
    # block comments trail first, so no later comment falls inside a line comment
    source = _net("Conv2D(\n    8,  # filters\n    3 /* a\n    note */,  // kernel\n)")
    out = assert_canonical(source)
    assert "(filters: 8, kernel_size: 3)  /* a\n    note */  # filters  // kernel\n" in out


def test_an_optimizer_named_by_an_odd_string_keeps_its_block():
    out = assert_canonical(_net('optimizer: " Adam" { learning_rate: 0.001 }'))
    assert 'optimizer: " Adam" { learning_rate: 0.001 }' in out


def test_arithmetic_on_an_activation_stays_an_argument():
    out = assert_canonical(_net('Dense(4, "relu" * 2)'))
    assert 'Dense(units: 4, activation: "relu" * 2)' in out


def test_comment_markers_inside_strings_are_not_comments():
    out = assert_canonical(_net('Dense(8) @ "cuda#0"  # real'))
    assert '@ "cuda#0"  # real' in out


def test_blank_lines_collapse_and_top_level_items_are_separated():
    source = "network A {\n\n\n    input: (4,)\n\n\n\n    Dense(2)\n\n}\nnetwork B {\n}\n"
    assert format_source(source) == (
        "network A {\n    input: (4,)\n\n    Dense(units: 2)\n}\n\nnetwork B {}\n"
    )


def test_several_statements_on_one_line():
    out = assert_canonical("network N { input: (4,), Dense(2), Dense(3) }")
    assert out == "network N {\n    input: (4,)\n    Dense(units: 2)\n    Dense(units: 3)\n}\n"


def test_syntax_errors_are_not_formatted():
    with pytest.raises(ValueError, match=r"^3:\d+: error\[E10\d\]"):
        format_source("network N {\n    input: (4,)\n    Dense(2 3)\n}\n")
    with pytest.raises(ValueError, match="E103"):
        format_source("network N {\n    input: (4,)\n")


def test_a_suffix_given_twice_is_not_formatted():
    with pytest.raises(ValueError, match="E306"):
        format_source(_net("Dense(8) -> relu -> tanh"))


def test_a_block_after_another_setting_is_not_formatted():
    with pytest.raises(ValueError, match="E123"):  # the model drops the block
        format_source(_net('loss: "mse" { weight: 2 }'))


def test_empty_file():
    assert format_source("") == ""
    assert format_source("# only a comment\n") == "# only a comment\n"


# ---- property: any file that parses keeps its meaning and formats idempotently ------------------

_PIECES = [
    "\n",
    " ",
    ",",
    "# note\n",
    "// note\n",
    "/* a\n note */",
    "(None, 4)",
    " * 2 + ",
    "Dense(8)",
    'Dense(4, "relu")',
    "Dropout(HPO(choice(0.1, 0.2)))",
    "* 2",
    "-> tanh",
    '@ "cpu"',
    "layers:",
    "train { epochs: 2 }",
    "{ Dense(32) }",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([LEGACY, *(p.read_text() for p in EXAMPLES + CORPUS)]),
    st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(_PIECES)), min_size=1, max_size=4),
)
@example(
    sample='/* Header comment\n   over several lines */\nnetwork /* inline before the name\'s brace */ Commented {\n  input: (None, /* height */ 8, /* width */ 8, 1) // trailing\n  layers: /* the layer list */\n    Conv2D(filters=4 /* few */, kernel_size=3) -> relu  # hash comment\n    /* a comment line\n       between layers */\n    Flatten()\n    Output(units=10, /* classes */ activation="softmax")\n  loss: "sparse_categorical_crossentropy" /* after a value */\n  optimizer: "Adam" { /* inside the block */ learning_rate: 0.001 }\n}\n/* a comment at the end of the file */\n',
    edits=[(3228, " ")],
).via("discovered failure")
@example(
    sample='# LSTM forecaster with an exponentially decaying learning rate\nnetwork TimeSeriesLSTM {\n  input: (30, 4)\n  layers:\n    LSTM(units=HPO(choice(32, 64)), return_sequences=True, recurrent_dropout=0.1)\n    GRU(units=32, recurrent_dropout=0.1)\n    Dense(units=16, activation="relu")\n    Dense(units=1)\n\n  loss: "mse"\n  optimizer: SGD(\n    learning_rate=ExponentialDecay(\n      HPO(range(0.01, 0.05, step=0.01)),  # initial learning rate\n      1000,                              # decay steps\n      HPO(range(0.9, 0.99, step=0.03))   # decay rate\n    ),\n    momentum=0.9,\n    clipvalue=0.5\n  )\n  metrics: ["mae", "mse"]\n  train {\n    epochs: 20\n    batch_size: 32\n    early_stopping: HPO(choice(3, 5))\n  }\n}\n',
    edits=[(441, "/* a\n note */")],
).via("discovered failure")
def test_mutated_files_keep_their_meaning(sample: str, edits: list[tuple[int, str]]):
    text = sample
    for pos, piece in edits:
        pos %= len(text) + 1
        text = text[:pos] + piece + text[pos:]
    try:
        format_source(text)
    except ValueError:
        return  # a syntax error: nothing to format
    assert_canonical(text)
