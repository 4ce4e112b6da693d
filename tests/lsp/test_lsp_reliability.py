"""The server under hostile documents: it exits promptly while a huge document is being
analysed, and publishes a located error for nesting too deep to parse."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsp_support import diagnostics, open_doc, start, stop

pytestmark = pytest.mark.asyncio(loop_scope="module")

NET = """network N{i} {{
    input: (28, 28, 1)
    Flatten()
    Dense(units: hpo(categorical: [64, 128])) -> relu
    Output(units: 10)
}}
"""


async def test_exit_does_not_wait_for_the_analysis_of_a_huge_document(tmp_path) -> None:
    lc = await start(tmp_path)
    huge = "".join(NET.format(i=i) for i in range(25_000))  # 3.3 MB: seconds to analyse
    open_doc(lc, tmp_path / "huge.neural", huge)
    await asyncio.sleep(1.0)  # the analysis is under way
    t0 = time.perf_counter()
    await stop(lc)  # shutdown, exit, and the process ending
    assert time.perf_counter() - t0 < 2.5


async def test_nesting_too_deep_is_published_as_e104(tmp_path) -> None:
    lc = await start(tmp_path)
    deep = "network Deep {\n    input: (8,)\n    Dense(units: " + "(" * 500 + "1" + ")" * 500
    deep += ")\n    Output(units: 2)\n}\n"
    uri = open_doc(lc, tmp_path / "deep.neural", deep)
    (found,) = await diagnostics(lc, uri)
    await stop(lc)
    e104 = [d for d in found if d.code == "E104"]
    assert e104 and e104[0].range.start.line == 2, found
