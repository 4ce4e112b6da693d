"""HPO runs launched through the code lens command: progress begin/report/end, cancel, refused
arguments. A stand-in engine (``data/fake_engine.py`` as ``neural.python``) prints the events;
``test_real_run`` drives the real engine once it is installed."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys

import pytest
import pytest_asyncio
from lsp_support import ROOT, SEED, diagnostics, open_doc, start, stop, until
from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

pytestmark = pytest.mark.asyncio(loop_scope="module")
FAKE = str(ROOT / "tests" / "data" / "fake_engine.py")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("jobs")
    (ws / "seed.neural").write_text(SEED)
    (ws / "other.neural").write_text(SEED.replace("MyModel", "Other"))
    return ws


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(workspace):
    lc = await start(workspace, settings={"python": FAKE, "defaultTrials": 3})
    yield lc
    await stop(lc)


async def lens_command(lc, uri: str, title: str) -> T.Command:
    lenses = await lc.text_document_code_lens_async(T.CodeLensParams(T.TextDocumentIdentifier(uri)))
    return next(lens.command for lens in lenses if lens.command.title == title)


def progress_kinds(lc, token) -> list[str]:
    return [p.kind for p in lc.progress_reports.get(token, [])]


async def test_run_from_code_lens_reports_progress(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    cmd = await lens_command(client, uri, "▶ Run HPO")
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams(cmd.command, cmd.arguments)
    )
    token = f"neural-hpo/{result['job']}"
    await until(lambda: "end" in progress_kinds(client, token), 20, "progress end")
    kinds = progress_kinds(client, token)
    assert kinds[0] == "begin" and kinds.count("report") == 3 and kinds[-1] == "end"
    last_report = [p for p in client.progress_reports[token] if p.kind == "report"][-1]
    assert (
        last_report.message == "trial 3/3 · best accuracy 0.8333" and last_report.percentage == 100
    )
    argv = json.loads((workspace / ".neural-hpo" / "studies.db.argv").read_text())
    assert argv[1:5] == ["-m", "neural_hpo.cli", "run", str(workspace / "seed.neural")]
    assert argv[argv.index("--network") + 1] == "MyModel" and "--json-events" in argv
    assert client.refreshes["codeLens"] > 0


async def test_cancel_interrupts_the_child(client, workspace) -> None:
    uri = open_doc(client, workspace / "other.neural")
    await diagnostics(client, uri)
    args = {"uri": uri, "network": "Other", "trials": 500, "options": {"epochs": 1}}
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams("neural.runHpo", [args])
    )
    token = f"neural-hpo/{result['job']}"
    await until(lambda: "report" in progress_kinds(client, token), 20, "a first trial")
    status = [
        lens.command.title
        for lens in await client.text_document_code_lens_async(
            T.CodeLensParams(T.TextDocumentIdentifier(uri))
        )
    ]
    assert "■ Cancel" in status and any(t.startswith("trial ") for t in status)
    await client.workspace_execute_command_async(
        T.ExecuteCommandParams("neural.cancelHpo", [uri, "Other"])
    )
    await until(lambda: "end" in progress_kinds(client, token), 20, "progress end")
    end = client.progress_reports[token][-1]
    assert end.message.startswith("cancelled after")


REFUSED = [
    (["file:///etc/passwd", "MyModel"], "not a file inside the workspace"),
    ([{"uri": "URI", "network": "Nope"}], "defines no network"),
    (["URI", "MyModel", "gpu-farm"], "executor must be"),
    (["URI", "MyModel", "local", 0], "trials must be"),
    (["URI", "MyModel", "local", 5, "annealing"], "sampler must be"),
    (["URI", "MyModel", "local", 5, "tpe", {"shell": "rm -rf /"}], "unknown option"),
    (["URI", "MyModel", "local", 5, "tpe", {"dataset": "--storage=x"}], "not allowed"),
    ([{"uri": "URI", "network": "MyModel", "extra": 1}], "unknown argument"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED)
async def test_refused_arguments(client, workspace, args, message) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    args = json.loads(json.dumps(args).replace('"URI"', json.dumps(uri)))
    with pytest.raises(JsonRpcInvalidParams, match=message):
        await client.workspace_execute_command_async(T.ExecuteCommandParams("neural.runHpo", args))


async def test_outside_workspace_refused_for_every_command(client, tmp_path) -> None:
    outside = tmp_path / "outside.neural"
    outside.write_text(SEED)
    uri = outside.as_uri()
    for command in ("neural.cancelHpo", "neural.openReport", "neural.applyBestValues"):
        with pytest.raises(JsonRpcInvalidParams, match="not a file inside the workspace"):
            await client.workspace_execute_command_async(
                T.ExecuteCommandParams(command, [uri, "MyModel"])
            )
    with pytest.raises(Exception, match="not a file inside the workspace"):
        await client.protocol.send_request_async(
            "neural/report", {"uri": uri, "network": "MyModel"}
        )


async def test_report_request_reads_an_object_in_any_key_order(client, tmp_path) -> None:
    uri = (tmp_path / "outside.neural").as_uri()
    with pytest.raises(Exception, match=re.escape(f"{uri} is not a file inside the workspace")):
        await client.protocol.send_request_async(
            "neural/report", {"network": "MyModel", "uri": uri}
        )


ENGINE = importlib.util.find_spec("neural_hpo.cli.run") is not None


@pytest.mark.slow
@pytest.mark.skipif(not ENGINE, reason="the HPO engine (neural-hpo run) is not merged yet")
async def test_real_run(tmp_path) -> None:
    shutil.copy(ROOT / "tests" / "data" / "import_probe.neural", tmp_path / "probe.neural")
    lc = await start(tmp_path, settings={"python": sys.executable})
    try:
        uri = open_doc(lc, tmp_path / "probe.neural")
        await diagnostics(lc, uri)
        cmd = await lens_command(lc, uri, "▶ Run HPO")
        args = [*cmd.arguments, 2, "tpe", {"epochs": 1, "dataset": "digits"}]
        result = await lc.workspace_execute_command_async(T.ExecuteCommandParams(cmd.command, args))
        token = f"neural-hpo/{result['job']}"
        await until(lambda: "end" in progress_kinds(lc, token), 240, "the real run to end")
        assert progress_kinds(lc, token).count("report") == 2
        await until(lambda: lc.refreshes["codeLens"] > 1, 30, "a status lens refresh")
    finally:
        await stop(lc)
