"""Headless Chromium as the tests drive it: dumped DOM, console messages and a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
_CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\] (.*)")


@dataclass
class Page:
    dom: str
    console: list[str]
    pixels: np.ndarray


def chromium() -> str:
    path = shutil.which("chromium")
    assert path, "Debian's chromium is not installed: run scripts/setup.sh"
    return path


def _run(url: str, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def open_page(path: Path, size: str = "1280,2000") -> Page:
    """Load ``path`` twice: once for the DOM and console, once for a screenshot."""
    url = path.resolve().as_uri()
    dumped = _run(url, "--dump-dom")
    console = [m.group(1) for line in dumped.stderr.splitlines() if (m := _CONSOLE.search(line))]
    with tempfile.TemporaryDirectory() as out:
        png = Path(out) / "shot.png"
        _run(url, f"--screenshot={png}", f"--window-size={size}")
        pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    return Page(dumped.stdout, console, pixels)
