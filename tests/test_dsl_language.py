"""The language of ../shared/DSL.md: every construct parses, and means what the tables say."""

from __future__ import annotations

import pytest
from corpus import CANONICAL, LEGACY, SEED, wrap

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.model import HpoSpec, Ident, Literal, TupleValue
from neural_hpo.dsl.space.build import build_search_space


def _space(src: str):
    analysis = analyze(src)
    assert analysis.errors == [], [(d.code, d.message) for d in analysis.errors]
    (space,) = analysis.spaces.values()
    return space


def _rows(space) -> list[tuple]:
    return [(p.name, p.kind, p.choices, p.low, p.high, p.step, p.log, p.parent) for p in space]


def test_seed_example_space() -> None:
    space = _space(SEED)
    assert [(p.name, p.describe()) for p in space] == [
        ("dense_1.units", "categorical: 64, 128, 256"),
        ("dropout_1.rate", "float uniform in [0.3, 0.7] step 0.1"),
        ("optimizer.learning_rate", "float log-uniform in [0.0001, 0.01]"),
        ("training.batch_size", "categorical: 16, 32, 64"),
    ]


# ---- every row of the hpo table ------------------------------------------------------------------

HPO_ROWS = [
    ("hpo(categorical: [64, 128])", "categorical", (64, 128), None, None, None, False),
    ("hpo(choice: [64, 128])", "categorical", (64, 128), None, None, None, False),
    ("hpo(categorical: [relu, tanh])", "categorical", ("relu", "tanh"), None, None, None, False),
    ('hpo(categorical: ["a", "b"])', "categorical", ("a", "b"), None, None, None, False),
    ("hpo(categorical: [true, false])", "categorical", (True, False), None, None, None, False),
    ("hpo(range: [16, 64])", "int", (), 16, 64, None, False),
    ("hpo(range: [0.1, 0.5])", "float", (), 0.1, 0.5, None, False),
    ("hpo(range: [16, 64, step=16])", "int", (), 16, 64, 16, False),
    ("hpo(range: [16, 64, step: 16])", "int", (), 16, 64, 16, False),
    ("hpo(range: [16, 70, step=16])", "int", (), 16, 64, 16, False),
    ("hpo(range: [0.3, 0.7, step=0.1])", "float", (), 0.3, 0.7, 0.1, False),
    ("hpo(log_range: [1e-4, 1e-2])", "float", (), 1e-4, 1e-2, None, True),
    ("hpo(log_range: [8, 512])", "int", (), 8, 512, None, True),
]


@pytest.mark.parametrize(
    "expr,kind,choices,low,high,step,log", HPO_ROWS, ids=[r[0] for r in HPO_ROWS]
)
def test_hpo_table_row(expr, kind, choices, low, high, step, log) -> None:
    from neural_hpo.dsl.parser import parse

    net = parse(wrap(f"Dense(units: 10)\nloss: mse\ntraining: {{ x: {expr} }}")).file.networks[0]
    item = net.training("x")
    assert isinstance(item.value, HpoSpec)
    (p,) = build_search_space(net).params
    assert (p.kind, p.choices, p.low, p.high, p.step, p.log) == (
        kind,
        choices,
        low,
        high,
        step,
        log,
    )
    assert p.name == "training.x"


def test_optional_name_gives_a_stable_name() -> None:
    space = _space(
        wrap('Dense(units: hpo(categorical: [32, 64], name: "width"))\nOutput(units: 10)')
    )
    assert space.names() == ["width"]


def test_names_are_stable_when_unrelated_lines_change() -> None:
    a = _space(wrap("Dense(units: hpo(categorical: [32, 64]))\nOutput(units: 10)"))
    b = _space(
        wrap(
            "Conv2D(filters: 8, kernel_size: 3)\nFlatten()\nDropout(rate: 0.1)\n"
            "Dense(units: hpo(categorical: [32, 64]))\nOutput(units: 10)"
        )
    )
    assert a.names() == b.names() == ["dense_1.units"]


