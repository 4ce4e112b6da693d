"""A report shown by the client (``neural/report``) is sent the trials that finish afterwards
(``neural/reportTrials``), each once, from a run started anywhere (here: trials written into the
storage from outside the server, as a CLI run does); ``neural/reportClosed`` stops it."""

from __future__ import annotations

import asyncio

import pytest
from lsp_support import SEED, diagnostics, open_doc, until
from test_lsp_studies import add_trials

pytestmark = pytest.mark.asyncio(loop_scope="module")


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


def url(ws) -> str:
    return f"sqlite:///{ws / '.neural-hpo' / 'studies.db'}"


async def test_new_trials_are_pushed_to_a_shown_report_once(client, workspace) -> None:
    pushed: list[dict] = []

    @client.feature("neural/reportTrials")
    def collect(ls, params) -> None:
        pushed.append(plain(params))

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
    await until(lambda: pushed, 10, "the new trial to be pushed")
    print(f"pushed {loop.time() - started:.1f} s after the trial was stored")
    assert loop.time() - started < 4.0  # the poll runs every 2 s while a report is shown
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
