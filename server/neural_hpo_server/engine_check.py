"""Whether the interpreter that runs studies (``neural.python``) has neural-hpo's engine.

The server itself may run from the VS Code extension's bundle (the language part only); runs,
reports and importance need neural-hpo with torch and optuna in that interpreter. A cheap probe
(module lookups, no imports) answers in a child process; the "Run HPO" lens then says what is
missing and offers the install command instead of failing.
"""

from __future__ import annotations

import subprocess
import time

#: what a study's process imports
ENGINE_MODULES = ("neural_hpo.engine", "optuna", "torch")
#: how long a "missing" answer stands before the next probe (the user may be installing)
RECHECK_S = 10.0
#: the command the lens offers
INSTALL = "pip install neural-hpo"

_PROBE = f"""
import importlib.util
missing = []
for name in {ENGINE_MODULES!r}:
    try:
        found = importlib.util.find_spec(name) is not None
    except ImportError:
        found = False
    if not found:
        missing.append(name)
print(" ".join(missing))
"""

_found: set[str] = set()
_missing: dict[str, tuple[float, str]] = {}


def problem(python: str) -> str | None:
    """None when ``python`` can run studies; else what is missing, in words (runs a child)."""
    if python in _found:
        return None
    seen = _missing.get(python)
    if seen is not None and time.monotonic() - seen[0] < RECHECK_S:
        return seen[1]
    try:
        out = subprocess.run(
            [python, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        answer = f"cannot run {python} ({exc})"
    else:
        if not out:
            _found.add(python)
            return None
        names = ", ".join("neural-hpo" if m.startswith("neural_hpo") else m for m in out)
        answer = f"{python} lacks {names}"
    _missing[python] = (time.monotonic(), answer)
    return answer
