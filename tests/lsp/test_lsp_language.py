"""The language features end to end: diagnostics (open and on-disk files), completion, hover,
symbols, folding, semantic tokens, definition, quick fixes, settings and start-up."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from lsp_support import (
    SEED,
    change,
    diagnostics,
    open_doc,
    pos,
    server_env,
    start,
    stop,
    until,
    uri_of,
)
from lsprotocol import types as T

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROKEN = """// 😀 a comment with an astral character
network Net {
    input: (28, 28, 1)
    Dense(units: 64) -> rleu
    Dropot(rate: 0.5)
    Output(units: 10)
}
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    (ws / "seed.neural").write_text(SEED)
    (ws / "closed.neural").write_text(BROKEN)
    (ws / "macros.neural").write_text(
        "define Block(w) {\n    Dense(units: $w) -> relu\n}\nnetwork M {\n    input: (8,)\n    Block(w=16)\n    Output(units: 2)\n}\n"
    )
    return ws


async def test_initialize_is_fast_and_loads_nothing_heavy(tmp_path) -> None:
    t0 = time.perf_counter()
    lc = await start(tmp_path)
    elapsed = time.perf_counter() - t0
    await stop(lc)
    assert elapsed < 5.0  # process start included; bench/lsp.py reports the real figure
    code = (
        "import sys, neural_hpo_server.server as s; s.create_server();"
        "print(','.join(m for m in ('torch','optuna','ray','sklearn','matplotlib','lark') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=server_env(), capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


async def test_diagnostics_with_utf16_ranges_and_suggestions(client, workspace) -> None:
    text = BROKEN.replace("}", '    loss: "😀"\n}')
    uri = open_doc(client, workspace / "seed.neural", text)
    (diags,) = await diagnostics(client, uri)
    by_code = {d.code: d for d in diags}
    assert set(by_code) == {"E308", "E301", "E310"}
    assert by_code["E310"].range == T.Range(
        pos(text, '"😀"'), pos(text, '"😀"', 3)
    )  # 3 code points, 4 UTF-16 units
    assert by_code["E301"].range.start == pos(BROKEN, "Dropot")
    start, end = pos(BROKEN, "Dropot"), pos(BROKEN, "Dropot", 6)
    assert by_code["E301"].data == {
        "suggestion": "Dropout",
        "range": {
            "start": {"line": start.line, "character": start.character},
            "end": {"line": end.line, "character": end.character},
        },
    }
    assert by_code["E308"].severity == T.DiagnosticSeverity.Error
    # a fix arrives as an incremental change: the diagnostics follow the newest version
    rng = T.Range(pos(BROKEN, "Dropot"), pos(BROKEN, "Dropot", 6))
    change(client, uri, 2, rng, "Dropout")
    await until(lambda: len(client.diagnostics[uri]) == 2, what="two diagnostics left")
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(
            T.TextDocumentIdentifier(uri),
            diags[0].range,
            T.CodeActionContext(diagnostics=list(diags)),
        )
    )
    (fix,) = actions  # E310 names no suggestion
    assert fix.title == "Replace with Dropout" and fix.is_preferred
    (edit,) = (
        fix.edit.document_changes[0].edits if fix.edit.document_changes else fix.edit.changes[uri]
    )
    assert (edit.range, edit.new_text) == (T.Range(start, end), "Dropout")


async def test_diagnostics_follow_edits_across_networks(client, workspace) -> None:
    """The per-keystroke path (only the edited network is re-checked) moves the other networks'
    findings with the text, and a syntax error stays in its network."""
    a = "network A {\n    input: (4,)\n    Dense(units: 2)\n}\n"
    b = "network B {\n    input: (4,)\n    Dense(units: 2) -> rleu\n}\n"
    uri = open_doc(client, workspace / "two.neural", a + b)
    (diags,) = await diagnostics(client, uri)
    assert [(d.code, d.range.start) for d in diags] == [("E308", pos(a + b, "rleu"))]
    change(client, uri, 2, T.Range(T.Position(0, 0), T.Position(0, 0)), "// note\n\n")
    moved = "// note\n\n" + a + b
    await until(
        lambda: [d.range.start for d in client.diagnostics[uri]] == [pos(moved, "rleu")],
        what="the finding in B moved two lines down",
    )
    at = pos(moved, "Dense(units: 2)\n}", 15)  # after A's layer: an unclosed call
    change(client, uri, 3, T.Range(at, at), "\n    Dense(")
    await until(
        lambda: {d.code for d in client.diagnostics[uri]} == {"E102", "E305", "E308"},
        what="a syntax error in A next to B's finding",
    )
    broken = client.diagnostics[uri]
    assert [d.range.start.line for d in broken] == [5, 6, 9], broken  # E305, E102 in A; E308


async def test_files_on_disk_are_checked_and_watched(client, workspace) -> None:
    closed = uri_of(workspace / "closed.neural")
    (diags,) = await diagnostics(client, closed)
    assert {d.code for d in diags} == {"E308", "E301"}
    (workspace / "closed.neural").write_text(
        BROKEN.replace("rleu", "relu").replace("Dropot", "Dropout")
    )
    await until(
        lambda: client.diagnostics[closed] == [] or client.diagnostics[closed] == (), what="cleared"
    )
    (workspace / "new.neural").write_text("network X {\n    input: (4,)\n    Dens(units: 2)\n}\n")
    new = uri_of(workspace / "new.neural")
    (diags,) = await diagnostics(client, new)
    assert diags[0].code == "E301"


