"""Drive the language server over stdio on a generated 1,000-line file and print latencies.

Figures: start-up to the initialize result; didChange -> publishDiagnostics after the last edit
of a typing burst (debounce included), for bursts that leave the text valid and bursts that end
in a syntax error (typing ``Dense(`` on a new line); completion and hover; RSS across 5,000 edits.
Run: ``python bench/lsp.py [--macro]`` from the repository root (``--macro``: the networks use a
macro, so an edit's diagnostics need the macro too).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "server")])}
CMD = [sys.executable, "-m", "neural_hpo.cli", "lsp"]


def generate(lines: int = 1000, macro: bool = False) -> str:
    """Networks of ~50 lines each until ``lines`` lines; with ``macro`` each pools through a
    macro defined at the top (so every network depends on another item)."""
    out: list[str] = (
        ["define Pool(k) {", "    MaxPooling2D(pool_size: ($k, $k))", "}", ""] if macro else []
    )
    i = 0
    while len(out) < lines:
        out += [f"network Net{i} {{", "    input: (28, 28, 1)"]
        out += ["    Conv2D(filters: hpo(categorical: [16, 32]), kernel_size: (3, 3)) -> relu"]
        out += [
            "    Pool(k=2)" if macro else "    MaxPooling2D(pool_size: (2, 2))",
            "    Flatten()",
        ]
        for k in range(30):
            out.append(
                "    Dense(units: hpo(categorical: [64, 128, 256])) -> relu"
                if k % 2 == 0
                else "    Dropout(rate: hpo(range: [0.1, 0.5, step=0.1]))"
            )
        out += ["    Dense(units: 10) -> softmax", "    loss: cross_entropy"]
        out += ["    optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2]))"]
        out += ["    training: {", "        batch_size: hpo(categorical: [16, 32, 64])"]
        out += ["        epochs: 1", "    }", "}", ""]
        i += 1
    return "\n".join(out) + "\n"


class Client:
    """A minimal JSON-RPC client: requests by id, notifications by method."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.next_id = 0
        self.waiting: dict[int, asyncio.Future] = {}
        self.diagnostics: dict[int, float] = {}  # version -> arrival time
        self.notes: list[tuple[float, dict]] = []  # other notifications: (arrival time, message)
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while (header := await out.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            if length is None:
                return
            msg = json.loads(await out.readexactly(length))
            now = time.perf_counter()
            if "id" in msg and "method" not in msg:
                self.waiting.pop(msg["id"]).set_result((now, msg.get("result")))
            elif msg.get("method") == "textDocument/publishDiagnostics":
                v = msg["params"].get("version")
                if v is not None:
                    self.diagnostics[v] = now
            elif "id" in msg:  # a request from the server: answer with null
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            else:
                self.notes.append((now, msg))

    def _send(self, msg: dict) -> None:
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    async def request(self, method: str, params) -> tuple[float, object]:
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = fut
        t0 = time.perf_counter()
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        await self.proc.stdin.drain()
        t1, result = await fut
        return t1 - t0, result

    def notify(self, method: str, params) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def edit(self, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str):
        """One incremental change: replace [start, end) (line, character) by ``text``."""
        rng = {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        }
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": rng, "text": text}],
            },
        )

    async def published(self, version: int) -> float:
        """When the diagnostics of ``version`` arrived (waiting for them)."""
        while version not in self.diagnostics:
            await asyncio.sleep(0.002)
        return self.diagnostics[version]


