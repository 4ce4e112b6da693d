"""Live reports' bookkeeping, with a real SQLite study: a run that ends while its report is being
opened (before the page is watched) still gives that page its final notice, once."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from lsp_support import add_trials
from neural_hpo_server.live_reports import LiveReports


class _Studies:
    """What LiveReports asks of the server's StudyStore: its URL, a worker to read in, and the
    newest study of a network (here: none replaced)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def in_worker(self, fn, *args):
        return fn(*args)

    def get(self, network: str):
        return None


def _job(uri: str, network: str, state: str) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(uri=uri, network=network), state=state)


@pytest.mark.asyncio
async def test_a_run_ending_before_its_page_is_watched_still_ends_the_page(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    study = add_trials(url, 2)
    sent: list[tuple[str, dict]] = []
    live = LiveReports(_Studies(url), lambda method, params: sent.append((method, params)))

    live.job_changed(_job("file:///m.neural", "MyModel", "finished"))  # no page yet
    await live.watch("file:///m.neural", "MyModel", study.study_name)
    await live.refresh()
    assert [p["final"] for _, p in sent] == [True]

    sent.clear()  # the client fetches the whole report again: watched anew, no second final
    await live.watch("file:///m.neural", "MyModel", study.study_name)
    await live.refresh()
    assert sent == []
    live.closed("file:///m.neural", "MyModel")
    await asyncio.sleep(0)
