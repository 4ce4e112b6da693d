"""The catalog additions in the editor, through a real language server: diagnostics of the new
warnings, completion of the new layers, arguments, schedules and metrics, and hover docs."""

from __future__ import annotations

import pytest
from lsp_support import diagnostics, open_doc, pos
from lsprotocol import types as T

pytestmark = pytest.mark.asyncio(loop_scope="module")

LEGACY = """network Text {
  input: (40,)
  layers:
    Embedding(input_dim=500, output_dim=16, mask_zero=True)
    PositionalEncoding(max_len=64, encoding="learnable")
    TransformerEncoder(num_heads=2, ff_dim=32, num_layers=2, activation="gelu")
    GlobalAveragePooling1D()
    Output(2, "softmax")
  loss: "sparse_categorical_crossentropy"
  optimizer: SGD(learning_rate=ExponentialDecay(0.1, 1000, 0.96), clipnorm=1.0)
  metrics: ["accuracy", "auc"]
  train { epochs: 3, early_stopping: 2 }
}
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    (ws / "legacy.neural").write_text(LEGACY)
    return ws


async def labels_at(client, workspace, text: str) -> list[str]:
    uri = open_doc(client, workspace / "half.neural", text)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), pos(text + "\0", "\0"))
    )
    return [i.label for i in result.items]


COMPLETIONS = [
    ("network N {\n    ", ["PositionalEncoding", "DepthwiseConv2D", "SeparableConv2D"]),
    ("network N {\n    Embedding(", ["mask_zero"]),
    ("network N {\n    LSTM(", ["recurrent_dropout"]),
    ("network N {\n    TransformerEncoder(", ["num_layers", "ff_activation", "use_attention_mask"]),
    ("network N {\n    MultiHeadAttention(", ["value_dim"]),
    ("network N {\n    PositionalEncoding(encoding: ", ["sinusoidal", "learnable"]),
    ("network N {\n    optimizer: adam(", ["clipnorm", "clipvalue"]),
    ("network N {\n    optimizer: adam(learning_rate: ", ["ExponentialDecay", "StepDecay"]),
    ("network N {\n    optimizer: sgd(lr=ExponentialDecay(", ["decay_steps", "staircase"]),
    ("network N {\n    lr_schedule: ", ["ExponentialDecay", "StepDecay"]),
    ("network N {\n    training: {\n        ", ["gradient_clip", "early_stopping"]),
    ("network N {\n    metrics: [", ["mae", "top_k_categorical_accuracy", "auc"]),
]


@pytest.mark.parametrize(("text", "expected"), COMPLETIONS)
async def test_completion_offers_the_catalog_additions(client, workspace, text, expected) -> None:
    labels = await labels_at(client, workspace, text)
    assert set(expected) <= set(labels), labels


async def test_warnings_and_hover_on_a_legacy_file(client, workspace) -> None:
    uri = open_doc(client, workspace / "legacy.neural")
    (diags,) = await diagnostics(client, uri)
    assert [d.code for d in diags if d.code != "W503"] == ["W520"]
    td = T.TextDocumentIdentifier(uri)

    async def hover(needle: str, delta: int = 1) -> str:
        answer = await client.text_document_hover_async(
            T.HoverParams(td, pos(LEGACY, needle, delta))
        )
        return answer.contents.value

    assert "max_len" in await hover("PositionalEncoding") and "learnable" in await hover(
        "PositionalEncoding"
    )
    assert "padding" in await hover("mask_zero")
    assert "own weights" in await hover("num_layers")
    assert "ExponentialDecay" in await hover("ExponentialDecay") and "decay_steps" in await hover(
        "ExponentialDecay"
    )
    assert "each weight tensor" in await hover("clipnorm")
    assert "patience" in await hover("early_stopping")
    assert "metric auc** (to maximize): macro one-vs-rest ROC-AUC" in await hover('"auc"')
