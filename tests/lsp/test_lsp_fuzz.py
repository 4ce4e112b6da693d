"""Hostile input never takes the server down: 2,000 random and mutated incremental edits
(ranges past line ends and the last line, reversed ranges, positions inside surrogate pairs, lone
surrogates, huge lines), interleaved with requests; afterwards it still answers hover within a
second and analyses a clean document correctly."""

from __future__ import annotations

import asyncio
import random

import pytest
from lsp_support import SEED, change, diagnostics, open_doc, pos, start, stop, until
from lsprotocol import types as T

pytestmark = pytest.mark.asyncio(loop_scope="module")

PIECES = [
    "hpo(",
    "categorical: [",
    "]",
    ")",
    "(",
    "{",
    "}",
    "->",
    "Dense",
    "units:",
    " 64",
    "\n",
    "\r\n",
    "\r",
    "😀",
    "\ud800",
    "é",
    "network",
    "define X(a) {",
    "$a",
    '"',
    "#",
    "//",
    "HPO(choice(",
    "1e-",
    ",",
    "=",
    "*",
    "@",
]


def random_text(rng: random.Random) -> str:
    if rng.random() < 0.01:
        return "x" * rng.randint(50_000, 200_000)  # a huge line
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8)))


def random_position(rng: random.Random) -> T.Position:
    return T.Position(
        rng.randint(0, 40), rng.choice([0, 1, 3, 5, 17, 80, 10_000, rng.randint(0, 200)])
    )


async def test_two_thousand_hostile_edits(tmp_path) -> None:
    rng = random.Random(8)
    lc = await start(tmp_path)
    try:
        uri = open_doc(lc, tmp_path / "fuzz.neural", SEED)
        await diagnostics(lc, uri)
        td = T.TextDocumentIdentifier(uri)
        pending = []
        for version in range(2, 2002):
            a, b = random_position(rng), random_position(rng)
            change(
                lc, uri, version, T.Range(a, b) if rng.random() < 0.97 else None, random_text(rng)
            )
            if version % 100 == 0:
                pending.append(
                    lc.text_document_hover_async(T.HoverParams(td, random_position(rng)))
                )
                pending.append(
                    lc.text_document_completion_async(T.CompletionParams(td, random_position(rng)))
                )
        await asyncio.gather(*pending)
        hover = await asyncio.wait_for(
            lc.text_document_hover_async(T.HoverParams(td, T.Position(0, 0))), 1.0
        )
        assert hover is None or hover.contents is not None
        change(lc, uri, 3000, None, SEED.replace("Dropout", "Dropot"))
        await until(
            lambda: [d.code for d in lc.diagnostics.get(uri, [])] == ["E301"],
            20,
            "the clean document's diagnostics",
        )
        hover = await asyncio.wait_for(
            lc.text_document_hover_async(T.HoverParams(td, pos(SEED, "hpo(categorical", 1))), 1.0
        )
        assert "dense_1.units" in hover.contents.value
        assert lc.error is None
    finally:
        await stop(lc)
