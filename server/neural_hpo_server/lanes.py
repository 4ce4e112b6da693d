"""A lane: one daemon thread running the calls submitted to it in order.

``ThreadPoolExecutor``'s workers are joined when the interpreter exits, so an ``exit`` that
arrives during the analysis of a huge document waited for it (23 s for 20 MB). A lane's thread
is a daemon: the process ends as soon as the server's main thread does.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any


class Lane(Executor):
    """An executor of one daemon thread; ``loop.run_in_executor`` accepts it."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)``; after ``shutdown`` the future comes back cancelled."""
        fut: Future = Future()
        if self._closed:
            fut.cancel()
        else:
            self._queue.put((fut, fn, args, kwargs))
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Take no more calls; drop the queued ones (``cancel_futures``). Never waits for the
        running one: it ends with the process."""
        self._closed = True
        while cancel_futures:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        self._queue.put(None)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            fut, fn, args, kwargs = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to whoever awaits the future
                fut.set_exception(exc)
