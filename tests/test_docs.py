"""The documentation keeps up with the code."""

from __future__ import annotations

from pathlib import Path

from neural_hpo.dsl.diagnostics import CODES

ROOT = Path(__file__).parent.parent


def test_every_diagnostic_code_is_documented() -> None:
    text = (ROOT / "docs" / "dsl.md").read_text()
    missing = [code for code in CODES if f"| {code} |" not in text]
    assert missing == []


def test_every_catalog_layer_is_documented() -> None:
    from neural_hpo.dsl.catalog import LAYERS

    text = (ROOT / "docs" / "dsl.md").read_text()
    for name in LAYERS:
        base = name.rstrip("123D") if name[-2:] in ("1D", "2D", "3D") else name
        assert base in text, name


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci in (ROOT / "README.md").read_text()
