"""Helpers for the end-to-end language server tests (``lsp/``, and the security and PostgreSQL
tests that start servers of their own): start the real server over stdio in a workspace folder,
open documents, wait for their diagnostics and lenses, write a study for it to read."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import warnings
from pathlib import Path

import optuna
from lsprotocol import types as T
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from neural_hpo.dsl.analysis import analyze
from neural_hpo.engine.optuna_space import distributions

ROOT = Path(__file__).resolve().parents[1]
SERVER = [sys.executable, "-m", "neural_hpo.cli", "lsp"]


def server_env() -> dict[str, str]:
    """The test's environment with the worktree and ``server/`` importable."""
    path = os.pathsep.join([str(ROOT), str(ROOT / "server"), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


async def start(
    workspace: Path,
    *,
    client: str = "visual-studio-code",
    settings: dict | None = None,
    init_options: dict | None = None,
) -> LanguageClient:
    """A client connected to a fresh server whose workspace folder is ``workspace``."""
    lc = make_test_lsp_client()
    lc.refreshes = {"codeLens": 0, "inlayHint": 0}
    lc.applied = []

    @lc.feature(T.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(ls, params) -> None:
        lc.refreshes["codeLens"] += 1

    @lc.feature(T.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_refresh(ls, params) -> None:
        lc.refreshes["inlayHint"] += 1

    @lc.feature(T.WORKSPACE_APPLY_EDIT)
    def apply_edit(ls, params: T.ApplyWorkspaceEditParams) -> T.ApplyWorkspaceEditResult:
        lc.applied.append(params.edit)
        return T.ApplyWorkspaceEditResult(applied=True)

    if settings is not None:
        lc.set_configuration({"neural": settings})
    await lc.start_io(*SERVER, env=server_env())
    caps = client_capabilities(client)
    uri = from_fs_path(str(workspace))
    await lc.initialize_session(
        T.InitializeParams(
            capabilities=caps,
            root_uri=uri,
            workspace_folders=[T.WorkspaceFolder(uri, workspace.name)],
            initialization_options=init_options,
        )
    )
    return lc


async def stop(lc: LanguageClient) -> None:
    await lc.shutdown_session()
    await lc.stop()


def uri_of(path: Path) -> str:
    return from_fs_path(str(path))


async def until(predicate, timeout: float = 10.0, what: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def lens_titles(lc: LanguageClient, uri: str) -> list[str]:
    """The titles of the code lenses of ``uri``."""
    lenses = await lc.text_document_code_lens_async(T.CodeLensParams(T.TextDocumentIdentifier(uri)))
    return [lens.command.title for lens in lenses]


async def until_lens(lc: LanguageClient, uri: str, prefix: str, timeout: float = 30.0) -> list[str]:
    """The lens titles of ``uri`` once one of them starts with ``prefix``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        titles = await lens_titles(lc, uri)
        if any(t.startswith(prefix) for t in titles):
            return titles
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no lens {prefix!r} in {titles}")
        await asyncio.sleep(0.2)


async def lens_command(lc, uri: str, title: str) -> T.Command:
    lenses = await lc.text_document_code_lens_async(T.CodeLensParams(T.TextDocumentIdentifier(uri)))
    return next(lens.command for lens in lenses if lens.command.title == title)


def open_doc(lc: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    """Open ``path`` (its text on disk unless ``text`` is given) and return its URI."""
    uri = uri_of(path)
    lc.diagnostics.pop(uri, None)
    content = path.read_text() if text is None else text
    lc.text_document_did_open(
        T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "neural", version, content))
    )
    return uri


async def diagnostics(lc: LanguageClient, uri: str, timeout: float = 10.0):
    """The diagnostics published for ``uri`` (waiting for the first publication)."""
    return await until(
        lambda: lc.diagnostics.get(uri) is not None and (lc.diagnostics[uri],),
        timeout,
        f"diagnostics of {uri}",
    )


def change(lc: LanguageClient, uri: str, version: int, rng: T.Range | None, text: str) -> None:
    ev = (
        T.TextDocumentContentChangePartial(range=rng, text=text)
        if rng is not None
        else T.TextDocumentContentChangeWholeDocument(text=text)
    )
    lc.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=version), [ev]
        )
    )


def pos(text: str, needle: str, delta: int = 0) -> T.Position:
    """The LSP position (UTF-16) of the first ``needle`` in ``text``, plus ``delta`` columns."""
    i = text.index(needle) + delta
    line = text.count("\n", 0, i)
    col_text = text[text.rfind("\n", 0, i) + 1 : i]
    return T.Position(line, len(col_text.encode("utf-16-le")) // 2)


def apply(text: str, edit: T.WorkspaceEdit) -> str:
    """Apply a single-document workspace edit to ``text`` (edits in reverse order)."""
    (doc_edit,) = edit.document_changes
    lines = text.splitlines(keepends=True)

    def offset(p: T.Position) -> int:
        line = lines[p.line] if p.line < len(lines) else ""
        units = line.encode("utf-16-le")[: 2 * p.character].decode("utf-16-le")
        return sum(len(x) for x in lines[: p.line]) + len(units)

    for e in sorted(
        doc_edit.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


def add_trials(url: str, n: int, seed: int = 0) -> optuna.Study:
    """A study of MyModel with what the server reads of the engine's studies (objective names,
    ``network`` and ``metric`` attributes); accuracy grows with units."""
    space = analyze(SEED).spaces["MyModel"]
    study = optuna.create_study(
        study_name="MyModel-1", storage=url, direction="maximize", load_if_exists=True
    )
    with warnings.catch_warnings():  # as the engine does: stable, still labelled experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["accuracy"])
    study.set_user_attr("network", "MyModel")
    study.set_user_attr("metric", "accuracy")
    rng = random.Random(seed + len(study.trials))
    dists = distributions(space)
    for _ in range(n):
        params = {name: _sample(d, rng) for name, d in dists.items()}
        value = 0.5 + params["dense_1.units"] / 1000 + rng.random() * 0.01
        study.add_trial(
            optuna.trial.create_trial(
                params=params, distributions=dists, value=value, user_attrs={"accuracy": value}
            )
        )
    return study


def _sample(d, rng: random.Random):
    if isinstance(d, optuna.distributions.CategoricalDistribution):
        return rng.choice(d.choices)
    if isinstance(d, optuna.distributions.FloatDistribution) and d.step:
        return round(d.low + d.step * rng.randint(0, round((d.high - d.low) / d.step)), 6)
    return rng.uniform(d.low, d.high) if not d.log else d.low * (d.high / d.low) ** rng.random()


SEED = """network MyModel {
    input: (28, 28, 1)
    Dense(units: hpo(categorical: [64, 128, 256])) -> relu
    Dropout(rate: hpo(range: [0.3, 0.7, step=0.1]))
    Dense(units: 10) -> softmax
    loss: cross_entropy
    optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2]))
    training: {
        batch_size: hpo(categorical: [16, 32, 64])
        epochs: 1
    }
}
"""
