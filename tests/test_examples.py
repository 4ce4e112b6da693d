"""Every shipped example checks clean: no errors, and the search space is what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from neural_hpo.dsl.analysis import analyze

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.neural"))


def test_the_examples_are_there():
    names = {p.stem for p in EXAMPLES}
    assert {
        "seed_mlp",
        "mnist_cnn",
        "text_rnn",
        "tabular_mlp",
        "legacy_transformer",
        "two_networks",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_checks_without_errors(path: Path):
    analysis = analyze(path.read_text(), str(path))
    assert analysis.errors == [], analysis.errors
    assert analysis.file.networks
    for net in analysis.file.networks:
        assert len(analysis.spaces[net.name]) > 0


def test_two_networks_are_optimized_apart():
    analysis = analyze((EXAMPLES[0].parent / "two_networks.neural").read_text())
    assert list(analysis.spaces) == ["SmallCNN", "WideMLP"]


def test_tabular_has_named_and_conditional_parameters():
    analysis = analyze((EXAMPLES[0].parent / "tabular_mlp.neural").read_text())
    space = analysis.spaces["DigitsMLP"]
    assert "width" in space.names()
    assert any(p.parent is not None for p in space.params)


def test_legacy_example_uses_the_legacy_dialect():
    source = (EXAMPLES[0].parent / "legacy_transformer.neural").read_text()
    for marker in ("layers:", "train {", "execute {", "HPO(choice(", "define ", "* 2"):
        assert marker in source
    analysis = analyze(source)
    assert analysis.file.macros and analysis.file.macros[0].params
