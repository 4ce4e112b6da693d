"""The cost before a run in the editor: the cost lens and hover over the whole space, the
"Estimate time" lens and command (real batches timed in a child process), and the ETA the
status lens shows while a run goes."""

from __future__ import annotations

import time

import pytest
from lsp_support import SEED, diagnostics, lens_titles, open_doc, pos, until
from lsprotocol import types as T

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.cost import network_cost

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("cost")
    (ws / "seed.neural").write_text(SEED)
    return ws


def seed_cost() -> str:
    analysis = analyze(SEED)
    return network_cost(analysis.file.networks[0], analysis.spaces["MyModel"]).text()


async def test_cost_lens_and_hover(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    titles = await lens_titles(client, uri)
    assert seed_cost() in titles and seed_cost().endswith("MB · continuous space")
    assert "⏱ Estimate time" in titles
    hover = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), pos(SEED, "MyModel", 1))
    )
    assert f"cost over the space: {seed_cost()}" in hover.contents.value


async def test_estimate_time_command(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    lenses = await client.text_document_code_lens_async(
        T.CodeLensParams(T.TextDocumentIdentifier(uri))
    )
    cmd = next(lens.command for lens in lenses if lens.command.title == "⏱ Estimate time")
    options = {"limit": 200, "device": "cpu", "dataset": "digits"}
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams(cmd.command, [*cmd.arguments, 4, options])
    )
    assert result["n_trials"] == 4 and result["device"] == "cpu"
    assert result["smallest"]["parameters"] < result["largest"]["parameters"]
    said = await until(
        lambda: [m.message for m in client.messages if "estimate" in m.message], 10, "a message"
    )
    assert said[-1].startswith("neural-hpo estimate: MyModel on cpu")
    assert "pruning not counted" in said[-1]


async def test_the_status_of_a_run_shows_an_eta_from_its_trial_times():
    from neural_hpo_server.jobs import Job, RunRequest, apply_event

    job = Job("j", RunRequest("u", "p", "MyModel", "local", 4, None), "accuracy")
    base = {"study": "s", "n_trials": 4, "best_value": 0.9}
    apply_event(job, {**base, "event": "trial_started", "finished": 0})
    job.started -= 10.0  # two trials finished in 10 s: 10 s for the two left
    apply_event(job, {**base, "event": "trial_finished", "finished": 2})
    assert job.status() == "trial 2/4 · best accuracy 0.9 · ETA 10 s"
    apply_event(job, {**base, "event": "trial_finished", "finished": 4})
    assert job.status() == "trial 4/4 · best accuracy 0.9"
    assert time.monotonic() - job.started >= 10
