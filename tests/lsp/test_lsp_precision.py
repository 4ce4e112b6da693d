"""``training: { precision: ... }`` in the editor, through a real language server: the key and
its values are completed, hovered and checked from the one catalog."""

from __future__ import annotations

import pytest
from lsp_support import diagnostics, open_doc, pos
from lsprotocol import types as T

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = """network N {
    input: (8, 8, 1)
    Dense(units: 16) -> relu
    Output(units: 10)
    training: { precision: bf16, epochs: 2 }
}
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("ws")


async def labels_at(client, uri_path, text: str) -> list[str]:
    uri = open_doc(client, uri_path, text)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), pos(text + "\0", "\0"))
    )
    return [i.label for i in result.items]


async def test_precision_is_completed_hovered_and_checked(client, workspace) -> None:
    half = workspace / "half.neural"
    assert "precision" in await labels_at(client, half, "network N {\n    training: {\n        ")
    values = await labels_at(client, half, "network N {\n    training: { precision: ")
    assert {"fp32", "bf16", "fp16"} <= set(values), values
    uri = open_doc(client, workspace / "net.neural", SOURCE)
    (diags,) = await diagnostics(client, uri)
    assert not diags
    answer = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), pos(SOURCE, "precision", 1))
    )
    assert "bf16" in answer.contents.value and "autocast" in answer.contents.value
    bad = open_doc(client, workspace / "bad.neural", SOURCE.replace("bf16", "int8"))
    (diags,) = await diagnostics(client, bad)
    assert [d.code for d in diags] == ["E304"]
