"""Fixtures of the language server tests: a real server driven by pytest-lsp's client."""

from __future__ import annotations

import pytest_asyncio
from lsp_support import start, stop


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(workspace):
    """A real language server over the test module's ``workspace``, one for the module."""
    lc = await start(workspace)
    yield lc
    await stop(lc)
