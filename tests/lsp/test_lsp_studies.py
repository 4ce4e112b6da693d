"""What the editor shows from a stored study of 20 synthetic trials (cheaper than the engine for
what needs many trials): status lens and its refresh when trials are added outside the server,
hover with the best value, inlay hints, "fix to best value" and "narrow range" code actions
applied as workspace edits, applyBestValues. ``test_lsp_real_study`` covers a study the engine
wrote, importance included."""

from __future__ import annotations

import optuna
import pytest
from lsp_support import SEED, add_trials, apply, diagnostics, open_doc, pos, until_lens
from lsprotocol import types as T

from neural_hpo.dsl.analysis import analyze

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("studies")
    (ws / "seed.neural").write_text(SEED)
    (ws / ".neural-hpo").mkdir()
    add_trials(f"sqlite:///{ws / '.neural-hpo' / 'studies.db'}", 20)
    return ws


async def test_status_lens_hover_and_hints(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    titles = await until_lens(client, uri, "20 trials · best accuracy")
    assert "Open report" in titles
    best = optuna.load_study(
        study_name="MyModel-1", storage=f"sqlite:///{workspace / '.neural-hpo' / 'studies.db'}"
    ).best_trial
    hover = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), pos(SEED, "hpo(categorical: [64", 1))
    )
    assert "dense_1.units" in hover.contents.value
    assert f"best value: `{best.params['dense_1.units']}`" in hover.contents.value
    assert "20 complete trials" in hover.contents.value
    hints = await client.text_document_inlay_hint_async(
        T.InlayHintParams(
            T.TextDocumentIdentifier(uri), T.Range(T.Position(0, 0), T.Position(20, 0))
        )
    )
    assert f"best: {best.params['dense_1.units']}" in [h.label for h in hints]


async def test_fix_and_narrow_code_actions(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    await until_lens(client, uri, "20 trials")
    td = T.TextDocumentIdentifier(uri)
    at_units = T.Range(pos(SEED, "hpo(categorical: [64"), pos(SEED, "hpo(categorical: [64"))
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(td, at_units, T.CodeActionContext(diagnostics=[]))
    )
    fix = next(a for a in actions if a.title.startswith("Fix dense_1.units to its best value"))
    fixed = apply(SEED, fix.edit)
    value = fix.title.rsplit(" ", 1)[1]
    assert f"Dense(units: {value}) -> relu" in fixed
    assert analyze(fixed).errors == []
    at_lr = T.Range(pos(SEED, "hpo(log_range"), pos(SEED, "hpo(log_range"))
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(td, at_lr, T.CodeActionContext(diagnostics=[]))
    )
    narrow = next(a for a in actions if a.title.startswith("Narrow optimizer.learning_rate"))
    narrowed = apply(SEED, narrow.edit)
    space = analyze(narrowed).spaces["MyModel"]
    lr = space.param("optimizer.learning_rate")
    assert 1e-4 <= lr.low < lr.high <= 1e-2 and lr.log


async def test_apply_best_values_command(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    await until_lens(client, uri, "20 trials")
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams("neural.applyBestValues", [uri, "MyModel"])
    )
    assert result == {"applied": True, "edits": 4}
    fixed = apply(SEED, client.applied[-1])
    assert "hpo(" not in fixed and analyze(fixed).errors == []


async def test_status_lens_refreshes_when_the_cli_adds_trials(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    before = client.refreshes["codeLens"]
    add_trials(f"sqlite:///{workspace / '.neural-hpo' / 'studies.db'}", 3, seed=1)
    await until_lens(client, uri, "23 trials", timeout=30)
    assert client.refreshes["codeLens"] > before
