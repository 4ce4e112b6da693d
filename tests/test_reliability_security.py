"""Security end to end: a hostile stored study and hostile workspace settings in an untrusted
workspace write nothing outside it and start no program the workspace chose."""

from __future__ import annotations

import asyncio

import optuna
import pytest
from lsp_support import SEED, diagnostics, open_doc, start, stop
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from neural_hpo.storage import report_file_name

pytestmark = pytest.mark.asyncio(loop_scope="module")
TRAVERSAL = "../../../outside/pwn"


def hostile_workspace(tmp_path):
    """A cloned repository: the seed network, and a study of it named to climb out."""
    ws = tmp_path / "deep" / "a" / "ws"
    (ws / ".neural-hpo").mkdir(parents=True)
    (ws / "seed.neural").write_text(SEED)
    url = f"sqlite:///{ws / '.neural-hpo' / 'studies.db'}"
    study = optuna.create_study(study_name=TRAVERSAL, storage=url, direction="maximize")
    study.set_user_attr("network", "MyModel")
    dist = {"optimizer.learning_rate": FloatDistribution(1e-4, 1e-1, log=True)}
    for i in range(3):
        study.add_trial(
            create_trial(
                params={"optimizer.learning_rate": 10 ** -(i + 1)},
                distributions=dist,
                value=0.5 + i / 10,
                user_attrs={"accuracy": 0.5 + i / 10},
            )
        )
    evil = tmp_path / "evil-python"
    evil.write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\nexit 1\n")
    evil.chmod(0o755)
    return ws, evil


def test_report_file_names_stay_plain():
    names = {report_file_name(n) for n in (TRAVERSAL, "/etc/passwd", "a\x1b]0;x\x07", "", "ok")}
    assert len(names) == 5
    assert all("/" not in n and ".." not in n and n.endswith(".html") for n in names)


async def test_untrusted_report_stays_inside_and_runs_no_workspace_program(tmp_path) -> None:
    ws, evil = hostile_workspace(tmp_path)
    settings = {"python": str(evil), "storagePath": str(tmp_path / "elsewhere.db")}
    lc = await start(ws, settings=settings, init_options={"trusted": False})
    try:
        uri = open_doc(lc, ws / "seed.neural")
        await diagnostics(lc, uri)
        result = None

        async def report() -> bool:
            nonlocal result
            try:
                result = await lc.protocol.send_request_async(
                    "neural/report", {"uri": uri, "network": "MyModel"}
                )
            except Exception as exc:  # the study store may not have read the storage yet
                if "no study" not in str(exc):
                    raise
            return result is not None

        for _ in range(60):
            if await report():
                break
            await asyncio.sleep(0.5)
        assert result is not None, "no report"
    finally:
        await stop(lc)
    path = ws / ".neural-hpo" / "reports" / report_file_name(TRAVERSAL)
    assert result.path == str(path) and path.is_file() and "<html" in result.html.lower()
    assert not (tmp_path / "deep" / "outside").exists() and not (tmp_path / "outside").exists()
    assert not (tmp_path / "ran").exists(), "the workspace's neural.python was started"
    assert not (tmp_path / "elsewhere.db").exists()
