"""Ctrl-C in a real terminal: ``neural-hpo run`` in a tmux pane of 60 columns, interrupted
mid-study. Exit 130, one line, no traceback, finished trials kept, the trial in flight failed
with reason "interrupted", and the bar drawn within the pane's width."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import optuna
import sqlalchemy.exc
from engine_helpers import SMALL_CONFIG

WIDTH = 60


def _wait(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _complete(url: str) -> int:
    try:
        studies = optuna.get_all_study_summaries(url)
    except sqlalchemy.exc.SQLAlchemyError:  # not created yet
        return 0
    return sum(
        t.state == optuna.trial.TrialState.COMPLETE
        for s in studies
        for t in optuna.load_study(study_name=s.study_name, storage=url).trials
    )


def test_ctrl_c_keeps_trials_and_says_so_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "small.neural"
    config.write_text(SMALL_CONFIG.replace("epochs: 1", "epochs: 40"))
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    rc_file = tmp_path / "rc"
    # the shell outlives the Ctrl-C (a handler, not SIG_IGN, which the command would inherit);
    # the terminal does not echo it as "^C" after the bar
    env = f"PYTHONPATH={shlex.quote(os.environ.get('PYTHONPATH', ''))} COLUMNS= LINES="
    run = [sys.executable, "-m", "neural_hpo.cli", "run", str(config), "--trials", "100"]
    run += ["--storage", url, "--limit", "400", "--study", "ctrlc"]
    shell = f"trap : INT; stty -echoctl; cd {shlex.quote(str(tmp_path))}; env {env} {shlex.join(run)}; echo $? > rc"
    tmux = ["tmux", "-S", str(tmp_path / "tmux.sock")]
    subprocess.run(
        [
            *tmux,
            "new-session",
            "-d",
            "-x",
            str(WIDTH),
            "-y",
            "20",
            "sh",
            "-c",
            shell + "; sleep 60",
        ],
        check=True,
    )
    try:
        _wait(lambda: _complete(url) >= 2, 120, "two complete trials")
        subprocess.run([*tmux, "send-keys", "C-c"], check=True)
        _wait(rc_file.exists, 60, "the command to exit")
        pane = subprocess.run(
            [*tmux, "capture-pane", "-p", "-J"], check=True, capture_output=True, text=True
        ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    assert rc_file.read_text().strip() == "130", pane
    lines = [line.rstrip() for line in pane.splitlines() if line.strip()]
    assert "Traceback" not in pane and "KeyboardInterrupt" not in pane, pane
    said = [line for line in lines if line.startswith("interrupted:")]
    assert len(said) == 1 and said[0].endswith("trials saved; rerun to resume"), pane
    assert all(len(line) <= WIDTH for line in lines), pane  # -J joins wrapped rows
    assert any(line.startswith("trials ") and "/100 |" in line for line in lines), pane

    trials = optuna.load_study(study_name="ctrlc", storage=url).trials
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert said[0] == f"interrupted: {len(complete)} trials saved; rerun to resume"
    assert not any(t.state == optuna.trial.TrialState.RUNNING for t in trials)
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    assert [t.user_attrs.get("fail_reason") for t in failed] == ["interrupted"]
