"""Settings and fixtures of the whole test suite (shared data: ``corpus.py``; the language
server's client fixture: ``lsp/conftest.py``)."""

from __future__ import annotations

import os

import pytest
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


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server for the whole test run (``postgres.database()``: a new empty
    database's URL), stopped at the end."""
    from postgres_helpers import postgres_server

    with postgres_server() as server:
        yield server
