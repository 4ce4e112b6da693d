"""A real VS Code host: code-server with the built .vsix, driven headless by Debian's Chromium.

Screenshots and the workbench's console go to artifacts/editors/<test>/. A host that cannot be
installed fails the test with the reason.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest
from editors_helpers import EXTENSION, REPO, artifacts, child_env, run, vsix

pytestmark = pytest.mark.slow

MODEL = """\
# two trials of a small network on the bundled digits
network Net {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 32])) -> relu
    Dense(units: 10) -> softmax
    optimizer: adam(learning_rate: hpo(log_range: [1e-3, 1e-2]))
    training: {
        epochs: 1
        batch_size: 64
    }
}
"""


@functools.cache
def code_server() -> str:
    """code-server's entry script, installed into the cache on first use."""
    out = run(["bash", str(REPO / "scripts" / "install-code-server.sh")], timeout=1200)
    return out.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"code-server exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"code-server did not answer on {url} within {timeout} s")


def drive(
    tmp_path: Path,
    name: str,
    steps: list[str],
    trusted: bool = True,
    python: str | None = None,
    model: str = MODEL,
    trials: int = 2,
) -> dict:
    """Starts a fresh code-server on ``model.neural`` (``model``), runs the UI steps; their
    results. Untrusted: the folder opens in Restricted Mode, without the trust prompt.
    ``python``: the interpreter the extension uses, and nothing of this checkout importable
    (default: this Python with this checkout on PYTHONPATH). ``trials``: a run's trials."""
    entry = code_server()
    assert shutil.which("chromium"), "Debian's chromium is missing: run scripts/setup.sh"
    out = artifacts(name)
    ws, ext, data = tmp_path / "ws", tmp_path / "ext", tmp_path / "data"
    (data / "User").mkdir(parents=True)
    ws.mkdir()
    (ws / "model.neural").write_text(model)
    settings = {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoUpdate": False,
        "extensions.autoCheckUpdates": False,
        "extensions.ignoreRecommendations": True,
        "files.autoSave": "off",
        "neural.python": python or sys.executable,
        "neural.defaultTrials": trials,
        "security.workspace.trust.startupPrompt": "never",
    }
    (data / "User" / "settings.json").write_text(json.dumps(settings))
    port = _free_port()
    config = tmp_path / "config.yaml"
    config.write_text(f"bind-addr: 127.0.0.1:{port}\nauth: none\ncert: false\n")
    env = child_env(XDG_DATA_HOME=str(tmp_path / "xdg-data"), XDG_CONFIG_HOME=str(tmp_path))
    if python is not None:
        env.pop("PYTHONPATH")
    common = ["node", entry, "--config", str(config), "--extensions-dir", str(ext)]
    common += ["--user-data-dir", str(data)]
    flags = ["--disable-telemetry", "--disable-update-check"]
    flags += ["--disable-workspace-trust"] if trusted else []
    run([*common, "--install-extension", str(vsix())], env=env, timeout=300)
    log = (out / "code-server.log").open("w")
    proc = subprocess.Popen(
        [*common, *flags, "--disable-getting-started-override", str(ws)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc)
        driver = EXTENSION / "test" / "host.mjs"
        run(["node", str(driver), f"{url}/?folder={ws}", "model.neural", str(out), *steps], env=env)
    finally:
        # the whole session started above: code-server, its extension host and language server
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    return json.loads((out / "result.json").read_text())


def _check(result: dict, steps: list[str]) -> None:
    failed = {step: result.get(step, "not reached") for step in steps}
    failed = {s: r for s, r in failed.items() if not (isinstance(r, dict) and r.get("ok"))}
    assert not failed, json.dumps({"failed": failed, "all": result}, indent=2)


@pytest.mark.timeout(1500)  # the first run installs code-server
def test_vscode_host_installs_the_vsix_and_highlights(tmp_path):
    result = drive(tmp_path, "vscode-highlight", ["highlight"])
    _check(result, ["highlight"])


@pytest.mark.timeout(1500)
def test_vscode_host_checks_completes_and_runs_a_study(tmp_path):
    steps = ["diagnostic", "completion", "lens", "run"]
    result = drive(tmp_path, "vscode-server", steps)
    _check(result, steps)
    assert "units" in result["completion"]["detail"]["labels"]
    assert any("Run HPO" in t for t in result["lens"]["detail"]["titles"])


@pytest.mark.timeout(1500)
def test_vscode_host_without_neural_hpo_still_checks_and_offers_the_install(tmp_path):
    """The .vsix's bundled server, run by an interpreter with nothing installed: a squiggle and
    completion, and the lens offers ``pip install neural-hpo`` instead of Run HPO."""
    bare = tmp_path / "bare"
    venv.create(bare, with_pip=False)
    steps = ["diagnostic", "completion", "install"]
    result = drive(tmp_path, "vscode-bare", steps, python=str(bare / "bin" / "python"))
    _check(result, steps)
    assert "units" in result["completion"]["detail"]["labels"]


@pytest.mark.timeout(1500)
def test_vscode_host_runs_nothing_in_an_untrusted_workspace(tmp_path):
    steps = ["diagnostic", "untrusted"]
    result = drive(tmp_path, "vscode-untrusted", steps, trusted=False)
    _check(result, steps)


#: four trials slow enough (50 small-batch epochs each) for the report to open while they run
LIVE_MODEL = (
    MODEL.replace("# two trials", "# four trials")
    .replace("epochs: 1", "epochs: 150")  # slow enough that the panel opens before trial 2 ends
    .replace("batch_size: 64", "batch_size: 16")
)


@pytest.mark.timeout(1500)
def test_vscode_report_panel_shows_each_trial_as_it_finishes(tmp_path):
    """A 4-trial run from the lens, its report opened from the "Open report" lens: after the
    last trial the same page (never reloaded: a mark set in it stays) lists all 4 trials and
    shows more points than after the first (a pruned trial adds a row, not a point). Screenshots: lenses.png, live-first.png, live-last.png
    (the copies in docs/images/ come from this test)."""
    result = drive(tmp_path, "vscode-live", ["live"], model=LIVE_MODEL, trials=4)
    _check(result, ["live"])
    detail = result["live"]["detail"]
    assert 1 <= detail["first"] < detail["last"] <= 4 and detail["known"] == 4
    assert detail["tabs"] == 1
    assert any("Run HPO" in t for t in detail["titles"])
    assert any("MB" in t for t in detail["titles"]), "the cost lens"
