"""Fills ``bundled/libs`` (and copies the project's LICENSE beside package.json) with the language part of neural-hpo and its pure-Python dependencies
(``npm run bundle-python``, part of ``vscode:prepublish``), as the vscode-python-tools template
does with ``pip install --target``: wheels for any platform and Python >= 3.10, no compiled code.
neural_hpo and neural_hpo_server are copied from this checkout (the whole package: its engine
modules load only in a study's process, which uses the interpreter's own neural-hpo)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

EXTENSION = Path(__file__).resolve().parent.parent
REPO = EXTENSION.parent
LIBS = EXTENSION / "bundled" / "libs"
REQUIREMENTS = EXTENSION / "bundled" / "requirements.txt"
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def main() -> None:
    shutil.rmtree(LIBS, ignore_errors=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    pip += ["--target", str(LIBS), "--no-compile", "--only-binary=:all:", "--implementation", "py"]
    pip += ["--python-version", "3.10", "--platform", "any", "-r", str(REQUIREMENTS)]
    subprocess.run(pip, check=True)
    shutil.rmtree(LIBS / "bin", ignore_errors=True)
    shutil.copytree(REPO / "neural_hpo", LIBS / "neural_hpo", ignore=SKIP)
    shutil.copytree(REPO / "server" / "neural_hpo_server", LIBS / "neural_hpo_server", ignore=SKIP)
    shutil.copy(REPO / "LICENSE", LIBS / "neural_hpo" / "LICENSE")
    shutil.copy(REPO / "LICENSE", EXTENSION / "LICENSE")  # what vsce ships as the licence


if __name__ == "__main__":
    main()
