"""The file watch behind live reports: a write to the SQLite file (or its WAL) is noticed within
a fraction of a second, each change handled once, and nothing is looked at once no report is
shown or for a storage without a file."""

from __future__ import annotations

import asyncio

import pytest
from neural_hpo_server.storage_watch import INTERVAL_S, StampWatch, file_stamp


async def _until(cond, seconds: float) -> None:
    for _ in range(int(seconds / 0.01)):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


@pytest.mark.asyncio
async def test_a_write_is_noticed_once_and_the_watch_ends_with_its_last_report(tmp_path):
    db = tmp_path / "studies.db"
    db.write_bytes(b"x")
    changes: list[tuple] = []
    wanted = True

    async def changed() -> None:
        changes.append(file_stamp(db))

    watch = StampWatch(lambda: db, lambda: wanted, changed)
    watch.start()
    watch.start()  # a running watch goes on: still one
    await asyncio.sleep(3 * INTERVAL_S)
    assert changes == []
    (tmp_path / "studies.db-wal").write_bytes(b"page")  # SQLite in WAL mode writes here first
    await _until(lambda: changes, 10 * INTERVAL_S)
    db.write_bytes(b"xy")
    await _until(lambda: len(changes) == 2, 10 * INTERVAL_S)
    wanted = False
    await _until(lambda: watch._task is None, 10 * INTERVAL_S)
    db.write_bytes(b"xyz")
    await asyncio.sleep(3 * INTERVAL_S)
    assert len(changes) == 2


@pytest.mark.asyncio
async def test_no_watch_without_a_file():
    watch = StampWatch(lambda: None, lambda: True, asyncio.sleep)
    watch.start()
    assert watch._task is None
