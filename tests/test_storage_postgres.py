"""Several ``neural-hpo run`` processes sharing one study in a real PostgreSQL server (a private
cluster on 127.0.0.1, see ``postgres_helpers``), as several machines would: concurrent starts on
an empty database give exactly the sum of their budgets, a run killed with SIGKILL loses no
finished trial, and the readers (``studies``, ``report``, ``importance``) find the study through
``NEURAL_HPO_STORAGE``. A missing database driver is one clear line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time

import optuna
import pytest
from optuna.trial import TrialState
from ray_helpers import DIGITS, ROOT

from neural_hpo.cli import main
from neural_hpo.storage import STORAGE_ENV, resolve_storage

pytestmark = pytest.mark.slow

#: a run that imports everything first and then waits for a common start time, so that the
#: processes open the empty database together (the schema-creation race)
DRIVER = """
import sys, time
import optuna, torch
import neural_hpo.engine.api
from neural_hpo.cli import main
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
sys.exit(main(sys.argv[2:]))
"""
RUN = ["--epochs", "1", "--limit", "300"]


def start_runs(source, url: str, budgets: list[int], start_in: float = 8.0) -> list:
    """One ``neural-hpo run`` process per budget, all opening ``url`` at the same moment."""
    at = str(time.time() + start_in)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    procs = []
    for n in budgets:
        argv = [sys.executable, "-c", DRIVER, at, "run", str(source), "--trials", str(n), *RUN]
        procs.append(
            subprocess.Popen(
                [*argv, "--storage", url],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    return procs


def the_study(url: str) -> optuna.Study:
    (name,) = optuna.get_all_study_names(url)
    return optuna.load_study(study_name=name, storage=url)


def finish(procs: list) -> None:
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("pg") / "digits.neural"
    path.write_text(DIGITS)
    return path


@pytest.fixture(scope="module")
def shared(postgres, source):
    """Four runs of two trials each, started together on an empty database: its URL."""
    url = postgres.database("four")
    finish(start_runs(source, url, [2, 2, 2, 2]))
    return url


def test_four_concurrent_runs_on_an_empty_database_give_the_sum_of_budgets(shared):
    trials = the_study(shared).get_trials()
    assert len(trials) == 8
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert sorted(t.number for t in trials) == list(range(8))


def test_two_concurrent_runs_give_the_sum_of_budgets(postgres, source):
    url = postgres.database("two")
    finish(start_runs(source, url, [2, 3]))
    trials = the_study(url).get_trials()
    assert len(trials) == 5 and all(t.state == TrialState.COMPLETE for t in trials)


def test_a_run_killed_mid_study_keeps_every_finished_trial(postgres, source):
    url = postgres.database("kill")
    victim, other = start_runs(source, url, [10_000, 3], start_in=6.0)
    deadline = time.time() + 180
    while True:
        names = optuna.get_all_study_names(url)
        done = the_study(url).get_trials(states=(TrialState.COMPLETE,)) if names else []
        if len(done) >= 4:
            break
        assert victim.poll() is None and time.time() < deadline, "too few trials finished"
        time.sleep(0.3)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    before = {t.number: t.value for t in the_study(url).get_trials(states=(TrialState.COMPLETE,))}
    finish([other])
    after = {t.number: t.value for t in the_study(url).get_trials(states=(TrialState.COMPLETE,))}
    assert all(after.get(n) == v for n, v in before.items())  # none lost, none changed
    assert len(after) >= len(before) and len(after) >= 3


def test_readers_find_the_shared_study_through_the_environment(shared, monkeypatch, tmp_path):
    monkeypatch.setenv(STORAGE_ENV, shared)
    monkeypatch.chdir(tmp_path)
    assert resolve_storage(None) == shared
    name = the_study(shared).study_name
    assert main(["report", name, "-o", str(tmp_path / "r.html")]) == 0
    assert "<html" in (tmp_path / "r.html").read_text().lower()
    assert main(["importance", name]) == 0
    assert not (tmp_path / ".neural-hpo").exists()  # no SQLite file made beside the URL


def test_studies_lists_the_shared_study(shared, monkeypatch, capsys):
    monkeypatch.setenv(STORAGE_ENV, shared)
    assert main(["studies", "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["network"] == "Digits" and row["trials"] == 8


def test_a_missing_driver_is_one_line_naming_the_extra(source, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if neural-hpo[postgres] were missing
    argv = ["run", str(source), "--trials", "1", *RUN]
    assert main([*argv, "--storage", "postgresql://nobody@127.0.0.1:1/none"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("neural-hpo run: storage postgresql://...")
    assert 'pip install "neural-hpo[postgres]"' in line


@pytest.mark.asyncio(loop_scope="function")
async def test_the_server_reads_the_shared_study_and_counts_other_machines_trials(
    shared, source, monkeypatch
):
    """Last here: its run adds trials to the shared study."""
    from lsp_support import diagnostics, open_doc, pos, start, stop, until_lens
    from lsprotocol import types as T

    monkeypatch.setenv(STORAGE_ENV, shared)  # the server, and the run it starts, use it
    lc = await start(source.parent)
    try:
        uri = open_doc(lc, source)
        await diagnostics(lc, uri)
        titles = await until_lens(lc, uri, "8 trials · best accuracy")
        assert "Open report" in titles
        at = T.HoverParams(T.TextDocumentIdentifier(uri), pos(DIGITS, "hpo(categorical: [16", 1))
        hover = (await lc.text_document_hover_async(at)).contents.value
        study = the_study(shared)
        assert f"study `{study.study_name}`: 8 complete trials" in hover

        args = {"uri": uri, "network": "Digits", "trials": 10_000, "options": {"epochs": 3}}
        await lc.workspace_execute_command_async(T.ExecuteCommandParams("neural.runHpo", [args]))
        # this run's finished trials, then the study's: the 8 earlier ones and this run's
        await job_lens(lc, uri, lambda k, n: k >= 1 and n >= 8 + k, 120)
        await lc.workspace_execute_command_async(
            T.ExecuteCommandParams("neural.cancelHpo", [uri, "Digits"])
        )
        await until_lens(lc, uri, "▶ Run HPO", timeout=60)
        other = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))[0]
        total = len(study.get_trials(deepcopy=False)) + 5
        for _ in range(5):  # another machine's trials, written straight into the storage
            study.add_trial(other)
        await until_lens(lc, uri, f"{total} trials · best accuracy", timeout=30)
    finally:
        await stop(lc)


async def job_lens(lc, uri: str, enough, timeout: float) -> None:
    """Wait until the running job's lens ``trial k/N · M in study · ...`` has ``enough(k, M)``."""
    from lsp_support import lens_titles

    deadline = time.time() + timeout
    while True:
        titles = await lens_titles(lc, uri)
        for title in titles:
            m = re.match(r"trial (\d+)/10000 · (\d+) in study", title)
            if m and enough(int(m.group(1)), int(m.group(2))):
                return
        assert time.time() < deadline, f"no such job lens in {titles}"
        await asyncio.sleep(0.2)
