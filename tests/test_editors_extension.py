"""The VS Code extension type-checks, lints, bundles and packages to a .vsix, offline from npm."""

from __future__ import annotations

import json
import zipfile

from neural_hpo.dsl.catalog import SAMPLERS
from tests.editors_helpers import EXTENSION, REPO, npm_ci, run, vsix


def test_typecheck_and_lint():
    npm_ci()
    run(["npm", "run", "typecheck"], cwd=EXTENSION)
    run(["npm", "run", "lint"], cwd=EXTENSION)


def test_vsix_ships_the_bundle_the_grammar_and_the_language():
    with zipfile.ZipFile(vsix()) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("extension/package.json"))
        grammar = archive.read("extension/syntaxes/neural.tmLanguage.json")
    assert {
        "extension/dist/extension.js",
        "extension/language-configuration.json",
        "extension/snippets/neural.json",
    } <= names
    assert not any("node_modules" in n or n.endswith(".ts") for n in names)
    assert grammar == (REPO / "grammars" / "neural.tmLanguage.json").read_bytes()
    assert manifest["capabilities"]["untrustedWorkspaces"]["supported"] == "limited"
    (language,) = manifest["contributes"]["languages"]
    assert language["extensions"] == [".neural", ".ndsl"]


def test_settings_are_the_ones_the_server_reads():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    settings = set(manifest["contributes"]["configuration"]["properties"])
    assert settings == {
        "neural.python",
        "neural.storagePath",
        "neural.defaultTrials",
        "neural.sampler",
        "neural.rayAddress",
    }
    assert manifest["contributes"]["configuration"]["properties"]["neural.sampler"]["enum"] == list(
        SAMPLERS
    )
