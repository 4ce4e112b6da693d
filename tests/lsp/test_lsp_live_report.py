"""A report shown by the client (``neural/report``) is sent the trials that finish afterwards
(``neural/reportTrials``), each once, from a run started anywhere (here: trials written into the
storage from outside the server, as a CLI run does, and a real run the server starts, whose end
sends ``final``); ``neural/reportClosed`` stops it."""

from __future__ import annotations

import asyncio
import re

import pytest
from lsp_support import ROOT, SEED, add_trials, diagnostics, lens_command, open_doc, until
from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROBE = (ROOT / "tests" / "data" / "import_probe.neural").read_text()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("live")
    (ws / "seed.neural").write_text(SEED)
    (ws / ".neural-hpo").mkdir()
    add_trials(url(ws), 3)
    return ws


def plain(value):
    """pygls hands JSON objects over as namedtuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    return [plain(v) for v in value] if isinstance(value, list) else value


def notifications(client) -> list[dict]:
    """The ``neural/reportTrials`` notifications from now on (the handler is registered once)."""
    if not hasattr(client, "live_notes"):
        client.live_notes = []

        @client.feature("neural/reportTrials")
        def collect(ls, params) -> None:
            client.live_notes.append(plain(params))

    client.live_notes.clear()
    return client.live_notes


def url(ws) -> str:
    return f"sqlite:///{ws / '.neural-hpo' / 'studies.db'}"


async def test_new_trials_are_pushed_to_a_shown_report_once(client, workspace) -> None:
    pushed = notifications(client)

    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    await until(lambda: client.refreshes["codeLens"], 20, "the study to be read")
    report = plain(
        await client.protocol.send_request_async(
            "neural/report", {"uri": uri, "network": "MyModel"}
        )
    )
    assert 'data-n="2"' in report["html"] and pushed == []  # what the page has is not re-sent

    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, add_trials, url(workspace), 1)
    started = loop.time()
    # the database file is looked at every 0.2 s while a report is shown; the bound here
    # leaves room for a loaded machine (latency is bench/live_push.py's figure, not a test's)
    await until(lambda: pushed, 20, "the new trial to be pushed")
    print(f"pushed {loop.time() - started:.1f} s after the trial was stored")
    (note,) = pushed
    assert note["network"] == "MyModel" and note["study"] == "MyModel-1" and not note["final"]
    (row,) = note["trials"]
    row = row._asdict() if hasattr(row, "_asdict") else row
    assert row["number"] == 3 and row["state"] == "COMPLETE"
    metrics = row["metrics"]._asdict() if hasattr(row["metrics"], "_asdict") else row["metrics"]
    assert 0.5 < metrics["accuracy"] < 1.0

    client.protocol.notify("neural/reportClosed", {"uri": uri, "network": "MyModel"})
    await asyncio.sleep(0.5)
    await loop.run_in_executor(None, add_trials, url(workspace), 1)
    await asyncio.sleep(4.5)
    assert len(pushed) == 1, "a closed report is sent nothing"


@pytest.mark.slow
async def test_a_real_run_is_pushed_to_its_report_and_ends_with_final(client, workspace) -> None:
    pushed = notifications(client)

    (workspace / "probe.neural").write_text(PROBE)
    uri = open_doc(client, workspace / "probe.neural")
    await diagnostics(client, uri)
    cmd = await lens_command(client, uri, "▶ Run HPO")
    args = [*cmd.arguments, 3, None, {"epochs": 1, "dataset": "digits"}]
    await client.workspace_execute_command_async(T.ExecuteCommandParams(cmd.command, args))

    async def report():  # refused until the server has read the run's new study
        try:
            return plain(
                await client.protocol.send_request_async(
                    "neural/report", {"uri": uri, "network": "Probe"}
                )
            )
        except JsonRpcInvalidParams:
            await asyncio.sleep(0.5)
            return None

    html = None
    while html is None:
        html = await asyncio.wait_for(report(), 120)
    await until(lambda: any(p["final"] for p in pushed), 180, "the final notice")
    assert pushed[-1]["final"] and all(not p["final"] for p in pushed[:-1])
    numbers = [row["number"] for p in pushed for row in p["trials"]]
    assert len(numbers) == len(set(numbers)), "a trial was pushed twice"
    on_page = {int(n) for n in re.findall(r'<tr class="\w+" data-n="(\d+)"', html["html"])}
    assert on_page | set(numbers) == {0, 1, 2}
