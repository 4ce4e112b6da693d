"""The language part loads without the heavy stack, so the language server starts fast."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "optuna", "ray", "sklearn", "matplotlib")


def test_language_modules_import_nothing_heavy() -> None:
    code = (
        "import sys, neural_hpo\n"
        "from neural_hpo.dsl.analysis import analyze\n"
        "import neural_hpo.dsl.catalog, neural_hpo.dsl.intervals, neural_hpo.dsl.space.build\n"
        "import neural_hpo.dsl.space.materialize, neural_hpo.dsl.space.model\n"
        "analyze(open(sys.argv[1]).read())\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    source = "tests/data/import_probe.neural"
    out = subprocess.run(
        [sys.executable, "-c", code, source], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"heavy modules loaded: {out.stdout}"


def test_grammar_ships_inside_the_package() -> None:
    from importlib import resources

    text = resources.files("neural_hpo").joinpath("grammars/neural.lark").read_text()
    assert "network" in text and "hpo" in text