@pytest.mark.parametrize(
    "body,name",
    [
        (
            "Dense(units: 64) -> hpo(categorical: [relu, tanh])\nOutput(units: 10)",
            "dense_1.activation",
        ),
        ("Dense(units: 10)\noptimizer: hpo(categorical: [adam, sgd])", "optimizer"),
        ("Dense(units: 10)\nloss: hpo(categorical: [cross_entropy, nll])", "loss"),
        ("Dense(units: 10)\ntraining: { epochs: hpo(range: [1, 5]) }", "training.epochs"),
        ("Dense(hpo(categorical: [8, 16]))\nOutput(units: 10)", "dense_1.units"),
        (
            "Conv2D(filters: 4, kernel_size: (hpo(categorical: [3, 5]), 3))\nFlatten()\nOutput(units: 10)",
            "conv2d_1.kernel_size.0",
        ),
        ("Dense(units: hpo(range: [8, 16])) * 3\nOutput(units: 10)", "dense_1.units"),
    ],
)
def test_hpo_wherever_a_value_may_stand(body: str, name: str) -> None:
    assert _space(wrap(body)).names() == [name]


def test_categorical_of_tuples() -> None:
    space = _space(
        wrap(
            "Conv2D(filters: 4, kernel_size: hpo(categorical: [(3, 3), (5, 5)]))\nFlatten()\nOutput(units: 10)"
        )
    )
    assert space.params[0].choices == ("(3, 3)", "(5, 5)")


def test_values_of_every_kind() -> None:
    src = wrap(
        'Dense(units: 64, activation: "relu", use_bias: false)\nReshape(target_shape: (8, -1))\n'
        "Flatten()\nOutput(units: 10)",
        input_shape="(None, 16)",
    )
    net = analyze(src).file.networks[0]
    dense = net.layers[0]
    assert [type(a.value) for a in dense.args] == [Literal, Literal, Literal]
    assert dense.args[2].value.value is False
    assert isinstance(net.setting("input").value, TupleValue)
    assert net.setting("input").value.items[0].value is None
    assert net.layers[1].args[0].value.items[1].value == -1


def test_separators_and_whitespace_are_flexible() -> None:
    tight = "network N{input:(8,8,1),Dense(units:hpo(range:[1,4,step=1]))->relu,Output(units:10)}"
    loose = "network N {\n input : ( 8 , 8 , 1 )\n Dense ( units = hpo ( range : [ 1 , 4 , step = 1 ] ) ) -> relu\n Output(units: 10)\n}"
    assert _rows(_space(tight)) == _rows(_space(loose))


def test_comments_both_styles() -> None:
    src = "# top\nnetwork N { // body\n input: (4,) # shape\n Output(units: 2)\n}\n"
    analysis = analyze(src)
    assert analysis.errors == []
    assert [c for _, c in analysis.file.comments] == ["# top", "// body", "# shape"]


def test_several_networks_each_with_a_space() -> None:
    src = wrap("Dense(units: hpo(categorical: [1, 2]))\nOutput(units: 3)", name="A") + wrap(
        "Dense(units: hpo(range: [1, 9]))\nOutput(units: 3)", name="B"
    )
    analysis = analyze(src)
    assert list(analysis.spaces) == ["A", "B"]
    assert analysis.spaces["B"].params[0].kind == "int"


# ---- legacy dialect --------------------------------------------------------------------------------


def test_legacy_and_canonical_give_equal_search_spaces() -> None:
    legacy, canonical = _space(LEGACY), _space(CANONICAL)
    assert _rows(legacy) == _rows(canonical)
    assert legacy.signature() == canonical.signature()