async def spawn(root: Path, quiet: bool = False) -> tuple[Client, float]:
    """A started server for workspace ``root`` and the seconds to its initialize result
    (``quiet``: its log, refused requests included, is not shown)."""
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *CMD,
        env=ENV,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL if quiet else None,
        limit=2**24,
    )
    client = Client(proc)
    caps = {"textDocument": {"completion": {"completionItem": {"snippetSupport": True}}}}
    params = {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": caps}
    await client.request("initialize", params)
    elapsed = time.perf_counter() - t0
    client.notify("initialized", {})
    return client, elapsed


async def close(client: Client) -> None:
    await client.request("shutdown", None)
    client.notify("exit", None)
    await client.proc.wait()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def show(name: str, xs: list[float], target: str) -> None:
    ms = [x * 1000 for x in xs]
    print(
        f"{name:<34} p50 {pct(ms, 0.5):8.1f} ms   p95 {pct(ms, 0.95):8.1f} ms   (n={len(ms)}, target {target})"
    )


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def main(macro: bool) -> None:
    root = Path(tempfile.mkdtemp(prefix="lsp-bench-"))
    text = generate(macro=macro)
    lines = text.splitlines()
    path = root / "big.neural"
    path.write_text(text)
    uri = path.as_uri()
    print(f"file: {len(lines)} lines, {len(text)} characters, {text.count('hpo(')} hpo expressions")

    starts = []
    for _ in range(5):
        c, elapsed = await spawn(root)
        starts.append(elapsed)
        await close(c)
    show("start-up -> initialize result", starts, "<= 500 ms")

    c, _ = await spawn(root)
    c.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "neural", "version": 1, "text": text}},
    )
    while 1 not in c.diagnostics:
        await asyncio.sleep(0.01)
    rng = random.Random(0)
    version = 1

    async def burst(edits: list[tuple[tuple[int, int], tuple[int, int], str]]) -> float:
        """Type ``edits`` 30 ms apart: seconds from the last to its diagnostics."""
        nonlocal version
        for start, end, text in edits:
            version += 1
            c.edit(uri, version, start, end, text)
            last = time.perf_counter()
            await c.proc.stdin.drain()
            await asyncio.sleep(0.03)
        return await c.published(version) - last

    diag = []
    for _ in range(25):  # typing bursts: 5 keystrokes at a line's start (x, delete, x, ...)
        n = rng.randrange(len(lines))
        diag.append(await burst([((n, 0), (n, k % 2), "" if k % 2 else "x") for k in range(5)]))
    show("didChange -> publishDiagnostics", diag, "p95 <= 100 ms")

    broken = []
    for _ in range(25):  # Enter, then a new layer line up to "Dense(": the text ends unparseable
        n = rng.choice([n for n, t in enumerate(lines) if t.startswith("    Dropout")])
        end = len(lines[n])
        typed = [((n, end), (n, end), "\n    ")]
        typed += [((n + 1, 4 + k), (n + 1, 4 + k), ch) for k, ch in enumerate("Dense(")]
        broken.append(await burst(typed))
        await burst([((n, end), (n + 1, 10), "")])  # and take the line out again
    show("  ... burst ending in a syntax error", broken, "p95 <= 100 ms")

    comp, hov = [], []
    for _ in range(200):
        n = rng.randrange(len(lines))
        col = lines[n].find("(") + 1
        t, _ = await c.request(
            "textDocument/completion",
            {"textDocument": {"uri": uri}, "position": {"line": n, "character": max(col, 0)}},
        )
        comp.append(t)
        t, _ = await c.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": n, "character": max(col + 2, 0)}},
        )
        hov.append(t)
    show("completion", comp, "p95 <= 10 ms")
    show("hover", hov, "p95 <= 10 ms")

    rss = [rss_kib(c.proc.pid)]
    for i in range(5000):
        version += 1
        n = rng.randrange(len(lines))
        c.edit(uri, version, (n, 0), (n, i % 2), "" if i % 2 else "x")
        if i % 50 == 0:
            await c.proc.stdin.drain()
        if (i + 1) % 1000 == 0:
            await c.request(
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
            )
            await c.published(version)
            rss.append(rss_kib(c.proc.pid))
    print("RSS after open and every 1,000 edits:", " ".join(f"{r / 1024:.0f}" for r in rss), "MiB")
    print(
        f"RSS growth over 5,000 edits: {(rss[-1] - rss[1]) / 1024:+.1f} MiB (after the first 1,000)"
    )
    await close(c)


if __name__ == "__main__":
    asyncio.run(main(macro="--macro" in sys.argv[1:]))
