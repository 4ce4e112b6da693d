"""Diagnostics for `.neural` files in the workspace that are not open: a scan at start-up, then
watchdog keeps them current (debounced through the analyzer's disk lane). Without watchdog (the
VS Code extension's bundle has none: its wheels are per platform), the client's
``workspace/didChangeWatchedFiles`` notifications do the same."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

try:
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
except ImportError:  # the extension's bundle: the client watches instead
    Observer = None  # type: ignore[assignment,misc]
    FileSystemEventHandler = object  # type: ignore[assignment,misc]

from . import diagnostics

if TYPE_CHECKING:
    from .server import NeuralServer

log = logging.getLogger(__name__)

SUFFIX = ".neural"
#: directories never scanned or watched
SKIP_DIRS = {".git", ".hg", ".neural-hpo", "node_modules", "__pycache__", ".venv", "venv", "build"}
#: seconds of quiet after a change on disk before analysing
DISK_DEBOUNCE_S = 0.2
MAX_FILES = 5000


def neural_files(root: Path) -> list[Path]:
    """The `.neural` files under ``root``, skipping hidden and build directories."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
        found += [Path(dirpath, f) for f in filenames if f.endswith(SUFFIX)]
        if len(found) >= MAX_FILES:
            log.warning(
                "more than %d .neural files under %s; checking the first ones", MAX_FILES, root
            )
            break
    return found


def _skipped(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts[:-1] if path.is_relative_to(root) else path.parts[:-1]
    return any(part in SKIP_DIRS or part.startswith(".") for part in parts)


class _Handler(FileSystemEventHandler):
    """Forwards changes of `.neural` files under one root to the event loop."""

    def __init__(self, ls: NeuralServer, loop: asyncio.AbstractEventLoop, root: Path) -> None:
        self.ls, self.loop, self.root = ls, loop, root

    def on_any_event(self, event: FileSystemEvent) -> None:  # type: ignore[name-defined]
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        for p in (event.src_path, getattr(event, "dest_path", "")):
            path = Path(os.fsdecode(p)) if p else None
            if path is not None and path.suffix == SUFFIX and not _skipped(path, self.root):
                self.loop.call_soon_threadsafe(refresh, self.ls, path)


def refresh(ls: NeuralServer, path: Path) -> None:
    """Re-check ``path`` from disk unless it is open; clear its diagnostics if it is gone."""
    uri = from_fs_path(str(path))
    if uri is None or uri in ls.documents:
        return
    if path.is_file():
        ls.analyzer.schedule(uri, lambda: ls.text_of(uri), None, lane="disk", delay=DISK_DEBOUNCE_S)
    else:
        ls.analyzer.forget(uri)
        diagnostics.clear(ls, uri)


def register(ls: NeuralServer) -> None:
    observer = Observer() if Observer is not None else None

    async def start() -> None:
        loop = asyncio.get_running_loop()
        roots = ls.roots()
        if observer is not None:
            for root in roots:
                observer.schedule(_Handler(ls, loop, root), str(root), recursive=True)
            if roots:
                observer.daemon = True
                observer.start()
        for root in roots:
            files = await loop.run_in_executor(None, neural_files, root)
            for path in files:
                refresh(ls, path)

    def stop() -> None:
        if observer is not None and observer.is_alive():
            observer.stop()

    ls.on_ready.append(start)
    ls.on_shutdown.append(stop)
    if observer is None:
        log.info("watchdog is not installed: files on disk follow the client's file events")

        @ls.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
        def watched(ls: NeuralServer, params: lsp.DidChangeWatchedFilesParams) -> None:
            for change in params.changes:
                path = to_fs_path(change.uri)
                if path is not None and path.endswith(SUFFIX):
                    refresh(ls, Path(path))
