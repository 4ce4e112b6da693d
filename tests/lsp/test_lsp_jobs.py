"""HPO runs launched through the language server's commands with the real engine: progress
begin/report/end and the status lens refresh, cancel (the child exits, finished trials stay and
the CLI resumes the study), arguments refused before any process starts, and argv built from the
flags ``neural-hpo run`` has."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import optuna
import pytest
from lsp_support import (
    ROOT,
    SEED,
    diagnostics,
    lens_command,
    lens_titles,
    open_doc,
    server_env,
    start,
    stop,
    until,
    until_lens,
)
from lsprotocol import types as T
from optuna.trial import TrialState
from pygls.exceptions import JsonRpcInvalidParams

from neural_hpo.engine.study import WORKER_PREFIX

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROBE = (ROOT / "tests" / "data" / "import_probe.neural").read_text()
RUN = {"epochs": 1, "dataset": "digits"}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("jobs")
    (ws / "seed.neural").write_text(SEED)
    (ws / "probe.neural").write_text(PROBE)
    (ws / "other.neural").write_text(PROBE.replace("Probe", "Other"))
    return ws


def storage(workspace) -> str:
    return f"sqlite:///{workspace / '.neural-hpo' / 'studies.db'}"


def study_of(workspace, network: str) -> optuna.Study:
    (summary,) = [
        s
        for s in optuna.get_all_study_summaries(storage(workspace))
        if s.user_attrs.get("network") == network
    ]
    return optuna.load_study(study_name=summary.study_name, storage=storage(workspace))


def progress(lc, token) -> list:
    return lc.progress_reports.get(token, [])


def kinds(lc, token) -> list[str]:
    return [p.kind for p in progress(lc, token)]


@pytest.mark.slow
async def test_real_run(client, workspace) -> None:
    uri = open_doc(client, workspace / "probe.neural")
    await diagnostics(client, uri)
    cmd = await lens_command(client, uri, "▶ Run HPO")
    args = [*cmd.arguments, 2, None, RUN]
    result = await client.workspace_execute_command_async(T.ExecuteCommandParams(cmd.command, args))
    token = f"neural-hpo/{result['job']}"
    await until(lambda: "end" in kinds(client, token), 120, "the real run to end")
    assert kinds(client, token) == ["begin", "report", "report", "end"]
    reports = [p for p in progress(client, token) if p.kind == "report"]
    assert [r.percentage for r in reports] == [50, 100]
    assert re.fullmatch(r"trial 2/2 · best accuracy 0\.\d+", reports[-1].message)
    assert progress(client, token)[-1].message == f"finished: {reports[-1].message}"
    study = study_of(workspace, "Probe")
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    before = client.refreshes["codeLens"]
    titles = await until_lens(client, uri, "2 trials · best accuracy")
    assert "▶ Run HPO" in titles and "Open report" in titles
    assert client.refreshes["codeLens"] >= before > 1


@pytest.mark.slow
async def test_cancel_keeps_finished_trials_and_the_cli_resumes(client, workspace) -> None:
    uri = open_doc(client, workspace / "other.neural")
    await diagnostics(client, uri)
    # far more trials than can finish before the cancel lands, however fast the machine
    args = {"uri": uri, "network": "Other", "trials": 10_000, "options": RUN}
    result = await client.workspace_execute_command_async(
        T.ExecuteCommandParams("neural.runHpo", [args])
    )
    token = f"neural-hpo/{result['job']}"
    await until(lambda: "report" in kinds(client, token), 120, "a first finished trial")
    titles = await lens_titles(client, uri)
    assert "■ Cancel" in titles and any(t.startswith("trial ") for t in titles)
    await client.workspace_execute_command_async(
        T.ExecuteCommandParams("neural.cancelHpo", [uri, "Other"])
    )
    await until(lambda: "end" in kinds(client, token), 30, "progress end")
    assert progress(client, token)[-1].message.startswith("cancelled after")

    study = study_of(workspace, "Other")
    workers = study._storage.get_study_system_attrs(study._study_id)  # as the engine keeps them
    pids = [int(k.rsplit(":", 1)[1]) for k in workers if k.startswith(WORKER_PREFIX)]
    assert len(pids) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert 1 <= len(complete) < 10_000

    argv = [sys.executable, "-m", "neural_hpo.cli", "run", str(workspace / "other.neural")]
    argv += ["--trials", "1", "--epochs", "1", "--storage", storage(workspace)]
    done = subprocess.run(argv, env=server_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"study {study.study_name}: " in done.stdout
    resumed = optuna.load_study(study_name=study.study_name, storage=storage(workspace))
    states = [t.state for t in resumed.trials]
    assert states.count(TrialState.COMPLETE) == len(complete) + 1
    # a trial interrupted before its objective ran stays RUNNING until the resume fails it
    assert TrialState.RUNNING not in states


REFUSED = [
    (["file:///etc/passwd", "MyModel"], "not a file inside the workspace"),
    ([{"uri": "URI", "network": "Nope"}], "defines no network"),
    (["URI", "MyModel", "gpu-farm"], "executor must be"),
    (["URI", "MyModel", "local", 0], "trials must be"),
    (["URI", "MyModel", "local", 5, "annealing"], "sampler must be"),
    (["URI", "MyModel", "local", 5, "tpe", {"shell": "rm -rf /"}], "unknown option"),
    (["URI", "MyModel", "local", 5, "tpe", {"resume": True}], "unknown option"),
    (["URI", "MyModel", "local", 5, "tpe", {"dataset": "--storage=x"}], "not allowed"),
    (
        ["URI", "MyModel", "local", 5, "tpe", {"metric": "no_such_metric"}],
        "option metric takes one of",
    ),
    (["URI", "MyModel", "local", 5, "tpe", {"epochs": "1"}], "option epochs takes int"),
    (["URI", "MyModel", "local", 5, "tpe", {"pruning": 1}], "option pruning takes true"),
    ([{"uri": "URI", "network": "MyModel", "extra": 1}], "unknown argument"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED)
async def test_refused_arguments(client, workspace, args, message) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    args = json.loads(json.dumps(args).replace('"URI"', json.dumps(uri)))
    with pytest.raises(JsonRpcInvalidParams, match=re.escape(message)):
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


async def test_untrusted_workspace_checks_but_never_runs(tmp_path) -> None:
    (tmp_path / "seed.neural").write_text(SEED)
    lc = await start(tmp_path, init_options={"trusted": False})
    try:
        uri = open_doc(lc, tmp_path / "seed.neural")
        await diagnostics(lc, uri)
        titles = await lens_titles(lc, uri)
        assert not any(t.startswith("▶ Run HPO") for t in titles), titles
        with pytest.raises(JsonRpcInvalidParams, match="not trusted"):
            await lc.workspace_execute_command_async(
                T.ExecuteCommandParams("neural.runHpo", [uri, "MyModel"])
            )
        assert not list((tmp_path / ".neural-hpo").glob("*.db"))
    finally:
        await stop(lc)
