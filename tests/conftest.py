"""Shared helpers for the test suite."""

from __future__ import annotations

import os

import pytest
import pytest_asyncio
from hypothesis import settings

# CI runs the same examples every time (a red build must be reproducible); local runs explore.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Ray binds to loopback only in tests (see DEVELOPERS guide).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
# No test reaches the internet: datasets download only from the loopback mirrors tests start.
os.environ["NEURAL_HPO_OFFLINE"] = "1"


def wrap(body: str, name: str = "Net", input_shape: str = "(28, 28, 1)") -> str:
    """A network around ``body`` lines, with an input shape unless the body has one."""
    lines = [f"network {name} {{"]
    if "input:" not in body:
        lines.append(f"    input: {input_shape}")
    lines += ["    " + line for line in body.strip().splitlines()]
    lines.append("}")
    return "\n".join(lines) + "\n"


def span_tuple(source: str, needle: str, occurrence: int = 0) -> tuple[int, int, int, int]:
    """0-based (line, col, end_line, end_col) of the ``occurrence``-th ``needle`` in ``source``."""
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(needle, start + 1)
    end = start + len(needle)
    line = source.count("\n", 0, start)
    col = start - (source.rfind("\n", 0, start) + 1)
    end_line = source.count("\n", 0, end)
    end_col = end - (source.rfind("\n", 0, end) + 1)
    return (line, col, end_line, end_col)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(workspace):
    """A real language server over the test module's ``workspace``, one for the module."""
    from lsp_support import start, stop  # pytest-lsp loads where a test asks for a server

    lc = await start(workspace)
    yield lc
    await stop(lc)


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server for the whole test run (``postgres.database()``: a new empty
    database's URL), stopped at the end."""
    from postgres_helpers import postgres_server

    with postgres_server() as server:
        yield server
