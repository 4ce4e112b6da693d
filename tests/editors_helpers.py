"""Shared helpers of the editor tests: the extension's npm packages, processes, artifacts."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXTENSION = REPO / "vscode-extension"
ARTIFACTS = REPO / "artifacts" / "editors"


def run(cmd: list[str], cwd: Path = REPO, timeout: float = 600, env: dict | None = None) -> str:
    """Runs ``cmd``; its combined output, or an AssertionError that shows it."""
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}"
    return proc.stdout


@functools.cache
def npm_ci() -> Path:
    """``npm ci`` in vscode-extension/ unless node_modules matches the lockfile; its bin dir."""
    lock = hashlib.sha256((EXTENSION / "package-lock.json").read_bytes()).hexdigest()
    stamp = EXTENSION / "node_modules" / ".lock-sha256"
    if not stamp.exists() or stamp.read_text() != lock:
        assert shutil.which("npm"), "npm is missing (Node 20 and npm are needed for editor tests)"
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=EXTENSION)
        stamp.write_text(lock)
    return EXTENSION / "node_modules" / ".bin"


@functools.cache
def vsix() -> Path:
    """The extension packaged to a .vsix (built once per session)."""
    npm_ci()
    run(["npm", "run", "package"], cwd=EXTENSION)
    return EXTENSION / "neural-hpo.vsix"


def artifacts(name: str) -> Path:
    """A fresh folder under artifacts/editors/ for one test's screenshots and logs."""
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def child_env(**extra: str) -> dict[str, str]:
    """The environment for editor processes: this Python first on PATH, and this checkout's
    packages (``neural_hpo`` and the server's) imported wherever the editor starts the server."""
    env = dict(os.environ, **extra)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    paths = [str(REPO), str(REPO / "server"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env
