"""How soon a trial that another process stores reaches a report shown in the editor.

A language server (over stdio) shows the report of a study in a temporary workspace's SQLite
storage (``neural/report``); this process then stores one trial at a time, as a CLI run does,
and times each ``neural/reportTrials`` notification from the commit. The reference is the
studies poll the push waited for before the file watch (``storage_watch``): one read every
``POLL_BUSY_S`` while a report is shown, so about half of it on average.
Run: ``python bench/live_push.py [N]`` from the repository root (N trials, default 10).
Target (issue 15): well under 1 s.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import optuna

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT / "server")]
from lsp import close, pct, spawn  # noqa: E402
from lsp_support import SEED  # noqa: E402
from neural_hpo_server.studies import POLL_BUSY_S  # noqa: E402
from test_lsp_studies import add_trials  # noqa: E402


async def pushes(n: int) -> list[float]:
    """Seconds from each stored trial to its notification, for ``n`` trials."""
    root = Path(tempfile.mkdtemp(prefix="live-push-"))
    (root / ".neural-hpo").mkdir()
    url = f"sqlite:///{root / '.neural-hpo' / 'studies.db'}"
    add_trials(url, 3)
    path = root / "seed.neural"
    path.write_text(SEED)
    client, _ = await spawn(root, quiet=True)
    doc = {"uri": path.as_uri(), "languageId": "neural", "version": 1, "text": SEED}
    client.notify("textDocument/didOpen", {"textDocument": doc})
    params = {"uri": path.as_uri(), "network": "MyModel"}
    while True:  # refused until the server has read the study
        _, shown = await client.request("neural/report", params)
        if shown:
            break
        await asyncio.sleep(0.2)
    loop, out = asyncio.get_running_loop(), []
    for _ in range(n):
        before = len(client.notes)
        await loop.run_in_executor(None, add_trials, url, 1)
        stored = time.perf_counter()
        while not any(m.get("method") == "neural/reportTrials" for _, m in client.notes[before:]):
            await asyncio.sleep(0.005)
        arrived = next(t for t, m in client.notes[before:] if m["method"] == "neural/reportTrials")
        out.append(arrived - stored)
        await asyncio.sleep(0.3)
    await close(client)
    return out


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 10
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ms = [x * 1000 for x in asyncio.run(pushes(n))]
    p50 = pct(ms, 0.5)
    print(f"stored -> pushed  p50 {p50:7.0f} ms  p95 {pct(ms, 0.95):7.0f} ms  (n={n})")
    print(f"ratio p50 / studies poll ({POLL_BUSY_S:.0f} s): {p50 / (POLL_BUSY_S * 1000):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
