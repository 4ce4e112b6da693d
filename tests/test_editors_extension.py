"""The VS Code extension type-checks, lints, bundles and packages to a .vsix, offline from npm."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile

from editors_helpers import EXTENSION, REPO, npm_ci, run, vsix

from neural_hpo.dsl.catalog import SAMPLERS


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
        "extension/bundled/tool/server.py",
        "extension/bundled/libs/pygls/__init__.py",
        "extension/bundled/libs/lark/__init__.py",
        "extension/bundled/libs/lsprotocol/types.py",
        "extension/bundled/libs/neural_hpo/dsl/analysis.py",
        "extension/bundled/libs/neural_hpo/grammars/neural.lark",
        "extension/bundled/libs/neural_hpo_server/server.py",
        "extension/LICENSE.txt",
        "extension/changelog.md",
        "extension/images/icon.png",
    } <= names
    assert not any("node_modules" in n or n.endswith((".ts", ".pyc", ".so")) for n in names)
    assert not any(n.startswith("extension/bundled/libs/torch") for n in names)
    assert grammar == (REPO / "grammars" / "neural.tmLanguage.json").read_bytes()
    assert manifest["capabilities"]["untrustedWorkspaces"]["supported"] == "limited"
    assert manifest["icon"] == "images/icon.png" and manifest["license"] == "MIT"
    assert manifest["repository"]["url"] and manifest["bugs"]["url"] and manifest["homepage"]
    (language,) = manifest["contributes"]["languages"]
    assert language["extensions"] == [".neural", ".ndsl"]


#: settings only the extension reads (how it starts the server)
CLIENT_SETTINGS = {"neural.importStrategy"}


def test_settings_are_the_ones_the_server_reads():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    settings = set(manifest["contributes"]["configuration"]["properties"]) - CLIENT_SETTINGS
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


def test_vsce_package_alone_succeeds_in_a_clean_copy(tmp_path):
    """What a fresh clone holds (tracked files, no dist/, no bundle, no copied LICENSE), then
    ``vsce package`` alone: ``vscode:prepublish`` builds everything the .vsix needs."""
    npm_ci()
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wanted = ("vscode-extension/", "neural_hpo/", "server/", "grammars/", "LICENSE")
    for name in listed:
        if name.startswith(wanted) and (REPO / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tmp_path / name)
    copy = tmp_path / "vscode-extension"
    assert not (copy / "dist").exists() and not (copy / "bundled" / "libs").exists()
    os.symlink(EXTENSION / "node_modules", copy / "node_modules")
    vsce = str(EXTENSION / "node_modules" / ".bin" / "vsce")
    run([vsce, "package", "--no-dependencies", "-o", "clean.vsix"], cwd=copy)
    with zipfile.ZipFile(copy / "clean.vsix") as archive:
        names = set(archive.namelist())
    assert {"extension/dist/extension.js", "extension/LICENSE.txt"} <= names
    assert "extension/bundled/libs/neural_hpo_server/server.py" in names