@pytest.mark.parametrize(
    "legacy,canonical",
    [
        ("HPO(choice(8, 16))", "hpo(categorical: [8, 16])"),
        ("HPO(categorical(8, 16))", "hpo(choice: [8, 16])"),
        ("HPO(range(8, 16, step=4))", "hpo(range: [8, 16, step=4])"),
        ("HPO(range(8, 16))", "hpo(range: [8, 16])"),
        ("HPO(log_range(8, 64))", "hpo(log_range: [8, 64])"),
    ],
)
def test_legacy_hpo_forms(legacy: str, canonical: str) -> None:
    a = _space(wrap(f"Dense(units={legacy})\nOutput(units=10)"))
    b = _space(wrap(f"Dense(units: {canonical})\nOutput(units: 10)"))
    assert _rows(a) == _rows(b)


def test_nested_hpo_is_a_conditional_parameter() -> None:
    space = _space(wrap("Dense(HPO(choice(HPO(range(16, 64, step=16)), 5)))\nOutput(units=10)"))
    parent, child = space.params
    assert parent.choices == ("dense_1.units[0]", 5)
    assert child.name == "dense_1.units[0]" and child.parent == (
        "dense_1.units",
        "dense_1.units[0]",
    )
    assert space.size() == 4 + 1


def test_legacy_layer_argument_forms() -> None:
    a = analyze(wrap('Dense(128, "relu")\nOutput(units=10, activation="softmax")'))
    b = analyze(wrap("Dense(units=128, activation=relu)\nOutput(10)"))
    assert a.errors == b.errors == []


def test_repetition_device_and_sublayers() -> None:
    src = wrap(
        'Dense(64) * 3\nDense(16) @ "cuda:0"\nReshape(target_shape: (4, 4))\n'
        "TransformerEncoder(num_heads=4) { Dense(4) } * 2\nFlatten()\nOutput(units=10)",
        input_shape="(16,)",
    )
    analysis = analyze(src)
    assert [d.code for d in analysis.diagnostics] == ["W505"]
    net = analysis.file.networks[0]
    assert net.layers[0].repeat.value == 3
    assert net.layers[1].device.value == "cuda:0"
    assert [s.name for s in net.layers[3].sublayers] == ["Dense"]


def test_macro_without_params_and_origin_spans() -> None:
    src = "define Head { Dense(32) Dropout(0.1) }\n" + wrap("Head\nHead\nOutput(units=10)")
    analysis = analyze(src)
    assert analysis.errors == []
    net = analysis.file.networks[0]
    assert [layer.name for layer in net.layers] == [
        "Dense",
        "Dropout",
        "Dense",
        "Dropout",
        "Output",
    ]
    assert net.layers[0].origin.line == 3 and net.layers[2].origin.line == 4
    assert net.layers[0].span.line == 0  # the argument spans point into the definition


def test_macro_hpo_gives_fresh_parameters_per_use() -> None:
    src = "define Block { Dense(hpo(categorical: [8, 16])) }\n" + wrap(
        "Block\nBlock\nOutput(units=10)"
    )
    assert _space(src).names() == ["dense_1.units", "dense_2.units"]


@pytest.mark.parametrize(
    "method,sampler",
    [("bayesian", "tpe"), ("random", "random"), ("grid", "grid"), ("evolutionary", "cmaes")],
)
def test_search_method_maps_to_a_sampler(method: str, sampler: str) -> None:
    from neural_hpo.dsl.training import resolve_sampler

    net = analyze(wrap(f'Dense(units=10)\ntrain {{ search_method: "{method}" }}')).file.networks[0]
    assert resolve_sampler(net) == sampler


def test_optimizer_alone_and_as_string() -> None:
    for opt in ("adam", '"adam"', "Adam(learning_rate=0.001)", "sgd(lr: 0.1, momentum: 0.9)"):
        assert analyze(wrap(f"Output(units=10)\noptimizer: {opt}")).errors == []


def test_idents_become_bools_and_none() -> None:
    net = analyze(
        wrap(
            "LSTM(units: 8, return_sequences: true)\nFlatten()\nOutput(units: 2)",
            input_shape="(5, 3)",
        )
    ).file.networks[0]
    assert net.layers[0].args[1].value == Literal(True, net.layers[0].args[1].value.span)
    assert isinstance(net.layers[0].args[0].value, Literal)
    assert not isinstance(net.layers[0].args[1].value, Ident)
