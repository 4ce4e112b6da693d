"""Test data that several test files share: DSL sources, snippets and the helpers that build
them. Tests import it (``from corpus import SEED, wrap``); no test file imports another's data."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def wrap(body: str, name: str = "Net", input_shape: str = "(28, 28, 1)") -> str:
    """A network around ``body`` lines, with an input shape unless the body has one."""
    lines = [f"network {name} {{"]
    if "input:" not in body:
        lines.append(f"    input: {input_shape}")
    lines += ["    " + line for line in body.strip().splitlines()]
    lines.append("}")
    return "\n".join(lines) + "\n"


def span_tuple(source: str, needle: str, occurrence: int = 0) -> tuple[int, int, int, int]:
    """0-based (line, col, end_line, end_col) of the ``occurrence``-th ``needle`` in ``source``."""
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(needle, start + 1)
    end = start + len(needle)
    line = source.count("\n", 0, start)
    col = start - (source.rfind("\n", 0, start) + 1)
    end_line = source.count("\n", 0, end)
    end_col = end - (source.rfind("\n", 0, end) + 1)
    return (line, col, end_line, end_col)


# ---- DSL sources ---------------------------------------------------------------------------------

#: the seed README's "Basic Bayesian Optimization" network
SEED = (EXAMPLES / "seed_mlp.neural").read_text()

#: the seed network in the legacy dialect, and its canonical form (equal search spaces)
LEGACY = """
define Block(width, rate) {
    Dense(units=$width, activation="relu")
    Dropout($rate)
}
network MyModel {
    input: (28, 28, 1)
    layers:
        Block(width=HPO(choice(64, 128, 256)), rate=HPO(range(0.3, 0.7, step=0.1)))
        Output(units=10, activation="softmax")
    loss: "sparse_categorical_crossentropy"
    optimizer: Adam(learning_rate=HPO(log_range(1e-4, 1e-2)))
    metrics: ["accuracy"]
    train {
        epochs: 10
        batch_size: HPO(categorical(16, 32, 64))
        search_method: "bayesian"
    }
    execute { device: "auto" }
}
"""

CANONICAL = """
network MyModel {
    input: (28, 28, 1)
    Dense(units: hpo(categorical: [64, 128, 256])) -> relu
    Dropout(rate: hpo(range: [0.3, 0.7, step=0.1]))
    Output(units: 10) -> softmax
    loss: sparse_categorical_crossentropy
    optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2]))
    metrics: [accuracy]
    training: {
        epochs: 10
        batch_size: hpo(categorical: [16, 32, 64])
        search_method: bayesian
    }
    execution: { device: auto }
}
"""

#: the DSL samples the fuzzers mutate: the three above and every example
SAMPLES = [SEED, LEGACY, CANONICAL] + [p.read_text() for p in sorted(EXAMPLES.glob("*.neural"))]

#: tokens the fuzzers build text from
TOKENS = [
    "network",
    "define",
    "layers",
    ":",
    "training",
    "train",
    "execute",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    "->",
    "*",
    "@",
    "hpo",
    "HPO",
    "Dense",
    "Conv2D",
    "units",
    "relu",
    "categorical",
    "range",
    "log_range",
    "step",
    "$a",
    "1",
    "-2.5e3",
    '"s"',
    "None",
    "\n",
    " ",
    "# c\n",
    "//c\n",
    "%",
    "\u00e9",
    "\ud7ff",
]

# ---- invalid snippets ----------------------------------------------------------------------------

# (name, network body, expected code, text the diagnostic's range must cover, which occurrence)
INVALID = [
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

# ---- the torch builder ---------------------------------------------------------------------------

#: for each catalog layer: layer line and an input shape it accepts
EVERY_LAYER = {
    "Dense": ("Dense(8) -> relu", "(4,)"),
    "Output": ("Output(3)", "(4,)"),
    "Conv1D": ("Conv1D(4, 3)", "(10, 2)"),
    "Conv2D": ("Conv2D(4, (3, 3), padding: same)", "(8, 8, 1)"),
    "Conv3D": ("Conv3D(2, 2)", "(4, 4, 4, 1)"),
    "DepthwiseConv2D": ("DepthwiseConv2D(3, depth_multiplier: 2)", "(6, 6, 2)"),
    "SeparableConv2D": ("SeparableConv2D(4, 3, padding: same)", "(6, 6, 2)"),
    "MaxPooling1D": ("MaxPooling1D(2)", "(8, 2)"),
    "MaxPooling2D": ("MaxPooling2D((2, 2))", "(8, 8, 1)"),
    "AveragePooling1D": ("AveragePooling1D(2)", "(8, 2)"),
    "AveragePooling2D": ("AveragePooling2D(2)", "(8, 8, 1)"),
    "GlobalAveragePooling1D": ("GlobalAveragePooling1D()", "(8, 2)"),
    "GlobalAveragePooling2D": ("GlobalAveragePooling2D()", "(8, 8, 3)"),
    "Flatten": ("Flatten()", "(2, 3)"),
    "Dropout": ("Dropout(0.5)", "(4,)"),
    "BatchNormalization": ("BatchNormalization()", "(8, 8, 3)"),
    "LayerNormalization": ("LayerNormalization()", "(5, 6)"),
    "Embedding": ("Embedding(input_dim: 50, output_dim: 8)", "(7,)"),
    "PositionalEncoding": ("PositionalEncoding(max_len: 9)", "(7, 6)"),
    "LSTM": ("LSTM(8, return_sequences: true, num_layers: 2, bidirectional: true)", "(5, 3)"),
    "GRU": ("GRU(8)", "(5, 3)"),
    "Activation": ("Activation(tanh)", "(4,)"),
    "Reshape": ("Reshape((2, 2))", "(4,)"),
    "MultiHeadAttention": ("MultiHeadAttention(num_heads: 2)", "(5, 8)"),
    "TransformerEncoder": ("TransformerEncoder(num_heads: 2, ff_dim: 16)", "(5, 8)"),
    "ResidualConnection": ("ResidualConnection { Dense(4) -> relu }", "(4,)"),
}
