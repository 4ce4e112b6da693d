"""What the editor shows from a study the real engine wrote (5 trials on digits, 1 epoch, the
engine's default storage and study name): hover with importance ± std, method, trial count,
confidence and the best value; inlay hints with the best values; "Fix to its best value" applied
as a workspace edit, after which the file still checks clean."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import optuna
import pytest
from lsp_support import (
    apply,
    change,
    diagnostics,
    open_doc,
    pos,
    server_env,
    until_lens,
)
from lsprotocol import types as T

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.lexicon import value_text
from neural_hpo.importance import DEFAULT_METHOD, cached_importance

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]
N_TRIALS = 5
NET = """network Digits {
    input: (8, 8, 1)
    Conv2D(filters: hpo(categorical: [4, 8]), kernel_size: 3) -> relu
    Flatten()
    Dense(units: hpo(categorical: [16, 32])) -> relu
    Output(units: 10)
    optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2]))
}
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace whose default storage holds the engine's study of ``Digits``."""
    ws = tmp_path_factory.mktemp("real_study")
    (ws / "net.neural").write_text(NET)
    argv = [sys.executable, "-m", "neural_hpo.cli", "run", "net.neural", "--trials", str(N_TRIALS)]
    argv += ["--epochs", "1", "--dataset", "digits", "--seed", "0"]
    done = subprocess.run(
        argv, cwd=ws, env=server_env(), capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return ws


def stored_study(workspace) -> optuna.Study:
    url = f"sqlite:///{workspace / '.neural-hpo' / 'studies.db'}"
    (name,) = optuna.get_all_study_names(url)
    return optuna.load_study(study_name=name, storage=url)


async def test_hover_shows_importance_and_best_value(client, workspace) -> None:
    uri = open_doc(client, workspace / "net.neural")
    await diagnostics(client, uri)
    at = T.HoverParams(T.TextDocumentIdentifier(uri), pos(NET, "hpo(categorical: [16", 1))
    text = ""
    deadline = asyncio.get_running_loop().time() + 60
    while "±" not in text:  # the server computes and caches the importance in the background
        assert asyncio.get_running_loop().time() < deadline, f"no importance in {text!r}"
        await asyncio.sleep(0.2)
        text = (await client.text_document_hover_async(at)).contents.value
    study = stored_study(workspace)
    best = study.best_trial
    result = cached_importance(study, "accuracy", DEFAULT_METHOD)
    imp, std = result.importances["dense_1.units"], result.std["dense_1.units"]
    assert f"importance {imp:.2f} ± {std:.2f} ({DEFAULT_METHOD}, {N_TRIALS} trials, " in text
    assert f"{result.confidence} confidence)" in text
    assert f"study `{study.study_name}`: {N_TRIALS} complete trials" in text
    assert f"best accuracy {value_text(best.value, digits=4)}" in text
    assert f"best value: `{best.params['dense_1.units']}`" in text


async def test_inlay_hints_show_best_values(client, workspace) -> None:
    uri = open_doc(client, workspace / "net.neural")
    await diagnostics(client, uri)
    await until_lens(client, uri, f"{N_TRIALS} trials · best accuracy")
    hints = await client.text_document_inlay_hint_async(
        T.InlayHintParams(
            T.TextDocumentIdentifier(uri), T.Range(T.Position(0, 0), T.Position(9, 0))
        )
    )
    best = stored_study(workspace).best_params
    assert [h.label for h in hints] == [f"best: {value_text(v, digits=4)}" for v in best.values()]


async def test_fix_to_best_value_checks_clean(client, workspace) -> None:
    uri = open_doc(client, workspace / "net.neural")
    await diagnostics(client, uri)
    await until_lens(client, uri, f"{N_TRIALS} trials")
    at = T.Range(pos(NET, "hpo(categorical: [16"), pos(NET, "hpo(categorical: [16"))
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(T.TextDocumentIdentifier(uri), at, T.CodeActionContext(diagnostics=[]))
    )
    best = stored_study(workspace).best_params["dense_1.units"]
    fix = next(a for a in actions if a.title == f"Fix dense_1.units to its best value {best}")
    fixed = apply(NET, fix.edit)
    assert f"Dense(units: {best}) -> relu" in fixed
    analysis = analyze(fixed)
    assert analysis.errors == [] and "dense_1.units" not in analysis.spaces["Digits"].names()
    client.diagnostics.pop(uri, None)
    change(client, uri, 2, None, fixed)
    assert list((await diagnostics(client, uri))[0]) == []
