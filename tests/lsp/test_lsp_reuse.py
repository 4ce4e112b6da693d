"""What the editor says about a study that reused its parent's trials: the status lens and the
network hover name the parent and the count, the best-value hints skip trials outside the
document's (edited) space, and a run started from the editor announces the reuse."""

from __future__ import annotations

import random
import re

import optuna
import pytest
from lsp_support import SEED, diagnostics, open_doc, pos, until, until_lens
from lsprotocol import types as T

from neural_hpo.engine.config import load_network
from neural_hpo.engine.optuna_space import distributions
from neural_hpo.engine.samplers import sampler_name
from neural_hpo.engine.study import default_lineage, default_study_name, open_storage, open_study

pytestmark = pytest.mark.asyncio(loop_scope="module")
NARROWED = SEED.replace("[64, 128, 256]", "[64, 128]")
#: what the workspace fixture made: the parent study's name, the count its child reused
FACTS: dict = {}


def storage(ws) -> str:
    return f"sqlite:///{ws / '.neural-hpo' / 'studies.db'}"


def open_default(ws, source: str):
    """The study a run of ``source`` opens, as the engine names it (and what it reused)."""
    loaded = load_network(source)
    sampler = sampler_name(None, loaded.network)
    key = (loaded, ["accuracy"], sampler, ["maximize"])
    return open_study(
        open_storage(storage(ws)),
        default_study_name(*key),
        loaded,
        ["accuracy"],
        ["maximize"],
        optuna.samplers.RandomSampler(),
        optuna.pruners.NopPruner(),
        lineage=default_lineage(*key),
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A parent study of SEED with 20 trials (accuracy grows with units) and the study of
    NARROWED, which reused those without 256 units."""
    ws = tmp_path_factory.mktemp("reuse")
    (ws / ".neural-hpo").mkdir()
    (ws / "seed.neural").write_text(NARROWED)
    parent, _ = open_default(ws, SEED)
    space, rng = load_network(SEED).space, random.Random(0)
    dists = distributions(space)
    trials = []
    for _ in range(20):
        params = {p.name: rng.choice(p.grid() or [p.low, p.high]) for p in space}
        value = 0.5 + params["dense_1.units"] / 1000 + rng.random() * 0.01
        trials.append(
            optuna.trial.create_trial(
                params=params, distributions=dists, value=value, user_attrs={"accuracy": value}
            )
        )
    parent.add_trials(trials)
    FACTS["parent"] = parent.study_name
    FACTS["reused"] = sum(t.params["dense_1.units"] != 256 for t in trials)
    open_default(ws, NARROWED)
    return ws


async def test_status_lens_hover_and_hints_tell_the_reuse(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    note = f"{FACTS['reused']} reused from {FACTS['parent']}"
    titles = await until_lens(client, uri, f"{FACTS['reused']} trials · best accuracy")
    assert any(t.endswith(f"({note})") for t in titles), titles
    hover = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), pos(NARROWED, "MyModel", 1))
    )
    assert note in hover.contents.value
    # narrowed further in the editor: the study's best (128 units) no longer fits
    only_64 = NARROWED.replace("[64, 128]", "[64, 96]")
    uri = open_doc(client, workspace / "seed.neural", only_64, version=2)
    await diagnostics(client, uri)
    hints = await client.text_document_inlay_hint_async(
        T.InlayHintParams(
            T.TextDocumentIdentifier(uri), T.Range(T.Position(0, 0), T.Position(20, 0))
        )
    )
    labels = [h.label for h in hints]
    assert "best: 64" in labels and "best: 128" not in labels, labels


async def test_a_run_from_the_editor_announces_the_reuse(client, workspace) -> None:
    edited = SEED.replace("[0.3, 0.7, step=0.1]", "[0.3, 0.6, step=0.1]")
    (workspace / "edited.neural").write_text(edited)
    uri = open_doc(client, workspace / "edited.neural")
    await diagnostics(client, uri)
    options = {"epochs": 1, "dataset": "digits", "limit": 100}
    args = {"uri": uri, "network": "MyModel", "trials": 1, "options": options}
    await client.workspace_execute_command_async(T.ExecuteCommandParams("neural.runHpo", [args]))
    said = await until(
        lambda: [m.message for m in client.messages if "reused" in m.message], 120, "the reuse"
    )
    # the newest study of the lineage is NARROWED's: its trials with rate 0.7 do not fit
    found = re.fullmatch(
        rf"neural-hpo: reused (\d+) of {FACTS['reused']} trials from (\S+)", said[0]
    )
    assert found, said
    reused, parent = int(found[1]), found[2]
    assert 0 < reused < FACTS["reused"]
    titles = await until_lens(client, uri, f"{reused + 1} trials", timeout=120)
    assert any(t.endswith(f"({reused} reused from {parent})") for t in titles), titles
