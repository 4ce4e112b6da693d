"""The extension's bundled language server runs in a virtual environment that holds nothing
but the bundle (no neural-hpo, no torch, no pygls installed): squiggles and completion work, and
the Run HPO lens says the engine is missing and offers the install command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from editors_helpers import EXTENSION, run
from lsprotocol import types as T
from pygls.uris import from_fs_path
from pytest_lsp import client_capabilities, make_test_lsp_client

LAUNCHER = EXTENSION / "bundled" / "tool" / "server.py"


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv's python (no pip, no packages) and the bundle filled for it."""
    run([sys.executable, str(EXTENSION / "scripts" / "bundle_python.py")], timeout=300)
    folder = tmp_path_factory.mktemp("bare") / "venv"
    venv.create(folder, with_pip=False)
    return folder / "bin" / "python"


def _bare_env() -> dict[str, str]:
    """No PYTHONPATH: nothing of this checkout or of the test's environment is importable."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "NEURAL_HPO_OFFLINE")
    return {k: os.environ[k] for k in keep if k in os.environ}


def test_the_venv_has_nothing_installed(bare_python: Path) -> None:
    probe = "import importlib.util as u; print([m for m in ('lark', 'pygls', 'neural_hpo', 'torch') if u.find_spec(m)])"
    out = subprocess.run(
        [str(bare_python), "-c", probe],
        env=_bare_env(),
        cwd=bare_python.parent,  # not this checkout, whose neural_hpo -c would find
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


async def _session(bare_python: Path, workspace: Path) -> None:
    client = make_test_lsp_client()
    await client.start_io(str(bare_python), str(LAUNCHER), env=_bare_env(), cwd=str(workspace))
    uri = from_fs_path(str(workspace))
    await client.initialize_session(
        T.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=uri,
            workspace_folders=[T.WorkspaceFolder(uri, workspace.name)],
        )
    )
    doc = from_fs_path(str(workspace / "model.neural"))
    text = "network Net {\n    input: (8, 8, 1)\n    Dense(units: hpo(range: [4, 1]))\n    Dense(units: 10) -> softmax\n}\n"
    client.text_document_did_open(
        T.DidOpenTextDocumentParams(T.TextDocumentItem(doc, "neural", 1, text))
    )
    await asyncio.wait_for(client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    found = client.diagnostics[doc]
    assert any(d.range.start.line == 2 for d in found), found
    items = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(doc), T.Position(3, 5))
    )
    labels = {i.label for i in (items.items if hasattr(items, "items") else items)}
    assert "Dense" in labels and "Conv2D" in labels
    lenses = await client.text_document_code_lens_async(
        T.CodeLensParams(T.TextDocumentIdentifier(doc))
    )
    titles = [lens.command.title for lens in lenses if lens.command]
    assert any(
        "lacks neural-hpo, optuna, torch" in t and "pip install neural-hpo" in t for t in titles
    ), titles
    assert not any("Run HPO" in t for t in titles), titles
    assert not any("studies" in m.message for m in client.messages), client.messages
    await client.shutdown_session()


def test_bundled_server_checks_and_completes_in_a_bare_venv(
    bare_python: Path, tmp_path: Path
) -> None:
    import optuna

    (tmp_path / "model.neural").write_text("")
    (tmp_path / ".neural-hpo").mkdir()  # a study the bundle (no optuna) cannot read: no warning
    optuna.create_study(storage=f"sqlite:///{tmp_path / '.neural-hpo' / 'studies.db'}")
    asyncio.run(_session(bare_python, tmp_path))
