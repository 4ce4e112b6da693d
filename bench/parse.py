"""Parse+check speed of ``.neural`` files against lark's own LALR JSON parser on input of the
same size, so the figure means something on any machine.

    python bench/parse.py [--repeats N] [--profile]

Target: parse+check (``analyze``) of a 1,000-line file under 50 ms (median).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lark import Lark

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.parser import _lark, parse

TARGET_MS = 50.0

#: the classic lark JSON example grammar
JSON_GRAMMAR = r"""
?start: value
?value: object
      | array
      | string
      | SIGNED_NUMBER      -> number
      | "true"             -> true
      | "false"            -> false
      | "null"             -> null
array  : "[" [value ("," value)*] "]"
object : "{" [pair ("," pair)*] "}"
pair   : string ":" value
string : ESCAPED_STRING
%import common.ESCAPED_STRING
%import common.SIGNED_NUMBER
%import common.WS
%ignore WS
"""

CANONICAL = """\
# candidate {i}
network Cnn{i} {{
    input: (28, 28, 1)

    Conv2D(filters: hpo(categorical: [16, 32, 64]), kernel_size: (3, 3), padding: "same") -> relu
    BatchNormalization()
    MaxPooling2D(pool_size: (2, 2))
    Conv2D(filters: hpo(categorical: [32, 64]), kernel_size: hpo(categorical: [3, 5])) -> relu
    MaxPooling2D(pool_size: (2, 2))
    Flatten()
{dense}
    Dropout(rate: hpo(range: [0.1, 0.5, step=0.1]))
    Dense(units: 10) -> softmax

    loss: cross_entropy
    optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2]))
    training: {{
        batch_size: hpo(categorical: [16, 32, 64])
        epochs: 10
    }}
}}
"""

LEGACY = """\
define Block{i}(w, r) {{
  Dense(units=$w, activation="relu")
  Dropout(rate=$r)
}}
network Legacy{i} {{
  input: (64,)
  layers:
{dense}
    Block{i}(w=HPO(choice(64, 128, 256)), r=0.2)
    Block{i}(w=32, r=HPO(range(0.1, 0.3, step=0.1)))
    Output(units=10, activation="softmax")
  loss: "sparse_categorical_crossentropy"
  optimizer: Adam(learning_rate=HPO(log_range(1e-4, 1e-2)))
  train {{
    epochs: 10
    batch_size: HPO(choice(16, 32))
  }}
}}
"""

DENSE = {
    CANONICAL: "    Dense(units: hpo(range: [32, 256, step=32])) -> relu",
    LEGACY: '    Dense(HPO(choice(64, 128)), activation="relu")',
}


def neural_source(n_lines: int) -> str:
    """A file of exactly ``n_lines`` lines: networks alternating canonical and legacy dialect,
    the last one padded with Dense layers."""
    parts: list[str] = []
    used, i = 0, 0
    while True:
        template = CANONICAL if i % 2 == 0 else LEGACY
        base = template.format(i=i, dense=DENSE[template]).count("\n")
        if n_lines - used < 2 * base:
            extra = n_lines - used - base
            parts.append(template.format(i=i, dense="\n".join([DENSE[template]] * (extra + 1))))
            return "".join(parts)
        parts.append(template.format(i=i, dense=DENSE[template]))
        used += base
        i += 1


def json_source(n_bytes: int) -> str:
    """A JSON document of ``n_bytes`` bytes (give or take a few): layer descriptions."""
    items: list[str] = []
    size, i = 2, 0
    while size < n_bytes:
        item = json.dumps(
            {
                "type": "Dense",
                "units": [32, 64, 128][i % 3],
                "activation": "relu",
                "dropout": 0.25,
                "trainable": True,
                "name": f"dense_{i}",
            }
        )
        items.append(item)
        size += len(item) + 2
        i += 1
    return "[" + ",\n".join(items) + "]"


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median CPU time of this process in ms: on a shared machine, other processes' load does
    not count (on an idle one it equals wall time: parsing is single-threaded)."""
    fn()  # warm: grammar construction, imports
    times = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        times.append((time.process_time() - t) * 1000)
    return statistics.median(times)


def median_wall_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--profile", action="store_true", help="cProfile analyze() on 1,000 lines")
    args = ap.parse_args(argv)

    json_parser = Lark(JSON_GRAMMAR, parser="lalr")
    rows = []
    for n in (1000, 5000):
        source = neural_source(n)
        assert not analyze(source).errors, analyze(source).errors[:3]
        doc = json_source(len(source.encode()))
        json_parser.parse(doc)
        check_ms = median_ms(lambda s=source: analyze(s), args.repeats)
        wall_ms = median_wall_ms(lambda s=source: analyze(s), args.repeats)
        tree_ms = median_ms(lambda s=source: _lark().parse(s), args.repeats)
        parse_ms = median_ms(lambda s=source: parse(s), args.repeats)
        json_ms = median_ms(lambda d=doc: json_parser.parse(d), args.repeats)
        rows.append(
            (n, len(source.encode()), tree_ms, parse_ms, check_ms, wall_ms, len(doc), json_ms)
        )

    print(
        f"median CPU time of {args.repeats} runs (wall: wall-clock), Python {sys.version.split()[0]}"
    )
    print("lark tree: the grammar alone; parse: + model and macros; parse+check: analyze()")
    head = ("lines", "bytes", "lark tree", "parse", "parse+check", "wall", "json", "ratio")
    print("{:>6} {:>8} {:>10} {:>8} {:>12} {:>8} {:>8} {:>6}".format(*head))
    for n, nbytes, tree_ms, parse_ms, check_ms, wall_ms, _, json_ms in rows:
        print(
            f"{n:>6} {nbytes:>8} {tree_ms:>8.1f}ms {parse_ms:>6.1f}ms {check_ms:>10.1f}ms "
            f"{wall_ms:>6.1f}ms {json_ms:>6.1f}ms {check_ms / json_ms:>6.2f}"
        )
    print("json: lark's LALR JSON parser on a document of the same size in bytes (±100)")
    print("ratio: parse+check time over the JSON time")
    met = rows[0][4] < TARGET_MS  # CPU time of parse+check, 1,000 lines
    print(f"target: 1,000 lines under {TARGET_MS:.0f} ms: {'met' if met else 'MISSED'}")
    if args.profile:
        source = neural_source(1000)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5):
            analyze(source)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
