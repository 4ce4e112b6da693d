"""The VS Code extension type-checks, lints, bundles and packages to a .vsix, offline from npm."""

from __future__ import annotations

import json
import re
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


REPORT = """<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-abc'">
<style>body { color: red }</style></head><body>
<script nonce="abc">document.title = "inline";</script>
<script src="https://example.com/remote.js"></script>
</body></html>"""


def test_report_webview_gets_one_strict_policy_and_a_nonce_on_inline_scripts(tmp_path):
    bundle = tmp_path / "csp.mjs"
    esbuild = str(npm_ci() / "esbuild")
    run(
        [
            esbuild,
            "src/csp.ts",
            "--bundle",
            "--platform=node",
            "--format=esm",
            f"--outfile={bundle}",
        ],
        cwd=EXTENSION,
    )
    script = f"import {{ withCsp }} from {json.dumps(str(bundle))}; process.stdout.write(withCsp(process.argv[1]));"
    html = run(["node", "--input-type=module", "-e", script, REPORT])
    policies = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    (policy,) = policies
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    assert policy.startswith("default-src 'none'; img-src data:; style-src 'unsafe-inline'; ")
    assert f'<script nonce="{nonce}">document.title' in html
    assert 'nonce="abc"' not in html
    assert '<script src="https://example.com/remote.js">' in html
