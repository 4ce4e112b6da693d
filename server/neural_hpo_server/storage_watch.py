"""Noticing a write to the study database within a fraction of a second, while it matters.

The studies poll re-reads the whole storage (every 2 s at best). A report on screen is told
sooner: while one is shown, the SQLite file's and its WAL's size and modification time are
looked at every ``INTERVAL_S`` (two ``stat`` calls, no database read), and a change makes the
report read its own study. Any writer counts, another process's too (a CLI run). Other databases
have no such stamp: their reports follow the studies poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger(__name__)

#: seconds between two looks at the database file while a watch is wanted
INTERVAL_S = 0.2


def file_stamp(path: Path) -> tuple[int | None, ...]:
    """Size and mtime of the SQLite database and of its write-ahead log (None: no such file)."""
    out: list[int | None] = []
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            st = p.stat()
            out += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            out += [None, None]
    return tuple(out)


class StampWatch:
    """Awaits ``changed()`` after each change of the file ``path_of()`` names, for as long as
    ``wanted()`` holds; one change is handled before the file is looked at again."""

    def __init__(
        self,
        path_of: Callable[[], Path | None],
        wanted: Callable[[], bool],
        changed: Callable[[], Awaitable[None]],
    ) -> None:
        self._path_of, self._wanted, self._changed = path_of, wanted, changed
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start looking (once: a running watch goes on); nothing for a non-SQLite storage."""
        if self._task is None and self._path_of() is not None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            path = self._path_of()
            last = file_stamp(path) if path else None
            while path is not None and self._wanted():
                await asyncio.sleep(INTERVAL_S)
                path = self._path_of()  # the storage setting may change meanwhile
                now = file_stamp(path) if path else None
                if now != last:
                    last = now
                    try:
                        await self._changed()
                    except Exception:  # the next change tries again
                        log.exception("handling a change of %s failed", path)
        finally:
            self._task = None
