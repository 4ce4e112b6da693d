"""Headless Chromium driven over its DevTools protocol on a pipe (``--remote-debugging-pipe``):
no websocket, no port. Enough to load a page, evaluate JavaScript and move or click the mouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from _browser import FLAGS, chromium


class Browser:
    """One Chromium with one page; use as a context manager."""

    def __init__(self, url: str, size: tuple[int, int] = (1280, 1000)) -> None:
        self._profile = tempfile.TemporaryDirectory()
        to_child, self._send = os.pipe()
        self._recv, from_child = os.pipe()

        def fds() -> None:  # the protocol's fixed descriptors: 3 reads commands, 4 writes
            read, write = os.dup(to_child), os.dup(from_child)  # neither is 3 or 4 then
            os.dup2(read, 3)
            os.dup2(write, 4)

        argv = [chromium(), *FLAGS, "--remote-debugging-pipe", f"--window-size={size[0]},{size[1]}"]
        argv += [f"--user-data-dir={self._profile.name}", "about:blank"]
        self._proc = subprocess.Popen(
            argv,
            preexec_fn=fds,
            close_fds=False,  # keeps 3 and 4 (dup2 made them inheritable); ours are not
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._buf, self._id = b"", 0
        target = self.call("Target.createTarget", url=url)["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are dropped)."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if method.split(".")[0] not in ("Target", "Browser"):
            msg["sessionId"] = self._session
        os.write(self._send, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                chunk = os.read(self._recv, 1 << 16)
                assert chunk, "chromium closed the DevTools pipe"
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._id:
                assert "error" not in answer, answer["error"]
                return answer["result"]

    def js(self, expression: str) -> Any:
        """The value of ``expression`` in the page (awaited when it is a promise)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def mouse(self, kind: str, x: float, y: float) -> None:
        """``kind``: mouseMoved, or click (pressed then released)."""
        if kind == "click":
            for event in ("mousePressed", "mouseReleased"):
                self.call(
                    "Input.dispatchMouseEvent", type=event, x=x, y=y, button="left", clickCount=1
                )
        else:
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._send)
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._recv)
        self._remove_profile()

    def _remove_profile(self) -> None:
        """Chromium's helper processes may still write to the profile for a moment after the
        browser ends: try again, then leave what is left to the system's temp clean-up."""
        for _ in range(20):
            try:
                self._profile.cleanup()
                return
            except OSError:
                time.sleep(0.1)
        shutil.rmtree(self._profile.name, ignore_errors=True)


def open_browser(path: Path) -> Browser:
    """``path`` loaded in a fresh headless Chromium, its document ready."""
    browser = Browser(path.resolve().as_uri())
    browser.wait_for("location.protocol === 'file:' && document.readyState === 'complete'")
    return browser
