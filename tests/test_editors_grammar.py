"""The TextMate grammar: syntax tests on both dialects, and every catalog name highlighted."""

from __future__ import annotations

import json
import re

import pytest
from editors_helpers import REPO, npm_ci, run

from neural_hpo.dsl.catalog import ACTIVATIONS, LAYERS, SETTINGS

GRAMMAR = REPO / "grammars" / "neural.tmLanguage.json"


def _rule(name: str, scope: str | None = None) -> re.Pattern[str]:
    """The regex of repository rule ``name`` (of its pattern with scope ``scope``)."""
    rule = json.loads(GRAMMAR.read_text())["repository"][name]
    if scope is not None:
        rule = next(p for p in rule["patterns"] if p["name"] == scope)
    return re.compile(rule["match"])


def test_syntax_tests_pass_on_both_dialects():
    tests = sorted((REPO / "grammars" / "tests").glob("*.neural"))
    assert {t.stem for t in tests} >= {"canonical", "legacy"}
    # from the repository root: the tool would otherwise load the grammar paths of package.json
    out = run([str(npm_ci() / "vscode-tmgrammar-test"), "-g", str(GRAMMAR), *map(str, tests)])
    assert out.count("run successfuly") == len(tests), out


def test_a_wrong_assertion_fails(tmp_path):
    case = tmp_path / "wrong.neural"
    case.write_text('// SYNTAX TEST "source.neural"\nnetwork N {}\n// <------- comment.line\n')
    with pytest.raises(AssertionError, match="missing required scopes"):
        run([str(npm_ci() / "vscode-tmgrammar-test"), "-g", str(GRAMMAR), str(case)])


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_catalog_layer_is_highlighted(layer):
    assert _rule("layers").fullmatch(layer)


def test_every_activation_is_highlighted_after_an_arrow():
    rule = _rule("activation")
    for name in ACTIVATIONS:
        match = rule.fullmatch(f"-> {name}")
        assert match and match.group(2) == name, name


def test_every_network_setting_is_a_keyword():
    rule = _rule("keywords", "keyword.other.setting.neural")
    for name in SETTINGS:
        match = rule.match(f"{name}: x")
        assert match and match.group(0) == name, name