COMPLETIONS = [
    ("network N {\n    ", "Dense"),
    ("network N {\n    Dense(", "units"),
    ("network N {\n    Dense(units: 3) -> ", "relu"),
    ("network N {\n    Dense(units: hpo(", "categorical"),
    ("network N {\n    optimizer: ", "adam"),
    ("network N {\n    loss: ", "cross_entropy"),
    ("network N {\n    training: {\n        search_method: ", "bayesian"),
    ("network N {\n    training: {\n        sampler: ", "tpe"),
    ("network N {\n    Dense(use_bias: ", "true"),
    ("network N {\n    Dense(units: ", "hpo(range: [low, high])"),
    ("define Blk(a) {\n    Dense(units: $a)\n}\nnetwork N {\n    ", "Blk"),
]


@pytest.mark.parametrize(("text", "expected"), COMPLETIONS)
async def test_completion_in_context(client, workspace, text, expected) -> None:
    uri = open_doc(client, workspace / "half.neural", text)
    end = pos(text + "\0", "\0")
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), end)
    )
    labels = [i.label for i in result.items]
    assert expected in labels


async def test_completion_items_carry_catalog_docs(client, workspace) -> None:
    text = "network N {\n    Conv2D("
    uri = open_doc(client, workspace / "half.neural", text)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), pos(text + "\0", "\0"))
    )
    filters = next(i for i in result.items if i.label == "filters")
    assert "int ≥ 1" in filters.detail and "output channels" in filters.documentation.value
    text2 = "network N {\n    "
    open_doc(client, workspace / "half.neural", text2)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), pos(text2 + "\0", "\0"))
    )
    dense = next(i for i in result.items if i.label == "Dense")
    assert (
        dense.insert_text_format == T.InsertTextFormat.Snippet
        and "units: ${1:units}" in dense.insert_text
    )


async def test_hover_docs_and_parameters(client, workspace) -> None:
    uri = open_doc(client, workspace / "seed.neural")
    await diagnostics(client, uri)
    td = T.TextDocumentIdentifier(uri)
    layer = await client.text_document_hover_async(T.HoverParams(td, pos(SEED, "Dropout", 2)))
    assert "Dropout(rate)" in layer.contents.value
    arg = await client.text_document_hover_async(T.HoverParams(td, pos(SEED, "rate", 1)))
    assert "[0, 1)" in arg.contents.value
    hpo = await client.text_document_hover_async(T.HoverParams(td, pos(SEED, "hpo(range", 2)))
    assert "dropout_1.rate" in hpo.contents.value and "size: 5 values" in hpo.contents.value
    act = await client.text_document_hover_async(T.HoverParams(td, pos(SEED, "relu", 1)))
    assert "max(0, x)" in act.contents.value


async def test_symbols_folding_tokens_definition(client, workspace) -> None:
    uri = open_doc(client, workspace / "macros.neural")
    await diagnostics(client, uri)
    td = T.TextDocumentIdentifier(uri)
    symbols = await client.text_document_document_symbol_async(T.DocumentSymbolParams(td))
    assert [s.name for s in symbols] == ["Block", "M"]
    folds = await client.text_document_folding_range_async(T.FoldingRangeParams(td))
    assert {(f.start_line, f.end_line) for f in folds} == {(0, 2), (3, 7)}
    tokens = await client.text_document_semantic_tokens_full_async(T.SemanticTokensParams(td))
    assert len(tokens.data) % 5 == 0 and len(tokens.data) > 20
    text = (workspace / "macros.neural").read_text()
    loc = await client.text_document_definition_async(
        T.DefinitionParams(td, pos(text, "Block(w=16)", 1))
    )
    assert loc.range.start == pos(text, "Block")


async def test_settings_from_initialization_options(tmp_path) -> None:
    lc = await start(
        tmp_path, client="neovim", init_options={"neural": {"defaultTrials": 7, "sampler": "nope"}}
    )
    try:
        await until(lambda: lc.messages, what="a warning about the invalid sampler")
        assert "neural.sampler" in lc.messages[0].message
    finally:
        await stop(lc)


LEGACY = """network Old {
    input: (28, 28, 1)
    layers:
        Dense(HPO(choice(64, 128)), "relu")
        Output(units=10, activation="softmax")
    train {
        epochs: 1
    }
}
"""


async def test_formatting_and_legacy_conversion(client, workspace) -> None:
    uri = open_doc(client, workspace / "legacy.neural", LEGACY)
    await diagnostics(client, uri)
    td = T.TextDocumentIdentifier(uri)
    edits = await client.text_document_formatting_async(
        T.DocumentFormattingParams(td, T.FormattingOptions(tab_size=4, insert_spaces=True))
    )
    from neural_hpo.dsl.formatter import format_source

    assert edits[0].new_text == format_source(LEGACY)
    whole = T.Range(T.Position(0, 0), T.Position(0, 0))
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(td, whole, T.CodeActionContext(diagnostics=[]))
    )
    convert = next(a for a in actions if a.title == "Convert legacy syntax to canonical")
    (doc_edit,) = convert.edit.document_changes
    assert (
        doc_edit.edits[0].new_text == format_source(LEGACY)
        and "hpo(categorical" in doc_edit.edits[0].new_text
    )
